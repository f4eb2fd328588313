package server_test

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/netip"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/slotpay/slotpay/services/auth"
	"github.com/slotpay/slotpay/services/config"
	"github.com/slotpay/slotpay/services/database/dbtest"
	"github.com/slotpay/slotpay/services/ratelimit"
	"github.com/slotpay/slotpay/services/server"
	"github.com/slotpay/slotpay/services/server/servertest"
)

// behindProxy makes the test client (127.0.0.1) a trusted proxy, so X-Forwarded-For picks the
// client address a request comes from.
func behindProxy(c *config.Config, _ *server.Options) {
	c.TrustedProxies = []netip.Prefix{netip.MustParsePrefix("127.0.0.1/32"), netip.MustParsePrefix("::1/128")}
}

// limitedResponse is a GraphQL answer with its Retry-After header.
type limitedResponse struct {
	servertest.Response
	RetryAfter string
}

// postFrom posts an operation as the client at ip (through the trusted proxy).
func postFrom(t *testing.T, url, ip, token, query string, vars map[string]any) limitedResponse {
	t.Helper()
	body, _ := json.Marshal(map[string]any{"query": query, "variables": vars})
	req, _ := http.NewRequest(http.MethodPost, url+"/graphql", bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-Forwarded-For", ip)
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("POST /graphql: %v", err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	out := limitedResponse{Response: servertest.Response{Status: resp.StatusCode}, RetryAfter: resp.Header.Get("Retry-After")}
	if err := json.Unmarshal(raw, &out.Response); err != nil {
		t.Fatalf("decode %q: %v", raw, err)
	}
	return out
}

func logInFrom(t *testing.T, env *servertest.Env, ip, email, password string) limitedResponse {
	t.Helper()
	return postFrom(t, env.URL, ip, "", logInMutation, map[string]any{"in": map[string]any{"email": email, "password": password}})
}

func code(r limitedResponse) string {
	if len(r.Errors) == 0 {
		return ""
	}
	return r.Errors[0].Code()
}

// mustBeLimited checks a refusal: RATE_LIMITED, extensions.retryAfter in whole seconds, and the
// same number in the Retry-After header.
func mustBeLimited(t *testing.T, r limitedResponse, what string) int {
	t.Helper()
	if code(r) != "RATE_LIMITED" {
		t.Fatalf("%s: %+v, want RATE_LIMITED", what, r.Errors)
	}
	secs, ok := r.Errors[0].Extensions["retryAfter"].(float64)
	if !ok || secs < 1 || secs != float64(int(secs)) {
		t.Fatalf("%s: extensions.retryAfter %v, want whole seconds ≥ 1", what, r.Errors[0].Extensions["retryAfter"])
	}
	if r.RetryAfter != strconv.Itoa(int(secs)) {
		t.Fatalf("%s: Retry-After header %q, extensions.retryAfter %v", what, r.RetryAfter, secs)
	}
	return int(secs)
}

type testClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *testClock) Now() time.Time      { c.mu.Lock(); defer c.mu.Unlock(); return c.now }
func (c *testClock) Add(d time.Duration) { c.mu.Lock(); c.now = c.now.Add(d); c.mu.Unlock() }

// Log-in guessing across two instances on one database: the (account, IP) pair locks after its
// failures whichever instance answers, without a password being checked, while the owner at another
// address still logs in; the account's ceiling then stops guessing from every address, and after
// its cool-down (the clock moved, no sleeping) the owner at a fresh address logs in again.
func TestLogInGuessingLimitedPerAccountAcrossInstances(t *testing.T) {
	db := dbtest.New(t)
	clk := &testClock{now: time.Now().UTC()}
	limits := servertest.Roomy
	limits.LogInAccountIP = ratelimit.Limit{N: 3, Per: 15 * time.Minute}
	limits.LogInAccount = ratelimit.Limit{N: 5, Per: time.Hour}
	opts := []servertest.Option{servertest.WithClock(clk.Now), servertest.WithRateLimits(limits), behindProxy}
	a := servertest.NewOn(t, db, opts...)
	b := servertest.NewOn(t, db, opts...)
	o := a.SignUp("guessed")

	for i := range 3 {
		env := []*servertest.Env{a, b}[i%2]
		if r := logInFrom(t, env, "198.51.100.1", o.Email, "wrong guess number "+strconv.Itoa(i)); code(r) != "UNAUTHENTICATED" {
			t.Fatalf("guess %d: %+v, want UNAUTHENTICATED", i+1, r.Errors)
		}
	}
	before := auth.PasswordChecks()
	mustBeLimited(t, logInFrom(t, b, "198.51.100.1", o.Email, "wrong guess number 4"), "fourth guess from the same address, other instance")
	mustBeLimited(t, logInFrom(t, a, "198.51.100.1", o.Email, o.Password), "the right password from the locked address")
	if n := auth.PasswordChecks() - before; n != 0 {
		t.Fatalf("%d passwords checked for refused attempts", n)
	}
	if r := logInFrom(t, b, "203.0.113.50", o.Email, o.Password); len(r.Errors) > 0 {
		t.Fatalf("the owner at its own address: %+v", r.Errors)
	}

	// 3 failures and a success (a fifth of one) so far; the account takes 5 failures an hour from
	// all addresses: a second attacker address gets one guess, then meets the ceiling.
	if r := logInFrom(t, a, "198.51.100.2", o.Email, "another wrong guess"); code(r) != "UNAUTHENTICATED" {
		t.Fatalf("second attacker's first guess: %+v", r.Errors)
	}
	mustBeLimited(t, logInFrom(t, b, "198.51.100.2", o.Email, "yet another guess"), "the account's ceiling")
	wait := mustBeLimited(t, logInFrom(t, a, "192.0.2.77", o.Email, o.Password), "the owner at a fresh address during the attack")
	if wait > 15*60 {
		t.Fatalf("the account's cool-down is %ds, want at most 15 minutes", wait)
	}

	clk.Add(time.Duration(wait) * time.Second)
	if r := logInFrom(t, b, "192.0.2.77", o.Email, o.Password); len(r.Errors) > 0 {
		t.Fatalf("the owner at a fresh address after the cool-down: %+v", r.Errors)
	}
}

// One address guessing at many accounts (known or not) meets the per-IP limit; another address
// does not.
func TestLogInGuessingLimitedPerIP(t *testing.T) {
	t.Parallel()
	limits := servertest.Roomy
	limits.LogInIP = ratelimit.Limit{N: 4, Per: 15 * time.Minute}
	env := servertest.New(t, servertest.WithRateLimits(limits), behindProxy)
	o := env.SignUp("sprayed")
	for i, email := range []string{o.Email, "a@nowhere.example.com", "b@nowhere.example.com", "c@nowhere.example.com"} {
		if r := logInFrom(t, env, "198.51.100.9", email, "spray password 1"); code(r) != "UNAUTHENTICATED" {
			t.Fatalf("attempt %d: %+v", i+1, r.Errors)
		}
	}
	mustBeLimited(t, logInFrom(t, env, "198.51.100.9", "d@nowhere.example.com", "spray password 1"), "fifth account from one address")
	if r := logInFrom(t, env, "198.51.100.10", o.Email, o.Password); len(r.Errors) > 0 {
		t.Fatalf("another address: %+v", r.Errors)
	}
}

// Aliased (or fragment-spread) logIn calls in one request are refused before any runs: no password
// is checked, no session is started, even when one of them holds the right password. Not parallel:
// it counts the process's password checks exactly.
func TestBatchedLogInRefusedBeforeAnyPasswordCheck(t *testing.T) {
	env := servertest.New(t)
	o := env.SignUp("batched")
	sessions := env.Count(`SELECT count(*) FROM refresh_tokens`)
	before := auth.PasswordChecks()
	for name, query := range map[string]string{
		"aliases": `mutation($e: String!, $p: String!) {
			a: logIn(input: {email: $e, password: "guess one here"}) { accessToken }
			b: logIn(input: {email: $e, password: "guess two here"}) { accessToken }
			c: logIn(input: {email: $e, password: $p}) { accessToken } }`,
		"fragments": `mutation($e: String!, $p: String!) { ...One ... on Mutation { other: logIn(input: {email: $e, password: $p}) { accessToken } } }
			fragment One on Mutation { logIn(input: {email: $e, password: "guess one here"}) { accessToken } }`,
		"log-in and sign-up": `mutation($e: String!, $p: String!) {
			logIn(input: {email: $e, password: $p}) { accessToken }
			signUp(input: {tenantName: "X", slug: "x-batched", timeZone: "Europe/Warsaw", ownerName: "X", email: "x@batched.example.com", password: "correct horse battery"}) { accessToken } }`,
	} {
		r := env.Do("", query, map[string]any{"e": o.Email, "p": o.Password})
		if len(r.Errors) != 1 || r.Errors[0].Code() != "BAD_USER_INPUT" || string(r.Data) != "" && string(r.Data) != "null" {
			t.Fatalf("%s: data %s errors %+v, want one BAD_USER_INPUT and no data", name, r.Data, r.Errors)
		}
		if msg := r.Errors[0].Message; msg != "at most one authentication mutation (signUp, logIn, refreshToken, acceptInvitation, redeemMyBookingsLink) per request" {
			t.Fatalf("%s: message %q", name, msg)
		}
	}
	if n := auth.PasswordChecks() - before; n != 0 {
		t.Fatalf("%d passwords checked for refused batches", n)
	}
	if n := env.Count(`SELECT count(*) FROM refresh_tokens`); n != sessions {
		t.Fatalf("sessions %d → %d", sessions, n)
	}
	if n := env.Count(`SELECT count(*) FROM tenants WHERE slug = 'x-batched'`); n != 0 {
		t.Fatal("the batched sign-up ran")
	}
	// One logIn beside other fields is fine.
	var out struct{ LogIn struct{ AccessToken string } }
	env.Must("", `mutation($e: String!, $p: String!) { logIn(input: {email: $e, password: $p}) { accessToken } }`,
		map[string]any{"e": o.Email, "p": o.Password}, &out)
	if out.LogIn.AccessToken == "" {
		t.Fatal("a single logIn failed")
	}
}

// Public createReservation is counted per client IP (whatever the outcome); staff booking in
// their own business is not; another address still books.
func TestCreateReservationThrottledPerIP(t *testing.T) {
	t.Parallel()
	limits := servertest.Roomy
	limits.BookingIP = ratelimit.Limit{N: 3, Per: 10 * time.Minute}
	b := newBookingEnv(t, "throttled", nil, servertest.WithRateLimits(limits), behindProxy)
	reservations := b.Count(`SELECT count(*) FROM reservations`)
	for i := range 3 {
		in := b.reservationInput(bookingTime.Add(time.Duration(24*(i+1))*time.Hour).Add(2*time.Hour), "")
		if r := postFrom(t, b.URL, "198.51.100.20", "", createReservationOp, map[string]any{"in": in}); len(r.Errors) > 0 {
			t.Fatalf("booking %d: %+v", i+1, r.Errors)
		}
	}
	in := b.reservationInput(bookingTime.Add(5*24*time.Hour).Add(2*time.Hour), "")
	r := postFrom(t, b.URL, "198.51.100.20", "", createReservationOp, map[string]any{"in": in})
	if secs := mustBeLimited(t, r, "fourth booking from one address"); secs > 200 || secs < 190 {
		t.Fatalf("retry after %ds, want about 200 (one booking's share of 10 minutes)", secs)
	}
	if n := b.Count(`SELECT count(*) FROM reservations`); n != reservations+3 {
		t.Fatalf("%d reservations written, want 3", n-reservations)
	}
	staffIn := b.reservationInput(bookingTime.Add(6*24*time.Hour).Add(2*time.Hour), "")
	delete(staffIn, "tenantSlug")
	if r := postFrom(t, b.URL, "198.51.100.20", b.owner.AccessToken, createReservationOp, map[string]any{"in": staffIn}); len(r.Errors) > 0 {
		t.Fatalf("staff booking from the limited address: %+v", r.Errors)
	}
	if r := postFrom(t, b.URL, "198.51.100.21", "", createReservationOp, map[string]any{"in": in}); len(r.Errors) > 0 {
		t.Fatalf("booking from another address: %+v", r.Errors)
	}
}

// Sign-up, refresh and invitation acceptance are limited per client IP, and proving a password by
// accepting an invitation counts in the account's log-in buckets (it is no way around them).
func TestAuthenticationMutationsLimited(t *testing.T) {
	t.Parallel()
	limits := servertest.Roomy
	limits.SignUpIP = ratelimit.Limit{N: 2, Per: time.Hour}
	limits.RefreshIP = ratelimit.Limit{N: 2, Per: 15 * time.Minute}
	limits.LogInAccountIP = ratelimit.Limit{N: 2, Per: 15 * time.Minute}

	signUpLimits := limits
	t.Run("sign-up per IP", func(t *testing.T) {
		t.Parallel()
		env := servertest.New(t, servertest.WithRateLimits(signUpLimits), behindProxy)
		for i, slug := range []string{"limited-one", "limited-two"} {
			r := postFrom(t, env.URL, "198.51.100.30", "", signUpMutation, map[string]any{"in": signUpInput(slug, slug+"@example.com")})
			if len(r.Errors) > 0 {
				t.Fatalf("sign-up %d: %+v", i+1, r.Errors)
			}
		}
		mustBeLimited(t, postFrom(t, env.URL, "198.51.100.30", "", signUpMutation,
			map[string]any{"in": signUpInput("limited-three", "limited-three@example.com")}), "third sign-up")
		if n := env.Count(`SELECT count(*) FROM tenants WHERE slug = 'limited-three'`); n != 0 {
			t.Fatal("the refused sign-up wrote a business")
		}
	})
	// The other cases sign up from the test's own address, which these limits leave alone.
	limits.SignUpIP = servertest.Roomy.SignUpIP
	t.Run("refresh per IP", func(t *testing.T) {
		t.Parallel()
		env := servertest.New(t, servertest.WithRateLimits(limits), behindProxy)
		o := env.SignUp("refreshed")
		for range 2 {
			if r := postFrom(t, env.URL, "198.51.100.31", "", refreshMutation, map[string]any{"t": "rt_forged"}); code(r) != "UNAUTHENTICATED" {
				t.Fatalf("forged refresh: %+v", r.Errors)
			}
		}
		mustBeLimited(t, postFrom(t, env.URL, "198.51.100.31", "", refreshMutation, map[string]any{"t": o.RefreshToken}), "refresh after two failures")
		if r := postFrom(t, env.URL, "198.51.100.32", "", refreshMutation, map[string]any{"t": o.RefreshToken}); len(r.Errors) > 0 {
			t.Fatalf("refresh from another address: %+v", r.Errors)
		}
	})
	t.Run("invitation passwords count as log-ins", func(t *testing.T) {
		t.Parallel()
		env := servertest.New(t, servertest.WithRateLimits(limits), behindProxy)
		inviter := env.SignUp("inviting")
		invitee := env.SignUp("invitee-home")
		var inv struct{ InviteStaff struct{ Token string } }
		env.Must(inviter.AccessToken, `mutation($in: InviteStaffInput!) { inviteStaff(input: $in) { token } }`,
			map[string]any{"in": map[string]any{"email": invitee.Email, "role": "STAFF"}}, &inv)
		accept := `mutation($in: AcceptInvitationInput!) { acceptInvitation(input: $in) { accessToken } }`
		for range 2 {
			r := postFrom(t, env.URL, "198.51.100.33", "", accept, map[string]any{"in": map[string]any{"token": inv.InviteStaff.Token, "password": "not the password"}})
			if code(r) != "UNAUTHENTICATED" {
				t.Fatalf("acceptance with a wrong password: %+v", r.Errors)
			}
		}
		mustBeLimited(t, logInFrom(t, env, "198.51.100.33", invitee.Email, invitee.Password), "log-in after two wrong invitation passwords")
		r := postFrom(t, env.URL, "198.51.100.34", "", accept, map[string]any{"in": map[string]any{"token": inv.InviteStaff.Token, "password": invitee.Password}})
		if len(r.Errors) > 0 {
			t.Fatalf("acceptance with the right password from another address: %+v", r.Errors)
		}
	})
}

// Over WebSocket a refusal carries extensions.retryAfter (there is no response header).
func TestRateLimitedOverWebSocket(t *testing.T) {
	t.Parallel()
	limits := servertest.Roomy
	limits.LogInAccountIP = ratelimit.Limit{N: 1, Per: 15 * time.Minute}
	env := servertest.New(t, servertest.WithRateLimits(limits), behindProxy)
	o := env.SignUp("socket-guessed")
	c, err := dialWS(t, env.URL, transportWS, http.Header{"X-Forwarded-For": {"198.51.100.40"}})
	if err != nil {
		t.Fatal(err)
	}
	c.init("")
	if m := c.nextMessage(5 * time.Second); m.Type != "connection_ack" {
		t.Fatalf("expected connection_ack, got %+v", m)
	}
	vars := map[string]any{"in": map[string]any{"email": o.Email, "password": "wrong over the socket"}}
	var codes []string
	var retry any
	for i := range 2 {
		id := strconv.Itoa(i + 1)
		c.subscribe(id, logInMutation, vars)
		m := c.nextMessage(5 * time.Second)
		var r wsResult
		if err := json.Unmarshal(m.Payload, &r); err != nil || m.ID != id || len(r.Errors) == 0 {
			t.Fatalf("attempt %s: %s %s", id, m.Type, m.Payload)
		}
		code, _ := r.Errors[0].Extensions["code"].(string)
		codes = append(codes, code)
		retry = r.Errors[0].Extensions["retryAfter"]
	}
	if codes[0] != "UNAUTHENTICATED" || codes[1] != "RATE_LIMITED" {
		t.Fatalf("codes %v, want UNAUTHENTICATED then RATE_LIMITED", codes)
	}
	if secs, ok := retry.(float64); !ok || secs < 1 || secs > 15*60 {
		t.Fatalf("retryAfter %v", retry)
	}
}

// initiatePayment with a customer's token is counted per reservation (whatever its outcome: here
// the business has no online payment method); staff are not limited.
func TestInitiatePaymentThrottledPerReservation(t *testing.T) {
	t.Parallel()
	limits := servertest.Roomy
	limits.PaymentReservation = ratelimit.Limit{N: 2, Per: 10 * time.Minute}
	b := newBookingEnv(t, "pay-throttled", nil, servertest.WithRateLimits(limits), behindProxy)
	var created createdReservation
	b.Must("", createReservationOp, map[string]any{"in": b.reservationInput(bookingTime.Add(26*time.Hour), "")}, &struct {
		CreateReservation *createdReservation
	}{&created})
	pay := `mutation($in: InitiatePaymentInput!) { initiatePayment(input: $in) { id } }`
	in := func(key string) map[string]any {
		return map[string]any{"in": map[string]any{"reservationId": created.Reservation.ID, "channel": "BLIK", "idempotencyKey": key}}
	}
	for i, ip := range []string{"198.51.100.60", "198.51.100.61"} {
		r := postFrom(t, b.URL, ip, created.CustomerAccessToken, pay, in("k"+strconv.Itoa(i)))
		if len(r.Errors) == 0 || code(r) == "RATE_LIMITED" {
			t.Fatalf("attempt %d: %+v, want the domain's refusal (no payment method)", i+1, r.Errors)
		}
	}
	mustBeLimited(t, postFrom(t, b.URL, "198.51.100.62", created.CustomerAccessToken, pay, in("k3")), "third attempt on one reservation")
	if r := postFrom(t, b.URL, "198.51.100.62", b.owner.AccessToken, pay, in("k4")); code(r) == "RATE_LIMITED" {
		t.Fatal("staff limited by the customers' payment rule")
	}
}
