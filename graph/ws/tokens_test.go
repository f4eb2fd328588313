package ws

import (
	"encoding/json"
	"testing"

	"github.com/google/uuid"

	"github.com/slotpay/slotpay/services/auth"
)

func TestBearerToken(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		name, payload, want string
		ok                  bool
	}{
		{"no payload", ``, "", true},
		{"null", `null`, "", true},
		{"Authorization with Bearer", `{"Authorization": "Bearer abc"}`, "abc", true},
		{"lower-case authorization", `{"authorization": " Bearer abc "}`, "abc", true},
		{"token", `{"token": "abc"}`, "abc", true},
		{"Authorization wins over token", `{"Authorization": "a", "token": "b"}`, "a", true},
		{"another object", `{"sent": 123}`, "", true},
		{"not an object", `"hello"`, "", false},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			got, ok := bearerToken(json.RawMessage(c.payload))
			if got != c.want || ok != c.ok {
				t.Fatalf("bearerToken(%s) = %q %v, want %q %v", c.payload, got, ok, c.want, c.ok)
			}
		})
	}
}

func TestSameCaller(t *testing.T) {
	t.Parallel()
	staff := &auth.Principal{Kind: auth.KindStaff, TenantID: uuid.New(), UserID: uuid.New(), Role: auth.Role("OWNER"), ExpiresAt: 100}
	renewed := *staff
	renewed.ExpiresAt, renewed.TokenID, renewed.Role = 200, "next", auth.Role("ADMIN")
	otherUser, otherTenant := *staff, *staff
	otherUser.UserID, otherTenant.TenantID = uuid.New(), uuid.New()
	customer := &auth.Principal{Kind: auth.KindCustomer, TenantID: staff.TenantID, ReservationID: uuid.New()}
	otherReservation := *customer
	otherReservation.ReservationID = uuid.New()
	for _, c := range []struct {
		name             string
		current, renewed *auth.Principal
		want             bool
	}{
		{"the same member, a later token (its role claim may differ: the membership is read)", staff, &renewed, true},
		{"another member", staff, &otherUser, false},
		{"another business", staff, &otherTenant, false},
		{"a customer token for a staff connection", staff, customer, false},
		{"the same reservation's customer", customer, customer, true},
		{"another reservation's customer", customer, &otherReservation, false},
		{"a public connection", nil, staff, false},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			if got := sameCaller(c.current, c.renewed); got != c.want {
				t.Fatalf("sameCaller = %v, want %v", got, c.want)
			}
		})
	}
}
