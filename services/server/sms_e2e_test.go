package server_test

import (
	"io"
	"net/http"
	"strings"
	"testing"
	"time"
)

// The SMS settings over GraphQL: the owner turns SMS on through the platform's account (in
// development the stand-in's), sets a sender name and a token of its own, which is never shown
// again; bad values are refused all at once and change nothing.
func TestSmsSettingsOverGraphQL(t *testing.T) {
	t.Parallel()
	b := newBookingEnv(t, "sms-settings", nil)
	const settings = `enabled sending senderName ownToken tokenHint platformTokenAvailable transliterate quietHoursStart quietHoursEnd`
	type view struct {
		Enabled, Sending, OwnToken, PlatformTokenAvailable, Transliterate bool
		SenderName, TokenHint                                             *string
		QuietHoursStart, QuietHoursEnd                                    string
	}
	var got struct{ SmsSettings view }
	b.Must(b.owner.AccessToken, `{ smsSettings { `+settings+` } }`, nil, &got)
	if s := got.SmsSettings; s.Enabled || s.Sending || !s.PlatformTokenAvailable || !s.Transliterate || s.QuietHoursStart != "21:00" || s.QuietHoursEnd != "08:00" {
		t.Fatalf("defaults %+v", s)
	}

	resp := b.Do(b.owner.AccessToken, `mutation { updateSmsSettings(input: {enabled: true, senderName: "Salon Zdrój", token: "no spaces allowed"}) { enabled } }`, nil)
	fields := map[string]string{}
	for _, e := range resp.Errors {
		fields[e.Field()] = e.Code()
	}
	if fields["input.senderName"] != "BAD_USER_INPUT" || fields["input.token"] != "BAD_USER_INPUT" || len(fields) != 2 {
		t.Fatalf("errors %+v", resp.Errors)
	}
	b.Must(b.owner.AccessToken, `{ smsSettings { `+settings+` } }`, nil, &got)
	if got.SmsSettings.Enabled {
		t.Fatal("a refused update turned SMS on")
	}

	const secret = "my-own-smsapi-token-7890"
	// A token SMSAPI (here the stand-in) does not know is refused before it is stored.
	if e := b.MustFail(b.owner.AccessToken, `mutation($t: String) { updateSmsSettings(input: {token: $t}) { ownToken } }`,
		map[string]any{"t": secret}, "BAD_USER_INPUT"); e.Field() != "input.token" {
		t.Fatalf("unknown token: field %q", e.Field())
	}
	b.Server.SMSAPI.AddToken(secret)
	var upd struct{ UpdateSmsSettings view }
	b.Must(b.owner.AccessToken, `mutation($t: String) { updateSmsSettings(input: {enabled: true, senderName: "SalonAnna", token: $t}) { `+settings+` } }`,
		map[string]any{"t": secret}, &upd)
	if s := upd.UpdateSmsSettings; !s.Enabled || !s.Sending || !s.OwnToken || *s.TokenHint != "••••7890" || *s.SenderName != "SalonAnna" {
		t.Fatalf("saved %+v", s)
	}
	raw := b.Do(b.owner.AccessToken, `{ smsSettings { `+settings+` } }`, nil)
	if strings.Contains(string(raw.Data), secret) {
		t.Fatal("the token is shown")
	}
	if n := b.Count(`SELECT count(*) FROM sms_settings WHERE tenant_id = $1 AND token_sealed LIKE '%' || $2 || '%'`, b.owner.TenantID, secret); n != 0 {
		t.Fatal("the token is stored in clear")
	}
	// A customer token or no token may not read them.
	b.MustFail("", `{ smsSettings { enabled } }`, nil, "UNAUTHENTICATED")
}

