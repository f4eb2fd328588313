package server_test

import (
	"context"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/slotpay/slotpay/services/config"
	"github.com/slotpay/slotpay/services/database"
	"github.com/slotpay/slotpay/services/events"
	"github.com/slotpay/slotpay/services/server"
	"github.com/slotpay/slotpay/services/server/servertest"
)

// Live updates end to end: real servers on a real database, WebSocket clients speaking each
// protocol, changes made over GraphQL and imoje notifications.

// delivery is how soon a change must reach a subscriber.
const delivery = time.Second

// liveEnv is a bookingEnv (a business with a service and Anna working 09:00-17:00 daily) on a server
// started with extra options.
func newLiveEnv(t *testing.T, slug string, opts ...servertest.Option) *bookingEnv {
	t.Helper()
	clock := &bookingClock{t: bookingTime}
	opts = append([]servertest.Option{servertest.WithClock(clock.Now), func(_ *config.Config, o *server.Options) {
		o.HoldExpiryInterval = time.Hour
	}}, opts...)
	env := servertest.New(t, opts...)
	return openBusiness(t, env, clock, slug)
}

// openBusiness signs up another business on env's server, set up as newBookingEnv does.
func openBusiness(t *testing.T, env *servertest.Env, clock *bookingClock, slug string) *bookingEnv {
	t.Helper()
	b := &bookingEnv{Env: env, clock: clock, owner: env.SignUp(slug)}
	env.Must(b.owner.AccessToken, `mutation { updateBookingSettings(input: {minNoticeMinutes: 0, slotStepMinutes: 15, bookingHorizonDays: 365}) { slotStepMinutes } }`, nil, nil)
	b.service = b.createService(t, nil)
	b.staff = b.createStaff(t, "Anna", b.service)
	b.workEveryDay(t, b.staff)
	return b
}

func (b *bookingEnv) workEveryDay(t *testing.T, staff string) {
	t.Helper()
	week := []map[string]any{}
	for _, d := range []string{"MONDAY", "TUESDAY", "WEDNESDAY", "THURSDAY", "FRIDAY", "SATURDAY", "SUNDAY"} {
		week = append(week, map[string]any{"weekday": d, "start": "09:00", "end": "17:00"})
	}
	b.Must(b.owner.AccessToken, `mutation($id: UUID!, $w: [WeeklyIntervalInput!]!) { setWeeklySchedule(staffMemberId: $id, intervals: $w) { weekday } }`,
		map[string]any{"id": staff, "w": week}, nil)
}

// book makes a public reservation at hour (Warsaw) on 4 March 2026, with Anna unless staff is given.
func (b *bookingEnv) book(t *testing.T, hour int, staff string) createdReservation {
	t.Helper()
	in := b.reservationInput(time.Date(2026, 3, 4, hour, 0, 0, 0, warsaw), "")
	if staff != "" {
		in["staffMemberId"] = staff
	}
	var out struct{ CreateReservation createdReservation }
	b.Must("", createReservationOp, map[string]any{"in": in}, &out)
	return out.CreateReservation
}

func (b *bookingEnv) cancel(t *testing.T, id string) {
	t.Helper()
	b.Must(b.owner.AccessToken, `mutation($id: UUID!) { cancelReservation(id: $id, reason: "closed") { status } }`, map[string]any{"id": id}, nil)
}

const (
	reservationUpdatedOp  = `subscription($id: UUID!) { reservationUpdated(id: $id) { kind reservation { id status paymentStatus cancelReason staffMember { name } } } }`
	reservationsChangedOp = `subscription($f: ReservationsChangedFilter) { reservationsChanged(filter: $f) { kind reservation { id status } } }`
	paymentUpdatedOp      = `subscription($id: UUID!) { paymentUpdated(reservationId: $id) { kind reservationId payment { id status paidAt amount { amount currency } } } }`
	availabilityChangedOp = `subscription($slug: String!, $s: UUID!, $from: Date!, $to: Date!) { availabilityChanged(tenantSlug: $slug, serviceId: $s, from: $from, to: $to) { kind serviceId startsAt endsAt } }`
)

type reservationEvent struct {
	Kind        string
	Reservation *struct {
		ID, Status, PaymentStatus string
		CancelReason              *string
		StaffMember               struct{ Name string }
	}
}

