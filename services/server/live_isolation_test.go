package server_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/slotpay/slotpay/services/database"
	"github.com/slotpay/slotpay/services/events"
)

// inviteStaff adds a member with the STAFF role to b's business and returns their access token.
func (b *bookingEnv) inviteStaff(t *testing.T, email string) string {
	t.Helper()
	var inv struct{ InviteStaff struct{ Token string } }
	b.Must(b.owner.AccessToken, `mutation($e: String!) { inviteStaff(input: {email: $e, role: STAFF}) { token } }`, map[string]any{"e": email}, &inv)
	var acc struct{ AcceptInvitation struct{ AccessToken string } }
	b.Must("", `mutation($t: String!) { acceptInvitation(input: {token: $t, name: "Ewa", password: "correct horse battery"}) { accessToken } }`,
		map[string]any{"t": inv.InviteStaff.Token}, &acc)
	return acc.AcceptInvitation.AccessToken
}

// TestSubscribersSeeOnlyWhatTheyMayRead: another business's staff, a customer token and a STAFF
// member's filtered dashboard each receive exactly their own events. Events travel in commit order
// through one listener, so "the first event received is the expected one" proves that the events
// committed before it were not delivered.
func TestSubscribersSeeOnlyWhatTheyMayRead(t *testing.T) {
	t.Parallel()
	a := newLiveEnv(t, "live-iso-a")
	other := openBusiness(t, a.Env, a.clock, "live-iso-b")
	bob := a.createStaff(t, "Bob", a.service)
	a.workEveryDay(t, bob)
	ewa := a.inviteStaff(t, "ewa@live-iso-a.example.com")
	mine := a.book(t, 9, "")
	theirs := a.book(t, 10, "")

	// Refused subscriptions, each answered with the query's error on its operation.
	refusals := []struct {
		name, token, query string
		vars               map[string]any
		code               string
	}{
		{"another business's reservation", other.owner.AccessToken, reservationUpdatedOp, map[string]any{"id": mine.Reservation.ID}, "NOT_FOUND"},
		{"another business's payments", other.owner.AccessToken, paymentUpdatedOp, map[string]any{"id": mine.Reservation.ID}, "NOT_FOUND"},
		{"another business's staff member", other.owner.AccessToken, reservationsChangedOp, map[string]any{"f": map[string]any{"staffMemberId": a.staff}}, "NOT_FOUND"},
		{"a customer token, another reservation", mine.CustomerAccessToken, reservationUpdatedOp, map[string]any{"id": theirs.Reservation.ID}, "NOT_FOUND"},
		{"a customer token, another reservation's payments", mine.CustomerAccessToken, paymentUpdatedOp, map[string]any{"id": theirs.Reservation.ID}, "NOT_FOUND"},
		{"a customer token, the dashboard", mine.CustomerAccessToken, reservationsChangedOp, nil, "FORBIDDEN"},
		{"no token, a reservation", "", reservationUpdatedOp, map[string]any{"id": mine.Reservation.ID}, "UNAUTHENTICATED"},
		{"no token, the dashboard", "", reservationsChangedOp, nil, "UNAUTHENTICATED"},
		{"an unknown business's availability", "", availabilityChangedOp, map[string]any{"slug": "nobody", "s": a.service, "from": "2026-03-04", "to": "2026-03-04"}, "NOT_FOUND"},
		{"a service of another business", "", availabilityChangedOp, map[string]any{"slug": other.owner.Slug, "s": a.service, "from": "2026-03-04", "to": "2026-03-04"}, "NOT_FOUND"},
		{"too many days", "", availabilityChangedOp, map[string]any{"slug": a.owner.Slug, "s": a.service, "from": "2026-03-01", "to": "2026-06-01"}, "BAD_USER_INPUT"},
	}
	for i, r := range refusals {
		t.Run(r.name, func(t *testing.T) {
			c := connect(t, a.URL, protocols[i%2], r.token)
			c.subscribe("x", r.query, r.vars)
			if code := c.operationError("x", 5*time.Second); code != r.code {
				t.Fatalf("code %s, want %s", code, r.code)
			}
		})
	}
	waitSubscribed(t, a.Env, 0)
	settle(t, a.Env, a.owner.TenantID)

	otherDashboard := connect(t, a.URL, transportWS, other.owner.AccessToken)
	otherDashboard.subscribe("all", reservationsChangedOp, nil)
	customer := connect(t, a.URL, legacyWS, mine.CustomerAccessToken)
	customer.subscribe("mine", reservationUpdatedOp, map[string]any{"id": mine.Reservation.ID})
	annasDay := connect(t, a.URL, transportWS, ewa)
	annasDay.subscribe("anna", reservationsChangedOp, map[string]any{"f": map[string]any{"staffMemberId": a.staff}})
	widget := connect(t, a.URL, legacyWS, "")
	day := map[string]any{"from": "2026-03-04", "to": "2026-03-04"}
	widget.subscribe("a", availabilityChangedOp, map[string]any{"slug": a.owner.Slug, "s": a.service, "from": day["from"], "to": day["to"]})
	widget.subscribe("b", availabilityChangedOp, map[string]any{"slug": other.owner.Slug, "s": other.service, "from": day["from"], "to": day["to"]})
	waitSubscribed(t, a.Env, 2*membershipWatch+5) // two staff connections

	withBob := a.book(t, 11, bob)      // business A, Bob
	a.cancel(t, theirs.Reservation.ID) // business A, Anna, not the customer's
	a.cancel(t, mine.Reservation.ID)   // the customer's
	otherMade := other.book(t, 12, "") // business B

	var ev reservationsChanged
	annasDay.next("anna", delivery, &ev)
	if e := ev.ReservationsChanged; e.Kind != "UPDATED" || e.Reservation.ID != theirs.Reservation.ID {
		t.Fatalf("Anna's day first received %+v, want the cancellation of her reservation (not Bob's booking)", e)
	}
	annasDay.next("anna", delivery, &ev)
	if e := ev.ReservationsChanged; e.Reservation.ID != mine.Reservation.ID || e.Reservation.Status != "CANCELLED" {
		t.Fatalf("Anna's day: %+v", e)
	}
	var own reservationUpdated
	customer.next("mine", delivery, &own)
	if e := own.ReservationUpdated; e.Kind != "UPDATED" || e.Reservation.ID != mine.Reservation.ID || e.Reservation.Status != "CANCELLED" {
		t.Fatalf("customer first received %+v, want their own cancellation", e)
	}
	otherDashboard.next("all", delivery, &ev)
	if e := ev.ReservationsChanged; e.Kind != "CREATED" || e.Reservation.ID != otherMade.Reservation.ID {
		t.Fatalf("business B first received %+v, want its own booking", e)
	}
	// Bob's booking and both cancellations move business A's slots; B's widget hears only of B's.
	want := []struct {
		id, kind string
		start    time.Time
	}{
		{"a", "CREATED", withBob.Reservation.StartsAt},
		{"a", "UPDATED", theirs.Reservation.StartsAt},
		{"a", "UPDATED", mine.Reservation.StartsAt},
		{"b", "CREATED", otherMade.Reservation.StartsAt},
	}
	// Operations of one connection run side by side: the order holds within each.
	received := map[string][]availabilityChanged{}
	for range want {
		m := widget.nextMessage(delivery)
		var r wsResult
		var av availabilityChanged
		if err := jsonInto(m.Payload, &r); err != nil || len(r.Errors) > 0 || jsonInto(r.Data, &av) != nil {
			t.Fatalf("widget: %s %s", m.ID, m.Payload)
		}
		received[m.ID] = append(received[m.ID], av)
	}
	for _, w := range want {
		if len(received[w.id]) == 0 {
			t.Fatalf("widget %s: nothing more, want %s at %s", w.id, w.kind, w.start)
		}
		e := received[w.id][0].AvailabilityChanged
		received[w.id] = received[w.id][1:]
		if e.Kind != w.kind || e.StartsAt == nil || !e.StartsAt.Equal(w.start) {
			t.Fatalf("widget %s: %+v, want %s at %s", w.id, e, w.kind, w.start)
		}
	}
}

