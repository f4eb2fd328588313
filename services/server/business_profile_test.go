package server_test

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/slotpay/slotpay/services/server/servertest"
)

const businessOp = `query($slug: String!) { business(slug: $slug) { slug name timeZone currency locale
	addressLine1 addressLine2 city postalCode country contactEmail phone logoUrl cancellationPolicy
	paymentMethods { kind displayName description channels } } }`

type businessProfile struct {
	Slug, Name, TimeZone, Currency, Locale                string
	AddressLine1, AddressLine2, City, PostalCode, Country *string
	ContactEmail, Phone, LogoURL, CancellationPolicy      *string
	PaymentMethods                                        []struct {
		Kind, DisplayName, Description string
		Channels                       []string
	}
}

func readBusiness(t *testing.T, env *servertest.Env, slug string) (businessProfile, json.RawMessage) {
	t.Helper()
	r := env.Do("", businessOp, map[string]any{"slug": slug})
	if len(r.Errors) > 0 {
		t.Fatalf("business(%q): %+v", slug, r.Errors)
	}
	var out struct{ Business businessProfile }
	if err := json.Unmarshal(r.Data, &out); err != nil {
		t.Fatal(err)
	}
	return out.Business, r.Data
}

const updateProfileOp = `mutation($in: UpdateTenantInput!) { updateTenant(input: $in) { name } }`

var fullProfile = map[string]any{
	"name": "Salon Ania", "timeZone": "Europe/Warsaw", "currency": "PLN", "locale": "pl-PL",
	"addressLine1": "ul. Marszałkowska 1", "addressLine2": "lok. 2", "city": "Warszawa", "postalCode": "00-001",
	"country": "pl", "contactEmail": " Hello@Salon.example.com ", "phone": "+48 600 100 200",
	"logoUrl": "https://cdn.example.com/logo.png", "cancellationPolicy": "Free cancellation up to 24 hours before.\nLater: 50%.",
}

func str(p *string) string {
	if p == nil {
		return "<nil>"
	}
	return *p
}

// The public profile answers what updateTenant set, without a token; an unknown slug is NOT_FOUND
// on field slug (as availability's tenantSlug is); another business's profile shows none of it.
func TestBusinessProfileBySlug(t *testing.T) {
	t.Parallel()
	env := servertest.New(t)
	owner := env.SignUp("profile-a")
	env.SignUp("profile-b")
	var updated struct {
		UpdateTenant struct {
			Profile struct{ LogoURL, Country string }
		}
	}
	env.Must(owner.AccessToken, `mutation($in: UpdateTenantInput!) { updateTenant(input: $in) { profile { logoUrl country } } }`,
		map[string]any{"in": fullProfile}, &updated)
	if updated.UpdateTenant.Profile.LogoURL != "https://cdn.example.com/logo.png" || updated.UpdateTenant.Profile.Country != "PL" {
		t.Fatalf("updateTenant answered %+v", updated)
	}

	got, _ := readBusiness(t, env, "profile-a")
	want := map[string]string{
		"slug": got.Slug, "name": got.Name, "timeZone": got.TimeZone, "currency": got.Currency, "locale": got.Locale,
		"addressLine1": str(got.AddressLine1), "addressLine2": str(got.AddressLine2), "city": str(got.City),
		"postalCode": str(got.PostalCode), "country": str(got.Country), "contactEmail": str(got.ContactEmail),
		"phone": str(got.Phone), "logoUrl": str(got.LogoURL), "cancellationPolicy": str(got.CancellationPolicy),
	}
	expect := map[string]string{
		"slug": "profile-a", "name": "Salon Ania", "timeZone": "Europe/Warsaw", "currency": "PLN", "locale": "pl-PL",
		"addressLine1": "ul. Marszałkowska 1", "addressLine2": "lok. 2", "city": "Warszawa", "postalCode": "00-001",
		"country": "PL", "contactEmail": "hello@salon.example.com", "phone": "+48 600 100 200",
		"logoUrl": "https://cdn.example.com/logo.png", "cancellationPolicy": "Free cancellation up to 24 hours before.\nLater: 50%.",
	}
	for k, v := range expect {
		if want[k] != v {
			t.Errorf("%s = %q, want %q", k, want[k], v)
		}
	}
	if len(got.PaymentMethods) != 0 {
		t.Errorf("payment methods of a business without any: %+v", got.PaymentMethods)
	}

	other, raw := readBusiness(t, env, "profile-b")
	if other.Slug != "profile-b" || other.AddressLine1 != nil || other.ContactEmail != nil || other.LogoURL != nil || other.CancellationPolicy != nil {
		t.Fatalf("another business's profile: %+v", other)
	}
	for _, leak := range []string{"Salon Ania", "Marszałkowska", "salon.example.com", "logo.png", "Free cancellation"} {
		if strings.Contains(string(raw), leak) {
			t.Fatalf("profile-b's answer contains profile-a's %q: %s", leak, raw)
		}
	}

	e := env.MustFail("", businessOp, map[string]any{"slug": "no-such-business"}, "NOT_FOUND")
	if e.Field() != "slug" {
		t.Fatalf("unknown slug: field %q", e.Field())
	}
	// availability answers an unknown tenantSlug the same way.
	env.MustFail("", `query { availability(tenantSlug: "no-such-business", serviceId: "00000000-0000-0000-0000-000000000001", from: "2026-03-02", to: "2026-03-03") { timeZone } }`, nil, "NOT_FOUND")

	// An empty string clears a field to null; fields not given stay.
	env.Must(owner.AccessToken, updateProfileOp, map[string]any{"in": map[string]any{"addressLine2": "", "phone": "  "}}, nil)
	cleared, _ := readBusiness(t, env, "profile-a")
	if cleared.AddressLine2 != nil || cleared.Phone != nil || str(cleared.AddressLine1) != "ul. Marszałkowska 1" || str(cleared.City) != "Warszawa" {
		t.Fatalf("after clearing: %+v", cleared)
	}
}