type reservationUpdated struct{ ReservationUpdated reservationEvent }
type reservationsChanged struct{ ReservationsChanged reservationEvent }

type paymentUpdated struct {
	PaymentUpdated struct {
		Kind          string
		ReservationID string
		Payment       *struct {
			ID, Status string
			PaidAt     *time.Time
			Amount     struct{ Amount int }
		}
	}
}

type availabilityChanged struct {
	AvailabilityChanged struct {
		Kind             string
		ServiceID        string
		StartsAt, EndsAt *time.Time
	}
}

// settle waits until every change committed so far has reached env's instance, so that the
// subscriptions made next receive only what follows: a set-up change's notification could otherwise
// arrive after them. A listener receives notifications in commit order, so a marker committed now
// arrives after all of them.
func settle(t *testing.T, env *servertest.Env, tenantID string) {
	t.Helper()
	const marker events.Kind = "TEST_MARKER" // a kind no subscription asks for
	tenant := uuid.MustParse(tenantID)
	sub, arrived := subscribeEvents(t, env.Server.Events, events.Filter{TenantID: tenant, Kinds: []events.Kind{marker}})
	defer sub.Close()
	err := env.Server.Data.InTenant(context.Background(), tenant, func(tx *database.Tx) error {
		return events.Publish(tx, events.Event{Kind: marker, TenantID: tenant})
	})
	if err != nil {
		t.Fatal(err)
	}
	select {
	case <-arrived:
	case <-time.After(5 * time.Second):
		t.Fatal("the marker event did not arrive")
	}
}

// subscribeEvents subscribes to broker as the subscriptions do (SubscribeFunc), into a channel of
// the broker's buffer size that nobody need read: once it is full the broker ends the subscription
// with ErrSlowConsumer (Err). The caller closes the subscription.
func subscribeEvents(t *testing.T, broker *events.Broker, f events.Filter) (*events.Subscription, <-chan *events.Event) {
	t.Helper()
	ch := make(chan *events.Event, broker.BufferSize())
	deliver := func(e *events.Event) bool {
		select {
		case ch <- e:
			return true
		default:
			return false
		}
	}
	sub, err := broker.SubscribeFunc(f, deliver, func(error) {})
	if err != nil {
		t.Fatal(err)
	}
	return sub, ch
}

// sameKeys configures another instance of env's deployment: tokens signed by one verify on all.
func sameKeys(env *servertest.Env) servertest.Option {
	return func(c *config.Config, _ *server.Options) {
		c.JWTKeys, c.CredentialKeys = env.Config.JWTKeys, env.Config.CredentialKeys
	}
}

func within(t *testing.T, start time.Time, what string) {
	t.Helper()
	if d := time.Since(start); d > delivery {
		t.Fatalf("%s took %s", what, d)
	}
}

// TestChangeOnOneInstanceReachesSubscribersOfAnother runs two instances on one database: staff and a
// customer subscribe on A, in each protocol, and mutations are made on B.
func TestChangeOnOneInstanceReachesSubscribersOfAnother(t *testing.T) {
	t.Parallel()
	b := newLiveEnv(t, "live-two")
	a := servertest.NewOn(t, b.DB, servertest.WithClock(b.clock.Now), sameKeys(b.Env))
	for i, proto := range protocols {
		t.Run(proto, func(t *testing.T) {
			waitSubscribed(t, a, 0)
			staff := connect(t, a.URL, proto, b.owner.AccessToken)
			staff.subscribe("all", reservationsChangedOp, nil)
			waitSubscribed(t, a, membershipWatch+1)

			start := time.Now()
			made := b.book(t, 9+2*i, "")
			var created reservationsChanged
			staff.next("all", delivery, &created)
			within(t, start, "createReservation on B → subscriber on A")
			if ev := created.ReservationsChanged; ev.Kind != "CREATED" || ev.Reservation.ID != made.Reservation.ID || ev.Reservation.Status != "CONFIRMED" {
				t.Fatalf("created: %+v", ev)
			}

			customer := connect(t, a.URL, proto, made.CustomerAccessToken)
			customer.subscribe("mine", reservationUpdatedOp, map[string]any{"id": made.Reservation.ID})
			waitSubscribed(t, a, membershipWatch+2)
			start = time.Now()
			b.cancel(t, made.Reservation.ID)
			var mine reservationUpdated
			customer.next("mine", delivery, &mine)
			within(t, start, "cancelReservation on B → customer on A")
			ev := mine.ReservationUpdated
			if ev.Kind != "UPDATED" || ev.Reservation.Status != "CANCELLED" || ev.Reservation.CancelReason == nil ||
				*ev.Reservation.CancelReason != "closed" || ev.Reservation.StaffMember.Name != "Anna" {
				t.Fatalf("customer's event: %+v", ev)
			}
			var cancelled reservationsChanged
			staff.next("all", delivery, &cancelled)
			if ev := cancelled.ReservationsChanged; ev.Kind != "UPDATED" || ev.Reservation.Status != "CANCELLED" {
				t.Fatalf("staff's event: %+v", ev)
			}
		})
	}
}

