package tenancy

import (
	"errors"
	"strings"
	"testing"

	"github.com/slotpay/slotpay/services/apperr"
)

func TestProfileUpdates(t *testing.T) {
	t.Parallel()
	s := func(v string) *string { return &v }
	cases := []struct {
		name  string
		in    ProfileInput
		want  map[string]any // nil value: cleared
		field string         // set: the error's field
	}{
		{"nothing given", ProfileInput{}, map[string]any{}, ""},
		{"trimmed address", ProfileInput{AddressLine1: s("  ul. Długa 5 "), City: s("Gdańsk")}, map[string]any{"address_line1": "ul. Długa 5", "city": "Gdańsk"}, ""},
		{"blank clears", ProfileInput{Phone: s(" "), LogoURL: s("")}, map[string]any{"phone": nil, "logo_url": nil}, ""},
		{"country upper-cased", ProfileInput{Country: s("de")}, map[string]any{"country": "DE"}, ""},
		{"country name", ProfileInput{Country: s("Germany")}, nil, "country"},
		{"country digits", ProfileInput{Country: s("12")}, nil, "country"},
		{"e-mail normalised", ProfileInput{ContactEmail: s("A@B.example.com")}, map[string]any{"contact_email": "a@b.example.com"}, ""},
		{"e-mail without domain", ProfileInput{ContactEmail: s("a@")}, nil, "contactEmail"},
		{"e-mail with a name", ProfileInput{ContactEmail: s("Ann <a@b.example.com>")}, nil, "contactEmail"},
		{"phone", ProfileInput{Phone: s("+48 (22) 123-45-67")}, map[string]any{"phone": "+48 (22) 123-45-67"}, ""},
		{"phone letters", ProfileInput{Phone: s("+48 CALL")}, nil, "phone"},
		{"phone too few digits", ProfileInput{Phone: s("1234")}, nil, "phone"},
		{"phone too many digits", ProfileInput{Phone: s("1234567890123456")}, nil, "phone"},
		{"https logo", ProfileInput{LogoURL: s("https://cdn.example.com/a.png?v=2")}, map[string]any{"logo_url": "https://cdn.example.com/a.png?v=2"}, ""},
		{"http logo", ProfileInput{LogoURL: s("http://cdn.example.com/a.png")}, nil, "logoUrl"},
		{"relative logo", ProfileInput{LogoURL: s("/a.png")}, nil, "logoUrl"},
		{"data logo", ProfileInput{LogoURL: s("data:image/png;base64,AAAA")}, nil, "logoUrl"},
		{"logo with userinfo", ProfileInput{LogoURL: s("https://u:p@cdn.example.com/a.png")}, nil, "logoUrl"},
		{"logo with a space", ProfileInput{LogoURL: s("https://cdn.example.com/a b.png")}, nil, "logoUrl"},
		{"logo too long", ProfileInput{LogoURL: s("https://cdn.example.com/" + strings.Repeat("a", MaxLogoURL))}, nil, "logoUrl"},
		{"policy at the cap", ProfileInput{CancellationPolicy: s(strings.Repeat("ą", MaxCancellationPolicy))}, map[string]any{"cancellation_policy": strings.Repeat("ą", MaxCancellationPolicy)}, ""},
		{"policy over the cap", ProfileInput{CancellationPolicy: s(strings.Repeat("ą", MaxCancellationPolicy+1))}, nil, "cancellationPolicy"},
		{"policy with lines", ProfileInput{CancellationPolicy: s("a\nb")}, map[string]any{"cancellation_policy": "a\nb"}, ""},
		{"policy with a control character", ProfileInput{CancellationPolicy: s("a\x00b")}, nil, "cancellationPolicy"},
		{"address with a line break", ProfileInput{AddressLine2: s("a\nb")}, nil, "addressLine2"},
		{"postal code too long", ProfileInput{PostalCode: s(strings.Repeat("1", MaxPostalCode+1))}, nil, "postalCode"},
		{"first bad field wins, nothing returned", ProfileInput{City: s("Łódź"), ContactEmail: s("x")}, nil, "contactEmail"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			got, err := profileUpdates(c.in)
			if c.field != "" {
				var e *apperr.Error
				if !errors.As(err, &e) || e.Code != apperr.BadUserInput || e.Field != c.field || got != nil {
					t.Fatalf("got %v, %v; want BAD_USER_INPUT on %s", got, err, c.field)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != len(c.want) {
				t.Fatalf("got %v, want %v", got, c.want)
			}
			for k, v := range c.want {
				if gv, ok := got[k]; !ok || gv != v {
					t.Fatalf("%s = %v, want %v", k, gv, v)
				}
			}
		})
	}
}