// Opt-out both ways: the customer with their booking's token, staff for a customer who asked; and
// the segments preview of a Polish text.
func TestSmsOptOutOverGraphQL(t *testing.T) {
	t.Parallel()
	b := newBookingEnv(t, "sms-optout", nil)
	_, customer, token := b.bookAs(t, time.Date(2026, 3, 4, 9, 0, 0, 0, warsaw), "Anna Nowak", "anna@example.com", "600 100 200")
	var mine struct{ SetMySmsOptOut bool }
	b.Must(token, `mutation { setMySmsOptOut(optedOut: true) }`, nil, &mine)
	if !mine.SetMySmsOptOut {
		t.Fatal("opt-out answered false")
	}
	type optOut struct {
		Customer struct {
			SmsOptOut *struct {
				At     time.Time
				Source string
			}
		}
	}
	var got optOut
	b.Must(b.owner.AccessToken, `query($id: UUID!) { customer(id: $id) { smsOptOut { at source } } }`, map[string]any{"id": customer}, &got)
	if got.Customer.SmsOptOut == nil || got.Customer.SmsOptOut.Source != "CUSTOMER" {
		t.Fatalf("after the customer's opt-out: %+v", got.Customer)
	}
	// A customer token cannot read the customer record's field, nor use the staff mutation.
	b.MustFail(token, `mutation($id: UUID!) { setCustomerSmsOptOut(customerId: $id, optedOut: false) { id } }`, map[string]any{"id": customer}, "FORBIDDEN")
	// Staff withdraw it; a stranger's id is NOT_FOUND.
	var staff struct {
		SetCustomerSmsOptOut struct{ SmsOptOut *struct{ Source string } }
	}
	b.Must(b.owner.AccessToken, `mutation($id: UUID!) { setCustomerSmsOptOut(customerId: $id, optedOut: false) { smsOptOut { source } } }`,
		map[string]any{"id": customer}, &staff)
	if staff.SetCustomerSmsOptOut.SmsOptOut != nil {
		t.Fatalf("still opted out: %+v", staff.SetCustomerSmsOptOut)
	}
	if e := b.MustFail(b.owner.AccessToken, `mutation { setCustomerSmsOptOut(customerId: "00000000-0000-4000-8000-000000000000", optedOut: true) { id } }`, nil, "NOT_FOUND"); e.Field() != "customerId" {
		t.Fatalf("field %q", e.Field())
	}
	// Staff without a customer: setMySmsOptOut is a customer's.
	b.MustFail(b.owner.AccessToken, `mutation { setMySmsOptOut(optedOut: true) }`, nil, "FORBIDDEN")

	var seg struct {
		Pl, Plain struct {
			Encoding          string
			Characters, Parts int
		}
	}
	text := "Przypominamy o wizycie jutro o 14:30 w Salon Zdrój, ul. Źródlana 5. Odwołanie: https://slotpay.pl/r/abc123"
	b.Must(b.owner.AccessToken, `query($t: String!) { pl: smsSegments(text: $t) { encoding characters parts }
		plain: smsSegments(text: $t, transliterate: true) { encoding characters parts } }`, map[string]any{"t": text}, &seg)
	if seg.Pl.Encoding != "UCS_2" || seg.Pl.Parts != 2 || seg.Plain.Encoding != "GSM_7" || seg.Plain.Parts != 1 {
		t.Fatalf("segments %+v", seg)
	}
	if e := b.MustFail(b.owner.AccessToken, `query($t: String!) { smsSegments(text: $t) { parts } }`, map[string]any{"t": strings.Repeat("a", 2001)}, "BAD_USER_INPUT"); e.Field() != "text" {
		t.Fatalf("field %q", e.Field())
	}
}

// In development the SMSAPI stand-in is mounted under /_smsapi with its page.
func TestDevelopmentMountsTheSMSAPIStandIn(t *testing.T) {
	t.Parallel()
	b := newBookingEnv(t, "sms-dev", nil)
	resp, err := http.Get(b.URL + "/_smsapi/_sim/")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || !strings.Contains(string(body), "SMSAPI stand-in") {
		t.Fatalf("%d %s", resp.StatusCode, body)
	}
	if b.Server.SMSAPI == nil {
		t.Fatal("no stand-in on the server")
	}
}