// membershipWatch is the subscription each staff connection holds besides its operations': to its
// member's membership changes. The broker counts it like any other.
const membershipWatch = 1

// waitSubscribed waits until env's instance has exactly n open subscriptions: a subscription is
// registered asynchronously after the subscribe message (a change made before would not be
// delivered), and one is removed asynchronously after its socket closes.
func waitSubscribed(t *testing.T, env *servertest.Env, n int) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for env.Server.Events.Len() != n {
		if time.Now().After(deadline) {
			t.Fatalf("%d subscriptions, want %d", env.Server.Events.Len(), n)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// TestImojeNotificationOnOneInstanceReachesCustomerOnAnother: the customer's payment page is open on
// instance A; imoje's notification that the payment settled is delivered to instance B.
func TestImojeNotificationOnOneInstanceReachesCustomerOnAnother(t *testing.T) {
	t.Parallel()
	instB := servertest.New(t, func(_ *config.Config, o *server.Options) {
		o.HoldExpiryInterval, o.ReconcileInterval = time.Hour, time.Hour
	})
	instA := servertest.NewOn(t, instB.DB, sameKeys(instB))
	p := newPayEnvOn(t, instB, "live-pay")
	for _, proto := range protocols {
		t.Run(proto, func(t *testing.T) {
			r, pay, notification := p.settledDelivery(t) // settled at imoje; the notification is held back
			settle(t, instA, p.owner.TenantID)
			waitSubscribed(t, instA, 0)
			c := connect(t, instA.URL, proto, r.CustomerAccessToken)
			c.subscribe("pay", paymentUpdatedOp, map[string]any{"id": r.Reservation.ID})
			c.subscribe("res", reservationUpdatedOp, map[string]any{"id": r.Reservation.ID})
			waitSubscribed(t, instA, 2)
			start := time.Now()
			if status, body := postNotification(t, instB.URL, notification.SignatureHeader, []byte(notification.Body)); status != 200 {
				t.Fatalf("notification: %d %s", status, body)
			}
			// The reservation's subscription may hear the change twice (its payment status, and the
			// payment itself); read until both subscriptions have spoken.
			got := map[string]bool{}
			for !got["pay"] || !got["res"] {
				m := c.nextMessage(time.Until(start.Add(delivery)))
				var r wsResult
				if err := jsonInto(m.Payload, &r); err != nil || len(r.Errors) > 0 {
					t.Fatalf("%s: %s", m.ID, m.Payload)
				}
				switch m.ID {
				case "pay":
					var ev paymentUpdated
					_ = jsonInto(r.Data, &ev)
					if e := ev.PaymentUpdated; e.Kind != "PAYMENT" || e.Payment.ID != pay.ID || e.Payment.Status != "PAID" ||
						e.Payment.PaidAt == nil || e.Payment.Amount.Amount != priceAmount {
						t.Fatalf("payment event: %+v", e)
					}
				case "res":
					var ev reservationUpdated
					_ = jsonInto(r.Data, &ev)
					if e := ev.ReservationUpdated; e.Reservation.Status != "CONFIRMED" || e.Reservation.PaymentStatus != "PAID" {
						t.Fatalf("reservation event: %+v", e)
					}
				}
				got[m.ID] = true
			}
			within(t, start, "notification on B → customer on A")
			if !got["pay"] || !got["res"] {
				t.Fatalf("events: %v", got)
			}
		})
	}
}
