package server_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/slotpay/slotpay/graph/ws"
	"github.com/slotpay/slotpay/services/config"
	"github.com/slotpay/slotpay/services/database"
	"github.com/slotpay/slotpay/services/events"
	"github.com/slotpay/slotpay/services/server"
)

// TestSubscriberThatNeverReadsBlocksNoOne: one client subscribes to large payloads and then never
// reads its socket; 100 others keep receiving every event while its socket fills up, and once it
// cannot keep up it is disconnected with a close reason, alone. A client that blocked the fan-out
// would stop the others for good, so a bound of a few seconds per round proves it without timing
// the machine (which CI shares with other packages' tests).
//
// Not parallel: it measures delivery to 100 clients within a second, which on a small machine
// under the race detector should not compete with the other tests.
const fanOutBound = 5 * time.Second

func TestSubscriberThatNeverReadsBlocksNoOne(t *testing.T) {
	b := newLiveEnv(t, "live-slow", func(_ *config.Config, o *server.Options) { o.EventBufferSize = 16 })
	in := b.reservationInput(time.Date(2026, 3, 4, 9, 0, 0, 0, warsaw), "")
	in["note"] = strings.Repeat("n", 2000)
	var out struct{ CreateReservation createdReservation }
	b.Must("", createReservationOp, map[string]any{"in": in}, &out)
	made := out.CreateReservation.Reservation
	settle(t, b.Env, b.owner.TenantID)

	// ~80 kB per event: the frozen client's kernel buffers fill after some tens of events.
	var fields strings.Builder
	for i := range 40 {
		fmt.Fprintf(&fields, " n%d: note", i)
	}
	frozen := connectWithoutReading(t, b.URL, transportWS, b.owner.AccessToken)
	frozen.subscribe("big", `subscription($id: UUID!) { reservationUpdated(id: $id) { kind reservation {`+fields.String()+` } } }`,
		map[string]any{"id": made.ID})

	const others = 100
	widgets := make([]*wsClient, others)
	for i := range widgets {
		widgets[i] = connect(t, b.URL, protocols[i%2], "")
		widgets[i].subscribe("slots", availabilityChangedOp, map[string]any{"slug": b.owner.Slug, "s": b.service, "from": "2026-03-04", "to": "2026-03-04"})
	}
	waitSubscribed(t, b.Env, others+membershipWatch+1)

	event := events.Event{Kind: events.ReservationUpdated, TenantID: uuid.MustParse(b.owner.TenantID), ReservationID: uuid.MustParse(made.ID),
		ServiceID: uuid.MustParse(b.service), StaffMemberID: uuid.MustParse(b.staff), From: made.StartsAt, To: made.StartsAt.Add(time.Hour)}
	const perRound = 2
	dropped := false
	for round := 0; round < 300 && !dropped; round++ {
		// perRound events committed at once (distinct payloads: PostgreSQL folds identical ones).
		err := b.Server.Data.InTenant(context.Background(), event.TenantID, func(tx *database.Tx) error {
			for range perRound {
				e := event
				e.PaymentID = uuid.New()
				if err := events.Publish(tx, e); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		start := time.Now()
		for _, w := range widgets {
			for range perRound {
				var ev availabilityChanged
				w.next("slots", time.Until(start.Add(fanOutBound)), &ev)
				if ev.AvailabilityChanged.Kind != "UPDATED" {
					t.Fatalf("round %d: %+v", round, ev)
				}
			}
		}
		// Its subscription went; its connection's membership watch goes when the socket closes.
		dropped = b.Server.Events.Len() <= others+membershipWatch
	}
	if !dropped {
		t.Fatalf("the client that never reads was never disconnected (%d subscriptions)", b.Server.Events.Len())
	}
	// Its socket holds what was sent before, then the close.
	code, reason := frozen.closeStatus(30 * time.Second)
	if code != ws.CloseSlowConsumer || !strings.Contains(reason, "could not keep up") {
		t.Fatalf("closed with %d %q", code, reason)
	}
	// The others' subscriptions are left; the frozen connection's membership watch goes once the
	// server has finished closing it.
	waitSubscribed(t, b.Env, others)
	// The operator sees the drop: a warning with the code and reason the client got.
	l := findLog(t, b.Env, "websocket closed", "", func(l logLine) bool { return l.num("code") == int(ws.CloseSlowConsumer) })
	if l.str("level") != "WARN" || l.str("reason") != reason || l.str("closed_by") != "server" || l.str("caller") != "staff" {
		t.Fatalf("slow consumer's close line %v", l)
	}
}
