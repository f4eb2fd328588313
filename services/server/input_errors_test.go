package server_test

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"testing"
	"time"

	"github.com/slotpay/slotpay/services/server/servertest"
)

// doInLanguage posts an operation as Env.Do does, with an Accept-Language header ("" for none).
func doInLanguage(t *testing.T, env *servertest.Env, token, language, query string, vars map[string]any) servertest.Response {
	t.Helper()
	body, _ := json.Marshal(map[string]any{"query": query, "variables": vars})
	req, _ := http.NewRequest(http.MethodPost, env.URL+"/graphql", bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	if language != "" {
		req.Header.Set("Accept-Language", language)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("POST /graphql: %v", err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	out := servertest.Response{Status: resp.StatusCode}
	if err := json.Unmarshal(raw, &out); err != nil {
		t.Fatalf("decode response %q: %v", raw, err)
	}
	return out
}

// wantInputErrors checks a refused operation's errors, in order: each BAD_USER_INPUT on the
// operation's field, with its path, sub-code and message, and no data.
func wantInputErrors(t *testing.T, r servertest.Response, operation string, want [][3]string) {
	t.Helper()
	if len(r.Errors) != len(want) {
		t.Fatalf("%d errors, want %d: %+v", len(r.Errors), len(want), r.Errors)
	}
	if string(r.Data) != "null" && len(r.Data) != 0 {
		t.Fatalf("data %s beside input errors", r.Data)
	}
	for i, w := range want {
		e := r.Errors[i]
		if e.Code() != "BAD_USER_INPUT" || e.Field() != w[0] || e.Extensions["reason"] != w[1] || e.Message != w[2] ||
			len(e.Path) != 1 || e.Path[0] != operation || e.Extensions["requestId"] == nil {
			t.Errorf("error %d: %q %v %v, want %q", i, e.Message, e.Path, e.Extensions, w)
		}
	}
}

// A booking with a bad name, e-mail and phone is refused with three errors, each with its path,
// sub-code and a message in the language the customer's app asks for; nothing is written.
func TestBookingInputErrorsAllAtOnce(t *testing.T) {
	t.Parallel()
	b := newBookingEnv(t, "input-errors", nil)
	in := b.reservationInput(time.Date(2026, 3, 4, 10, 0, 0, 0, warsaw), "")
	in["customer"] = map[string]any{"name": " ", "email": "jan@", "phone": "call me"}
	vars := map[string]any{"in": in}
	before := b.Count(`SELECT count(*) FROM reservations`)

	wantInputErrors(t, doInLanguage(t, b.Env, "", "pl-PL,pl;q=0.9,en;q=0.5", createReservationOp, vars), "createReservation", [][3]string{
		{"input.customer.name", "REQUIRED", "Podaj imię i nazwisko."},
		{"input.customer.email", "INVALID_FORMAT", "Adres e-mail jest nieprawidłowy."},
		{"input.customer.phone", "INVALID_FORMAT", "Numer telefonu może zawierać tylko cyfry, spacje, myślniki i początkowy znak +."},
	})
	// No header and no signed-in business: English.
	wantInputErrors(t, doInLanguage(t, b.Env, "", "", createReservationOp, vars), "createReservation", [][3]string{
		{"input.customer.name", "REQUIRED", "name is required"},
		{"input.customer.email", "INVALID_FORMAT", "e-mail address is not valid"},
		{"input.customer.phone", "INVALID_FORMAT", "phone number may contain only digits, spaces, dashes and a leading +"},
	})
	if after := b.Count(`SELECT count(*) FROM reservations`); after != before {
		t.Fatalf("refused bookings wrote rows: %d before, %d after", before, after)
	}
}

// Staff read messages in their business's locale (pl-PL here) unless their app asks for another
// supported language.
func TestStaffInputErrorsInTheBusinessLocale(t *testing.T) {
	t.Parallel()
	b := newBookingEnv(t, "input-errors-staff", nil)
	op := `mutation($in: ServiceInput!) { createService(input: $in) { id } }`
	vars := map[string]any{"in": map[string]any{"name": "Massage", "durationMinutes": 1, "priceAmount": -1, "capacity": 0}}
	before := b.Count(`SELECT count(*) FROM services`)

	wantInputErrors(t, doInLanguage(t, b.Env, b.owner.AccessToken, "", op, vars), "createService", [][3]string{
		{"input.durationMinutes", "OUT_OF_RANGE", "Wartość musi mieścić się w zakresie od 5 do 1440."},
		{"input.priceAmount", "OUT_OF_RANGE", "Cena musi mieścić się w zakresie od 0 do 100000000 (w groszach lub centach)."},
		{"input.capacity", "OUT_OF_RANGE", "Wartość musi mieścić się w zakresie od 1 do 1000."},
	})
	wantInputErrors(t, doInLanguage(t, b.Env, b.owner.AccessToken, "en-GB", op, vars), "createService", [][3]string{
		{"input.durationMinutes", "OUT_OF_RANGE", "must be between 5 and 1440"},
		{"input.priceAmount", "OUT_OF_RANGE", "price must be between 0 and 100000000 minor units"},
		{"input.capacity", "OUT_OF_RANGE", "must be between 1 and 1000"},
	})
	// An argument beside the input keeps its own path.
	r := doInLanguage(t, b.Env, b.owner.AccessToken, "", `mutation($id: UUID!) { updateService(id: $id, input: {name: "X"}) { id } }`,
		map[string]any{"id": "00000000-0000-0000-0000-000000000001"})
	if len(r.Errors) != 1 || r.Errors[0].Code() != "NOT_FOUND" || r.Errors[0].Field() != "id" || r.Errors[0].Message != "Nie znaleziono usługi." {
		t.Fatalf("unknown service: %+v", r.Errors)
	}
	if after := b.Count(`SELECT count(*) FROM services`); after != before {
		t.Fatalf("refused services wrote rows: %d before, %d after", before, after)
	}
}

// A sign-up with several bad fields hears of all of them, and creates nothing.
func TestSignUpInputErrorsAllAtOnce(t *testing.T) {
	t.Parallel()
	env := servertest.New(t)
	in := signUpInput("Bad Slug!", "not-an-email")
	in["timeZone"], in["password"] = "Mars/Olympus", "short"
	tenants, users := env.Count(`SELECT count(*) FROM tenants`), env.Count(`SELECT count(*) FROM users`)
	wantInputErrors(t, doInLanguage(t, env, "", "pl", signUpMutation, map[string]any{"in": in}), "signUp", [][3]string{
		{"input.slug", "INVALID_FORMAT", "Identyfikator musi mieć od 3 do 63 znaków: małe litery, cyfry lub myślniki, na początku i na końcu litera lub cyfra."},
		{"input.timeZone", "NOT_ALLOWED", "Nieznana strefa czasowa."},
		{"input.email", "INVALID_FORMAT", "Adres e-mail jest nieprawidłowy."},
		{"input.password", "TOO_SHORT", "Hasło musi mieć co najmniej 10 znaków."},
	})
	if env.Count(`SELECT count(*) FROM tenants`) != tenants || env.Count(`SELECT count(*) FROM users`) != users {
		t.Fatal("a refused sign-up wrote rows")
	}
}
