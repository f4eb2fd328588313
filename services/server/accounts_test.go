package server_test

import (
	"strings"
	"sync"
	"testing"

	"github.com/slotpay/slotpay/services/auth"
	"github.com/slotpay/slotpay/services/server/servertest"
)

const signUpMutation = `mutation($in: SignUpInput!) { signUp(input: $in) {
	accessToken refreshToken role user { id email name } tenant { id slug timeZone currency locale } } }`

func signUpInput(slug, email string) map[string]any {
	return map[string]any{
		"tenantName": "Salon " + slug, "slug": slug, "timeZone": "Europe/Warsaw",
		"ownerName": "Ala Kowalska", "email": email, "password": "correct horse battery",
	}
}

const logInMutation = `mutation($in: LogInInput!) { logIn(input: $in) { accessToken refreshToken role tenant { slug } } }`
const refreshMutation = `mutation($t: String!) { refreshToken(refreshToken: $t) { accessToken refreshToken role } }`

type authPayload struct {
	AccessToken  string
	RefreshToken string
	Role         string
	User         struct{ ID, Email, Name string }
	Tenant       struct{ ID, Slug, TimeZone, Currency, Locale string }
}

func TestSignUpLogInRefreshLogOut(t *testing.T) {
	t.Parallel()
	env := servertest.New(t)

	var su struct{ SignUp authPayload }
	env.Must("", signUpMutation, map[string]any{"in": signUpInput("salon-ala", " Ala@Example.COM ")}, &su)
	if su.SignUp.Role != "OWNER" || su.SignUp.Tenant.Currency != "PLN" || su.SignUp.Tenant.Locale != "pl-PL" ||
		su.SignUp.User.Email != "ala@example.com" || su.SignUp.Tenant.TimeZone != "Europe/Warsaw" {
		t.Fatalf("sign-up payload %+v", su.SignUp)
	}
	var me struct {
		Me struct {
			User        struct{ Email string }
			Role        string
			Memberships []struct{ TenantSlug, Role string }
		}
		Tenant struct{ Slug string }
	}
	env.Must(su.SignUp.AccessToken, `{ me { user { email } role memberships { tenantSlug role } } tenant { slug } }`, nil, &me)
	if me.Me.User.Email != "ala@example.com" || me.Tenant.Slug != "salon-ala" || len(me.Me.Memberships) != 1 {
		t.Fatalf("me %+v", me)
	}

	var li struct{ LogIn authPayload }
	env.Must("", logInMutation, map[string]any{"in": map[string]any{"email": "ALA@example.com", "password": "correct horse battery"}}, &li)
	if li.LogIn.Tenant.Slug != "salon-ala" || li.LogIn.AccessToken == "" {
		t.Fatalf("log-in %+v", li.LogIn)
	}

	// Refresh rotates: the new token works, the old one is spent.
	var r1 struct{ RefreshToken authPayload }
	env.Must("", refreshMutation, map[string]any{"t": li.LogIn.RefreshToken}, &r1)
	if r1.RefreshToken.RefreshToken == li.LogIn.RefreshToken || r1.RefreshToken.Role != "OWNER" {
		t.Fatalf("refresh did not rotate: %+v", r1.RefreshToken)
	}
	var r2 struct{ RefreshToken authPayload }
	env.Must("", refreshMutation, map[string]any{"t": r1.RefreshToken.RefreshToken}, &r2)

	// Reusing a spent token revokes the whole family: the newest token stops working too.
	env.MustFail("", refreshMutation, map[string]any{"t": li.LogIn.RefreshToken}, "UNAUTHENTICATED")
	env.MustFail("", refreshMutation, map[string]any{"t": r2.RefreshToken.RefreshToken}, "UNAUTHENTICATED")
	// The sign-up session is another family and still works.
	var r3 struct{ RefreshToken authPayload }
	env.Must("", refreshMutation, map[string]any{"t": su.SignUp.RefreshToken}, &r3)

	// Log-out revokes that session.
	env.Must("", `mutation($t: String) { logOut(refreshToken: $t) }`, map[string]any{"t": r3.RefreshToken.RefreshToken}, nil)
	env.MustFail("", refreshMutation, map[string]any{"t": r3.RefreshToken.RefreshToken}, "UNAUTHENTICATED")

	// Log-out everywhere needs a signed-in caller and revokes every session.
	var l2 struct{ LogIn authPayload }
	env.Must("", logInMutation, map[string]any{"in": map[string]any{"email": "ala@example.com", "password": "correct horse battery"}}, &l2)
	env.MustFail("", `mutation { logOut(everywhere: true) }`, nil, "UNAUTHENTICATED")
	env.Must(l2.LogIn.AccessToken, `mutation { logOut(everywhere: true) }`, nil, nil)
	env.MustFail("", refreshMutation, map[string]any{"t": l2.LogIn.RefreshToken}, "UNAUTHENTICATED")

	for _, bad := range []string{"", "rt_", "rt_AAAA", "nonsense", strings.Repeat("x", 500)} {
		env.MustFail("", refreshMutation, map[string]any{"t": bad}, "UNAUTHENTICATED")
	}
}