// Bad profile input is BAD_USER_INPUT on the field, and nothing is written (not even the good
// fields of the same request).
func TestUpdateTenantProfileBadInputWritesNothing(t *testing.T) {
	t.Parallel()
	env := servertest.New(t)
	owner := env.SignUp("profile-bad")
	env.Must(owner.AccessToken, updateProfileOp, map[string]any{"in": fullProfile}, nil)
	_, before := readBusiness(t, env, "profile-bad")
	cases := []struct {
		name  string
		in    map[string]any
		field string
	}{
		{"bad e-mail", map[string]any{"contactEmail": "hello@"}, "input.contactEmail"},
		{"http logo", map[string]any{"logoUrl": "http://cdn.example.com/logo.png"}, "input.logoUrl"},
		{"logo without a host", map[string]any{"logoUrl": "https:///logo.png"}, "input.logoUrl"},
		{"javascript logo", map[string]any{"logoUrl": "javascript:alert(1)"}, "input.logoUrl"},
		{"logo with credentials", map[string]any{"logoUrl": "https://user:pw@cdn.example.com/logo.png"}, "input.logoUrl"},
		{"too long logo", map[string]any{"logoUrl": "https://cdn.example.com/" + strings.Repeat("a", 2048)}, "input.logoUrl"},
		{"too long policy", map[string]any{"cancellationPolicy": strings.Repeat("ż", 4001)}, "input.cancellationPolicy"},
		{"bad phone", map[string]any{"phone": "call me"}, "input.phone"},
		{"bad country", map[string]any{"country": "Poland"}, "input.country"},
		{"too long city", map[string]any{"city": strings.Repeat("x", 101)}, "input.city"},
		{"address with a line break", map[string]any{"addressLine1": "a\nb"}, "input.addressLine1"},
		{"good name with a bad e-mail", map[string]any{"name": "Renamed", "city": "Kraków", "contactEmail": "nope"}, "input.contactEmail"},
	}
	for _, c := range cases {
		e := env.MustFail(owner.AccessToken, updateProfileOp, map[string]any{"in": c.in}, "BAD_USER_INPUT")
		if e.Field() != c.field {
			t.Errorf("%s: field %q, want %q (%s)", c.name, e.Field(), c.field, e.Message)
		}
	}
	_, after := readBusiness(t, env, "profile-bad")
	if string(after) != string(before) {
		t.Fatalf("bad input changed the profile:\nbefore %s\nafter  %s", before, after)
	}
	// A policy of exactly the cap is accepted.
	env.Must(owner.AccessToken, updateProfileOp, map[string]any{"in": map[string]any{"cancellationPolicy": strings.Repeat("ż", 4000)}}, nil)
}

// A reservation's customer token reads the business it is with; staff read it on a page too.
func TestCustomerTokenReadsReservationBusiness(t *testing.T) {
	t.Parallel()
	b := newBookingEnv(t, "profile-customer", nil)
	b.Must(b.owner.AccessToken, updateProfileOp, map[string]any{"in": map[string]any{"name": "Barber Bob", "cancellationPolicy": "24 h notice"}}, nil)
	var created struct{ CreateReservation createdReservation }
	b.Must("", createReservationOp, map[string]any{"in": b.reservationInput(time.Date(2026, 3, 4, 10, 0, 0, 0, warsaw), "")}, &created)
	var got struct {
		Reservation struct {
			Business struct{ Name, TimeZone, Slug, CancellationPolicy string }
		}
	}
	b.Must(created.CreateReservation.CustomerAccessToken, `query($id: UUID!) { reservation(id: $id) { business { name timeZone slug cancellationPolicy } } }`,
		map[string]any{"id": created.CreateReservation.Reservation.ID}, &got)
	if bz := got.Reservation.Business; bz.Name != "Barber Bob" || bz.TimeZone != "Europe/Warsaw" || bz.Slug != "profile-customer" || bz.CancellationPolicy != "24 h notice" {
		t.Fatalf("customer's reservation business: %+v", bz)
	}
	var page struct {
		Reservations struct {
			Edges []struct {
				Node struct{ Business struct{ Name string } }
			}
		}
	}
	b.Must(b.owner.AccessToken, `{ reservations { edges { node { business { name } } } } }`, nil, &page)
	if len(page.Reservations.Edges) != 1 || page.Reservations.Edges[0].Node.Business.Name != "Barber Bob" {
		t.Fatalf("staff page: %+v", page)
	}
}