// TestRolledBackChangePublishesNothing: an event published in a transaction that rolls back never
// reaches a subscriber; the committed change after it does, first.
func TestRolledBackChangePublishesNothing(t *testing.T) {
	t.Parallel()
	b := newLiveEnv(t, "live-rollback")
	made := b.book(t, 9, "")
	settle(t, b.Env, b.owner.TenantID)
	c := connect(t, b.URL, transportWS, b.owner.AccessToken)
	c.subscribe("r", reservationUpdatedOp, map[string]any{"id": made.Reservation.ID})
	waitSubscribed(t, b.Env, membershipWatch+1)

	rollback := errors.New("roll back")
	err := b.Server.Data.InTenant(context.Background(), uuid.MustParse(b.owner.TenantID), func(tx *database.Tx) error {
		if err := events.Publish(tx, events.Event{Kind: events.PaymentUpdated, TenantID: uuid.MustParse(b.owner.TenantID),
			ReservationID: uuid.MustParse(made.Reservation.ID)}); err != nil {
			return err
		}
		return rollback
	})
	if !errors.Is(err, rollback) {
		t.Fatal(err)
	}
	b.cancel(t, made.Reservation.ID)
	var ev reservationUpdated
	c.next("r", delivery, &ev)
	if e := ev.ReservationUpdated; e.Kind != "UPDATED" || e.Reservation.Status != "CANCELLED" {
		t.Fatalf("first event %+v, want the committed cancellation", e)
	}
}