func TestConcurrentRefreshOfOneTokenIssuesAtMostOne(t *testing.T) {
	t.Parallel()
	env := servertest.New(t)
	o := env.SignUp("race-refresh")
	var wg sync.WaitGroup
	var mu sync.Mutex
	ok := 0
	for range 10 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r := env.Do("", refreshMutation, map[string]any{"t": o.RefreshToken})
			if len(r.Errors) == 0 {
				mu.Lock()
				ok++
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	if ok != 1 {
		t.Fatalf("%d concurrent refreshes of one token succeeded, want exactly 1", ok)
	}
}

func TestWrongPasswordAndUnknownEmailLookAlike(t *testing.T) {
	t.Parallel()
	env := servertest.New(t)
	o := env.SignUp("same-answer")
	before := auth.PasswordChecks()
	wrong := env.MustFail("", logInMutation, map[string]any{"in": map[string]any{"email": o.Email, "password": "wrong password here"}}, "UNAUTHENTICATED")
	unknown := env.MustFail("", logInMutation, map[string]any{"in": map[string]any{"email": "nobody@nowhere.example.com", "password": "wrong password here"}}, "UNAUTHENTICATED")
	if wrong.Message != unknown.Message || wrong.Message != "invalid e-mail or password" {
		t.Fatalf("messages differ: %q vs %q", wrong.Message, unknown.Message)
	}
	// Both cost one argon2id verification (other tests in this package may verify concurrently, so
	// count at least two here).
	if got := auth.PasswordChecks() - before; got < 2 {
		t.Fatalf("%d password verifications for a wrong password and an unknown e-mail, want one each", got)
	}
}

func TestSignUpBadInputWritesNothing(t *testing.T) {
	t.Parallel()
	env := servertest.New(t)
	env.SignUp("taken-slug")
	cases := []struct {
		name  string
		edit  func(map[string]any)
		code  string
		field string
	}{
		{"malformed e-mail", func(m map[string]any) { m["email"] = "not-an-email" }, "BAD_USER_INPUT", "input.email"},
		{"e-mail with display name", func(m map[string]any) { m["email"] = "Ala <ala@example.com>" }, "BAD_USER_INPUT", "input.email"},
		{"e-mail without domain dot", func(m map[string]any) { m["email"] = "ala@localhost" }, "BAD_USER_INPUT", "input.email"},
		{"weak password", func(m map[string]any) { m["password"] = "short" }, "BAD_USER_INPUT", "input.password"},
		{"common password", func(m map[string]any) { m["password"] = "password123" }, "BAD_USER_INPUT", "input.password"},
		{"invalid time zone", func(m map[string]any) { m["timeZone"] = "Mars/Olympus" }, "BAD_USER_INPUT", "input.timeZone"},
		{"Local time zone", func(m map[string]any) { m["timeZone"] = "Local" }, "BAD_USER_INPUT", "input.timeZone"},
		{"bad slug", func(m map[string]any) { m["slug"] = "Bad Slug!" }, "BAD_USER_INPUT", "input.slug"},
		{"reserved slug", func(m map[string]any) { m["slug"] = "admin" }, "BAD_USER_INPUT", "input.slug"},
		{"duplicate slug", func(m map[string]any) { m["slug"] = "taken-slug" }, "CONFLICT", "input.slug"},
		{"duplicate e-mail", func(m map[string]any) { m["email"] = "OWNER@taken-slug.example.com" }, "CONFLICT", "input.email"},
		{"unsupported currency", func(m map[string]any) { m["currency"] = "XYZ" }, "BAD_USER_INPUT", "input.currency"},
		{"bad locale", func(m map[string]any) { m["locale"] = "not a locale!" }, "BAD_USER_INPUT", "input.locale"},
		{"empty business name", func(m map[string]any) { m["tenantName"] = "   " }, "BAD_USER_INPUT", "input.tenantName"},
		{"empty owner name", func(m map[string]any) { m["ownerName"] = "" }, "BAD_USER_INPUT", "input.ownerName"},
	}
	tenants := env.Count(`SELECT count(*) FROM tenants`)
	users := env.Count(`SELECT count(*) FROM users`)
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			in := signUpInput("fresh-slug", "fresh@example.com")
			c.edit(in)
			e := env.MustFail("", signUpMutation, map[string]any{"in": in}, c.code)
			if e.Field() != c.field {
				t.Fatalf("field %q, want %q (%s)", e.Field(), c.field, e.Message)
			}
			if e.Message == "" || strings.Contains(e.Message, "SQLSTATE") || strings.Contains(e.Message, "duplicate key") {
				t.Fatalf("unclear or leaking message %q", e.Message)
			}
		})
	}
	if env.Count(`SELECT count(*) FROM tenants`) != tenants || env.Count(`SELECT count(*) FROM users`) != users ||
		env.Count(`SELECT count(*) FROM memberships`) != 1 || env.Count(`SELECT count(*) FROM refresh_tokens`) != 1 {
		t.Fatal("a refused sign-up wrote something")
	}
}