// The profile lists enabled payment methods with imoje's offered channels, and nothing secret.
func TestBusinessProfilePaymentChannels(t *testing.T) {
	t.Parallel()
	p := newPayEnv(t, "profile-pay")
	p.Must(p.owner.AccessToken, `mutation { createPaymentMethod(input: {kind: ON_SITE, displayName: "At the desk", description: "Cash or card", sortOrder: 5}) { id } }`, nil, nil)
	p.Must(p.owner.AccessToken, `mutation { createPaymentMethod(input: {kind: BANK_TRANSFER, displayName: "Transfer", enabled: false,
		accountHolder: "Salon", accountNumber: "PL61109010140000071219812874", bankName: "Bank"}) { id } }`, nil, nil)
	got, raw := readBusiness(t, p.Env, "profile-pay")
	kinds := map[string][]string{}
	for _, m := range got.PaymentMethods {
		kinds[m.Kind] = m.Channels
	}
	if len(got.PaymentMethods) != 2 || kinds["ON_SITE"] == nil || len(kinds["ON_SITE"]) != 0 {
		t.Fatalf("payment methods: %+v", got.PaymentMethods)
	}
	channels := slices.Sorted(slices.Values(kinds["IMOJE"]))
	if !slices.Equal(channels, []string{"BLIK", "CARD", "PAY_LATER", "PBL"}) {
		t.Fatalf("imoje channels %v", channels)
	}
	shop := p.merchant.Shops[0]
	for _, secret := range []string{p.merchant.Token, shop.ServiceKey, p.merchant.ID, shop.ServiceID, "PL61109010140000071219812874", p.simURL} {
		if secret != "" && strings.Contains(string(raw), secret) {
			t.Fatalf("the public profile contains %q: %s", secret, raw)
		}
	}
}

// A page's reservations share their business: asking for it (with its payment methods) adds the
// same few statements to a page of 1 and a page of 8, never one per row.
func TestReservationBusinessOnAPageIsReadOnce(t *testing.T) {
	t.Parallel()
	b := newBookingEnv(t, "profile-page", nil)
	b.Must(b.owner.AccessToken, `mutation { createPaymentMethod(input: {kind: ON_SITE, displayName: "At the desk"}) { id } }`, nil, nil)
	for h := 0; h < 8; h++ {
		b.Must("", createReservationOp, map[string]any{"in": b.reservationInput(time.Date(2026, 3, 4, 9+h, 0, 0, 0, warsaw), "")}, nil)
	}
	wire := b.Wire
	count := func(first int, withBusiness bool) int64 {
		q := `query($first: Int) { reservations(first: $first) { edges { node { id } } } }`
		if withBusiness {
			q = `query($first: Int) { reservations(first: $first) { edges { node { id business { name paymentMethods { kind } } } } } }`
		}
		var out struct {
			Reservations struct {
				Edges []struct {
					Node struct {
						Business struct {
							Name           string
							PaymentMethods []struct{ Kind string }
						}
					}
				}
			}
		}
		wire.Reset()
		b.Must(b.owner.AccessToken, q, map[string]any{"first": first}, &out)
		statements, _ := wire.Counts()
		if len(out.Reservations.Edges) != first {
			t.Fatalf("page of %d, want %d", len(out.Reservations.Edges), first)
		}
		if withBusiness {
			for _, e := range out.Reservations.Edges {
				if e.Node.Business.Name == "" || len(e.Node.Business.PaymentMethods) != 1 {
					t.Fatalf("business %+v", e.Node.Business)
				}
			}
		}
		return statements
	}
	plainOne, plainEight := count(1, false), count(8, false)
	one, eight := count(1, true), count(8, true)
	t.Logf("statements: without business %d/%d, with business %d/%d (page of 1/8)", plainOne, plainEight, one, eight)
	if plainEight != plainOne || eight != one || eight-plainEight > 10 {
		t.Fatalf("statements without business %d/%d, with %d/%d: want a constant, the business read once", plainOne, plainEight, one, eight)
	}
}