// TestListenerReconnectsAndSubscribersResync kills the listener's database connection: it
// reconnects, and every subscriber is told to resync (with the current object where there is one),
// and changes flow again.
func TestListenerReconnectsAndSubscribersResync(t *testing.T) {
	t.Parallel()
	b := newLiveEnv(t, "live-resync")
	made := b.book(t, 9, "")
	settle(t, b.Env, b.owner.TenantID)
	staff := connect(t, b.URL, transportWS, b.owner.AccessToken)
	staff.subscribe("all", reservationsChangedOp, nil)
	staff.subscribe("slots", availabilityChangedOp, map[string]any{"slug": b.owner.Slug, "s": b.service, "from": "2026-03-04", "to": "2026-03-05"})
	customer := connect(t, b.URL, legacyWS, made.CustomerAccessToken)
	customer.subscribe("mine", reservationUpdatedOp, map[string]any{"id": made.Reservation.ID})
	customer.subscribe("pay", paymentUpdatedOp, map[string]any{"id": made.Reservation.ID})
	waitSubscribed(t, b.Env, membershipWatch+4)

	before := b.Server.Listener.State()
	owner, err := b.DB.Owner()
	if err != nil {
		t.Fatal(err)
	}
	var killed bool
	if err := owner.QueryRow(context.Background(), `SELECT pg_terminate_backend($1)`, int(before.PID)).Scan(&killed); err != nil || !killed {
		t.Fatalf("pg_terminate_backend(%d): %v %v", before.PID, killed, err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	after, err := b.Server.Listener.WaitConnected(ctx, before.Connections+1)
	if err != nil {
		t.Fatal(err)
	}
	if after.PID == before.PID {
		t.Fatalf("still on backend %d", after.PID)
	}

	got := map[string]string{}
	for range 2 {
		m := staff.nextMessage(5 * time.Second)
		got[m.ID] = string(m.Payload)
	}
	if got["all"] != `{"data":{"reservationsChanged":{"kind":"RESYNC","reservation":null}}}` {
		t.Errorf("dashboard resync: %s", got["all"])
	}
	if got["slots"] != `{"data":{"availabilityChanged":{"kind":"RESYNC","serviceId":"`+b.service+`","startsAt":null,"endsAt":null}}}` {
		t.Errorf("availability resync: %s", got["slots"])
	}
	for range 2 {
		m := customer.nextMessage(5 * time.Second)
		switch m.ID {
		case "mine":
			var ev reservationUpdated
			var r wsResult
			_ = jsonInto(m.Payload, &r)
			_ = jsonInto(r.Data, &ev)
			if e := ev.ReservationUpdated; e.Kind != "RESYNC" || e.Reservation == nil || e.Reservation.ID != made.Reservation.ID || e.Reservation.Status != "CONFIRMED" {
				t.Errorf("reservation resync: %s", m.Payload)
			}
		case "pay":
			if string(m.Payload) != `{"data":{"paymentUpdated":{"kind":"RESYNC","reservationId":"`+made.Reservation.ID+`","payment":null}}}` {
				t.Errorf("payment resync: %s", m.Payload)
			}
		}
	}

	b.cancel(t, made.Reservation.ID)
	var ev reservationUpdated
	customer.next("mine", delivery, &ev)
	if e := ev.ReservationUpdated; e.Kind != "UPDATED" || e.Reservation.Status != "CANCELLED" {
		t.Fatalf("after reconnecting: %+v", e)
	}
	if status, _, body := get(t, b.URL+"/readyz"); status != 200 {
		t.Fatalf("readyz after reconnecting: %d %s", status, body)
	}
}