func TestConcurrentSignUpSameSlugOneWins(t *testing.T) {
	t.Parallel()
	env := servertest.New(t)
	var wg sync.WaitGroup
	codes := make(chan string, 8)
	for i := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r := env.Do("", signUpMutation, map[string]any{"in": signUpInput("contested", servertest.Sprintf("p%d@example.com", i))})
			if len(r.Errors) > 0 {
				codes <- r.Errors[0].Code()
			} else {
				codes <- "OK"
			}
		}()
	}
	wg.Wait()
	close(codes)
	got := map[string]int{}
	for c := range codes {
		got[c]++
	}
	if got["OK"] != 1 || got["CONFLICT"] != 7 {
		t.Fatalf("outcomes %v, want 1 OK and 7 CONFLICT", got)
	}
	if n := env.Count(`SELECT count(*) FROM tenants WHERE slug = 'contested'`); n != 1 {
		t.Fatalf("%d tenants", n)
	}
	if n := env.Count(`SELECT count(*) FROM users`); n != 1 {
		t.Fatalf("%d users: a losing sign-up left its user behind", n)
	}
}

func TestLogInWithSeveralBusinesses(t *testing.T) {
	t.Parallel()
	env := servertest.New(t)
	a := env.SignUp("multi-a")
	b := env.SignUp("multi-b")
	// b's owner invites a's owner as STAFF; a accepts with its existing password.
	var inv struct{ InviteStaff struct{ Token string } }
	env.Must(b.AccessToken, `mutation($in: InviteStaffInput!) { inviteStaff(input: $in) { token invitation { email role } } }`,
		map[string]any{"in": map[string]any{"email": a.Email, "role": "STAFF"}}, &inv)
	env.MustFail("", `mutation($in: AcceptInvitationInput!) { acceptInvitation(input: $in) { role } }`,
		map[string]any{"in": map[string]any{"token": inv.InviteStaff.Token, "password": "not the password"}}, "UNAUTHENTICATED")
	var acc struct{ AcceptInvitation authPayload }
	env.Must("", `mutation($in: AcceptInvitationInput!) { acceptInvitation(input: $in) { role tenant { slug } } }`,
		map[string]any{"in": map[string]any{"token": inv.InviteStaff.Token, "password": a.Password}}, &acc)
	if acc.AcceptInvitation.Role != "STAFF" || acc.AcceptInvitation.Tenant.Slug != "multi-b" {
		t.Fatalf("accept %+v", acc)
	}
	// The token is single-use.
	env.MustFail("", `mutation($in: AcceptInvitationInput!) { acceptInvitation(input: $in) { role } }`,
		map[string]any{"in": map[string]any{"token": inv.InviteStaff.Token, "password": a.Password}}, "NOT_FOUND")

	e := env.MustFail("", logInMutation, map[string]any{"in": map[string]any{"email": a.Email, "password": a.Password}}, "BAD_USER_INPUT")
	if e.Field() != "tenantSlug" {
		t.Fatalf("field %q", e.Field())
	}
	var li struct{ LogIn authPayload }
	env.Must("", logInMutation, map[string]any{"in": map[string]any{"email": a.Email, "password": a.Password, "tenantSlug": "multi-b"}}, &li)
	if li.LogIn.Role != "STAFF" || li.LogIn.Tenant.Slug != "multi-b" {
		t.Fatalf("log-in %+v", li.LogIn)
	}
	env.MustFail("", logInMutation, map[string]any{"in": map[string]any{"email": a.Email, "password": a.Password, "tenantSlug": "nope"}}, "UNAUTHENTICATED")
}

