package server_test

import (
	"testing"
	"time"
)

// TestWidgetsHearOfWorkingTimeAndServiceChanges: availabilityChanged fires not only for bookings but
// when a staff member of the service gets time off or other hours, and when the service changes;
// a staff member who does not perform the service moves nothing.
func TestWidgetsHearOfWorkingTimeAndServiceChanges(t *testing.T) {
	t.Parallel()
	b := newLiveEnv(t, "live-hours")
	other := b.createStaff(t, "Cezary") // performs no service of this widget
	settle(t, b.Env, b.owner.TenantID)
	widget := connect(t, b.URL, transportWS, "")
	widget.subscribe("slots", availabilityChangedOp, map[string]any{"slug": b.owner.Slug, "s": b.service, "from": "2026-03-04", "to": "2026-03-05"})
	waitSubscribed(t, b.Env, 1)

	expect := func(what string, start *time.Time) {
		t.Helper()
		var ev availabilityChanged
		widget.next("slots", delivery, &ev)
		e := ev.AvailabilityChanged
		if e.Kind != "UPDATED" || e.ServiceID != b.service {
			t.Fatalf("%s: %+v", what, e)
		}
		if start != nil && (e.StartsAt == nil || !e.StartsAt.Equal(*start)) {
			t.Fatalf("%s: starts %v, want %v", what, e.StartsAt, start)
		}
	}
	offFrom := time.Date(2026, 3, 4, 10, 0, 0, 0, warsaw)
	b.Must(b.owner.AccessToken, `mutation($in: TimeOffInput!) { addTimeOff(input: $in) { id } }`, map[string]any{"in": map[string]any{
		"staffMemberId": b.staff, "startsAt": offFrom.Format(time.RFC3339), "endsAt": offFrom.Add(2 * time.Hour).Format(time.RFC3339), "reason": "dentist"}}, nil)
	expect("time off", &offFrom)

	// Cezary's hours change nothing for this service; Anna's day off on the 5th does, and it is the
	// next message the widget receives.
	b.workEveryDay(t, other)
	b.Must(b.owner.AccessToken, `mutation($id: UUID!) { setScheduleException(staffMemberId: $id, date: "2026-03-05", intervals: []) { date } }`,
		map[string]any{"id": b.staff}, nil)
	dayOff := time.Date(2026, 3, 5, 0, 0, 0, 0, time.UTC)
	expect("day off", &dayOff)

	b.workEveryDay(t, b.staff)
	expect("weekly hours", nil)

	b.Must(b.owner.AccessToken, `mutation($id: UUID!) { updateService(id: $id, input: {durationMinutes: 90}) { id } }`, map[string]any{"id": b.service}, nil)
	expect("service changed", nil)
}
