package graph

import (
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/slotpay/slotpay/graph/model"
	"github.com/slotpay/slotpay/services/events"
)

// TestAvailabilityEvents: a widget hears of bookings of its service and of bookings of other
// services by staff who also perform its service (their time is taken from it too), and of resyncs.
func TestAvailabilityEvents(t *testing.T) {
	t.Parallel()
	service, otherService := uuid.New(), uuid.New()
	sharedStaff, otherStaff := uuid.New(), uuid.New()
	w := &availabilityWatch{service: service, staff: []uuid.UUID{sharedStaff}}
	at := time.Date(2026, 3, 4, 9, 0, 0, 0, time.UTC)
	cases := []struct {
		name string
		e    events.Event
		want model.LiveEventKind // "" for no event
	}{
		{"its service", events.Event{Kind: events.ReservationCreated, ServiceID: service, StaffMemberID: otherStaff, From: at, To: at.Add(time.Hour)}, model.LiveEventKindCreated},
		{"another service, a shared staff member", events.Event{Kind: events.ReservationUpdated, ServiceID: otherService, StaffMemberID: sharedStaff, From: at, To: at.Add(time.Hour)}, model.LiveEventKindUpdated},
		{"another service and staff member", events.Event{Kind: events.ReservationCreated, ServiceID: otherService, StaffMemberID: otherStaff, From: at, To: at.Add(time.Hour)}, ""},
		{"resync", events.Event{Kind: events.Resync}, model.LiveEventKindResync},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, ok := w.event(&c.e)
			switch {
			case c.want == "" && ok:
				t.Fatalf("sent %+v", got)
			case c.want == "":
			case !ok || got.Kind != c.want || got.ServiceID != service:
				t.Fatalf("got %+v %v, want %s", got, ok, c.want)
			case c.e.Kind == events.Resync && got.StartsAt != nil:
				t.Fatalf("resync with a time: %+v", got)
			case c.e.Kind != events.Resync && (got.StartsAt == nil || !got.StartsAt.Equal(at)):
				t.Fatalf("time %v", got.StartsAt)
			}
		})
	}
}