func TestMembershipRules(t *testing.T) {
	t.Parallel()
	env := servertest.New(t)
	o := env.SignUp("members")
	invite := func(token, email, role string) (string, servertest.Response) {
		var out struct{ InviteStaff struct{ Token string } }
		r := env.Do(token, `mutation($in: InviteStaffInput!) { inviteStaff(input: $in) { token } }`,
			map[string]any{"in": map[string]any{"email": email, "role": role}})
		if len(r.Errors) == 0 {
			if err := jsonInto(r.Data, &out); err != nil {
				t.Fatal(err)
			}
		}
		return out.InviteStaff.Token, r
	}
	join := func(token, name string) authPayload {
		var out struct{ AcceptInvitation authPayload }
		env.Must("", `mutation($in: AcceptInvitationInput!) { acceptInvitation(input: $in) { accessToken role user { id } } }`,
			map[string]any{"in": map[string]any{"token": token, "name": name, "password": "another good password"}}, &out)
		return out.AcceptInvitation
	}
	adminTok, _ := invite(o.AccessToken, "admin@members.example.com", "ADMIN")
	admin := join(adminTok, "Adam Admin")
	staffTok, _ := invite(admin.AccessToken, "staff@members.example.com", "STAFF")
	staff := join(staffTok, "Stefan Staff")

	// An open invitation for the same e-mail is a conflict; an existing member too.
	_, r := invite(o.AccessToken, "pending@members.example.com", "STAFF")
	if len(r.Errors) > 0 {
		t.Fatal(r.Errors)
	}
	if _, r = invite(o.AccessToken, "pending@members.example.com", "STAFF"); len(r.Errors) == 0 || r.Errors[0].Code() != "CONFLICT" {
		t.Fatalf("second open invitation: %+v", r.Errors)
	}
	if _, r = invite(o.AccessToken, "staff@members.example.com", "ADMIN"); len(r.Errors) == 0 || r.Errors[0].Code() != "CONFLICT" {
		t.Fatalf("inviting a member: %+v", r.Errors)
	}
	// An ADMIN cannot grant OWNER; STAFF cannot invite at all.
	if _, r = invite(admin.AccessToken, "boss@members.example.com", "OWNER"); len(r.Errors) == 0 || r.Errors[0].Code() != "FORBIDDEN" {
		t.Fatalf("admin granting OWNER: %+v", r.Errors)
	}
	if _, r = invite(staff.AccessToken, "x@members.example.com", "STAFF"); len(r.Errors) == 0 || r.Errors[0].Code() != "FORBIDDEN" {
		t.Fatalf("staff inviting: %+v", r.Errors)
	}
	var members struct{ Members []struct{ Role string } }
	env.Must(staff.AccessToken, `{ members { role user { email } } }`, nil, &members)
	if len(members.Members) != 3 {
		t.Fatalf("%d members", len(members.Members))
	}
	// The last OWNER cannot be demoted or removed.
	env.MustFail(o.AccessToken, `mutation($u: UUID!) { updateMemberRole(input: {userId: $u, role: ADMIN}) { role } }`, map[string]any{"u": o.UserID}, "CONFLICT")
	env.MustFail(o.AccessToken, `mutation($u: UUID!) { removeMember(userId: $u) }`, map[string]any{"u": o.UserID}, "CONFLICT")
	// An ADMIN cannot touch the OWNER.
	env.MustFail(admin.AccessToken, `mutation($u: UUID!) { removeMember(userId: $u) }`, map[string]any{"u": o.UserID}, "FORBIDDEN")
	// The OWNER promotes the admin to OWNER; then the first owner may step down.
	env.Must(o.AccessToken, `mutation($u: UUID!) { updateMemberRole(input: {userId: $u, role: OWNER}) { role } }`, map[string]any{"u": admin.User.ID}, nil)
	env.Must(o.AccessToken, `mutation($u: UUID!) { updateMemberRole(input: {userId: $u, role: ADMIN}) { role } }`, map[string]any{"u": o.UserID}, nil)
	// Removing a member ends its sessions.
	env.Must(admin.AccessToken, `mutation($u: UUID!) { removeMember(userId: $u) }`, map[string]any{"u": staff.User.ID}, nil)
	if n := env.Count(`SELECT count(*) FROM refresh_tokens WHERE user_id = $1`, staff.User.ID); n != 0 {
		t.Fatalf("%d refresh tokens left for a removed member", n)
	}
}
