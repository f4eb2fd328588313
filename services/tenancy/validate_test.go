package tenancy

import (
	"strings"
	"testing"

	"github.com/slotpay/slotpay/models"
	"github.com/slotpay/slotpay/services/apperr/apperrtest"
)

func TestSignUpReportsEveryProblem(t *testing.T) {
	t.Parallel()
	good := func() SignUpInput {
		return SignUpInput{TenantName: "Salon", Slug: "salon", TimeZone: "Europe/Warsaw", OwnerName: "Ala",
			Email: "ala@example.com", Password: "correct horse battery"}
	}
	for _, c := range []struct {
		name string
		edit func(*SignUpInput)
		want string
	}{
		{"good", func(*SignUpInput) {}, ""},
		{"everything wrong", func(in *SignUpInput) {
			*in = SignUpInput{TenantName: " ", Slug: "admin", TimeZone: "Mars/Olympus", Currency: "XYZ", Locale: "not a locale!",
				OwnerName: strings.Repeat("a", 201), Email: "ala@", Password: "short"}
		}, "tenantName REQUIRED, slug NOT_ALLOWED, timeZone NOT_ALLOWED, currency NOT_ALLOWED, locale INVALID_FORMAT, " +
			"ownerName TOO_LONG, email INVALID_FORMAT, password TOO_SHORT"},
		{"a malformed slug and a Local zone", func(in *SignUpInput) { in.Slug, in.TimeZone = "Bad Slug!", "Local" }, "slug INVALID_FORMAT, timeZone INVALID_FORMAT"},
		{"no e-mail, a common password", func(in *SignUpInput) { in.Email, in.Password = "", "password123" }, "email REQUIRED, password NOT_ALLOWED"},
		{"the e-mail as password", func(in *SignUpInput) { in.Password = "ala@example.com" }, "password NOT_ALLOWED"},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			in := good()
			c.edit(&in)
			tenant, user := models.Tenant{Slug: in.Slug}, models.User{}
			if got := apperrtest.Problems(t, in.validate(&tenant, &user)); got != c.want {
				t.Fatalf("got %q, want %q", got, c.want)
			}
			if c.want == "" && (tenant.Currency != "PLN" || tenant.Locale != "pl-PL" || user.Email != "ala@example.com") {
				t.Fatalf("defaults: %+v %+v", tenant, user)
			}
		})
	}
}

func TestUpdateTenantReportsEveryProblem(t *testing.T) {
	t.Parallel()
	s := func(v string) *string { return &v }
	in := UpdateTenantInput{Name: s(""), TimeZone: s("Nowhere/City"), Currency: s("eur"), Locale: s("pl-PL"),
		Profile: ProfileInput{Country: s("1X"), Phone: s("12"), City: s(strings.Repeat("c", MaxCity+1))}}
	_, err := in.updates()
	want := "name REQUIRED, timeZone NOT_ALLOWED, city TOO_LONG, country INVALID_FORMAT, phone INVALID_FORMAT"
	if got := apperrtest.Problems(t, err); got != want {
		t.Fatalf("got %q, want %q", got, want)
	}
	good := UpdateTenantInput{Currency: s("eur"), Profile: ProfileInput{City: s(" Kraków ")}}
	updates, err := good.updates()
	if err != nil || updates["currency"] != "EUR" || updates["city"] != "Kraków" {
		t.Fatalf("updates %v, %v", updates, err)
	}
}
