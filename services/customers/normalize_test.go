package customers

import (
	"context"
	"testing"

	"github.com/google/uuid"

	"github.com/slotpay/slotpay/services/database/dbtest"
)

func TestNormalizeEmail(t *testing.T) {
	t.Parallel()
	for _, c := range []struct{ name, in, want string }{
		{"lower-cases the whole address", "Jan.Kowalski@Example.COM", "jan.kowalski@example.com"},
		{"trims", "  jan@example.com \t", "jan@example.com"},
		{"keeps dots in the local part (Gmail's rule is not universal)", "jan.kowalski@gmail.com", "jan.kowalski@gmail.com"},
		{"keeps plus tags", "jan+salon@example.com", "jan+salon@example.com"},
	} {
		t.Run(c.name, func(t *testing.T) {
			if got := NormalizeEmail(c.in); got != c.want {
				t.Fatalf("NormalizeEmail(%q) = %q, want %q", c.in, got, c.want)
			}
		})
	}
}

// phoneCases are shared by the Go rule and its SQL twin.
var phoneCases = []struct{ name, in, want string }{
	{"none", "", ""},
	{"blank", "   ", ""},
	{"E.164 as it is", "+48600100200", "+48600100200"},
	{"spaces", "+48 600 100 200", "+48600100200"},
	{"dashes and parentheses", "+48 (600) 100-200", "+48600100200"},
	{"dots", "600.100.200", "+48600100200"},
	{"0048 prefix", "0048 600 100 200", "+48600100200"},
	{"no prefix is Polish", "600 100 200", "+48600100200"},
	{"48 without plus", "48 600 100 200", "+48600100200"},
	{"another country with +", "+49 30 1234567", "+49301234567"},
	{"another country with 00", "0049 30 1234567", "+49301234567"},
	{"a short number keeps its digits", "112 233", "112233"},
	{"a leading 0 is not Polish mobile", "022 123 45 67", "0221234567"},
	{"+ with too few digits keeps its digits", "+123456", "123456"},
}

func TestNormalizePhone(t *testing.T) {
	t.Parallel()
	for _, c := range phoneCases {
		t.Run(c.name, func(t *testing.T) {
			if got := NormalizePhone(c.in); got != c.want {
				t.Fatalf("NormalizePhone(%q) = %q, want %q", c.in, got, c.want)
			}
		})
	}
}

// TestNormalizePhoneMatchesTheMigration: the backfill of migration 00011 normalised the phones of
// the reservations made before customers existed with customers_normalize_phone; new bookings use
// NormalizePhone. Both must agree, or a customer would not be found by the number they typed then.
func TestNormalizePhoneMatchesTheMigration(t *testing.T) {
	t.Parallel()
	db := dbtest.New(t)
	owner, err := db.Owner()
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range phoneCases {
		var got *string
		if err := owner.QueryRow(context.Background(), `SELECT customers_normalize_phone(nullif($1, ''))`, c.in).Scan(&got); err != nil {
			t.Fatal(err)
		}
		sql := ""
		if got != nil {
			sql = *got
		}
		if sql != NormalizePhone(c.in) {
			t.Errorf("%s: SQL %q, Go %q for %q", c.name, sql, NormalizePhone(c.in), c.in)
		}
	}
}

func TestChoose(t *testing.T) {
	t.Parallel()
	a, b, c := uuid.New(), uuid.New(), uuid.New()
	phone := func(s string) *string { return &s }
	cands := []Candidate{
		{ID: a, EmailNormalized: "anna@example.com", PhoneNormalized: phone("+48600100200")},
		{ID: b, EmailNormalized: "jan@example.com", PhoneNormalized: phone("+48600100300")},
		{ID: c, EmailNormalized: "other@example.com", PhoneNormalized: phone("+48600100300")},
	}
	for _, tc := range []struct {
		name         string
		email, phone string
		want         uuid.UUID
		found        bool
	}{
		{"the e-mail wins over another's phone", "jan@example.com", "+48600100200", b, true},
		{"the phone when the e-mail is new", "new@example.com", "+48600100200", a, true},
		{"the oldest of two with that phone", "new@example.com", "+48600100300", b, true},
		{"nothing matches: a new customer", "new@example.com", "+48600100999", uuid.Nil, false},
		{"no phone: the e-mail only", "new@example.com", "", uuid.Nil, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, found := Choose(cands, tc.email, tc.phone)
			if got != tc.want || found != tc.found {
				t.Fatalf("Choose = %v %v, want %v %v", got, found, tc.want, tc.found)
			}
		})
	}
}
