package server_test

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"testing"
	"time"

	"github.com/slotpay/slotpay/graph/fastpath"
)

// BenchmarkAvailabilityWeek is the GraphQL side of bench/'s availability workload in one process:
// the public widget's week of one service's slots (bench/availability.graphql), five staff members
// performing it with a few reservations in the week, served by the real handler on a real database,
// so ns/op and allocs/op are slotpay's own cost per request.
//
//	go test -run '^$' -bench AvailabilityWeek -benchmem ./services/server
func BenchmarkAvailabilityWeek(b *testing.B) { benchmarkAvailabilityWeek(b, context.Background()) }

// BenchmarkAvailabilityWeekExecuted is the same with the one-pass rendering off (graph/fastpath):
// gqlgen executes every field, as before it.
func BenchmarkAvailabilityWeekExecuted(b *testing.B) {
	benchmarkAvailabilityWeek(b, fastpath.Disabled(context.Background()))
}

// BenchmarkDashboardPageExecuted is BenchmarkDashboardPage with the one-pass rendering off.
func BenchmarkDashboardPageExecuted(b *testing.B) {
	benchmarkDashboardPage(b, fastpath.Disabled(context.Background()))
}

func benchmarkAvailabilityWeek(b *testing.B, ctx context.Context) {
	env := newBookingEnv(b, "bench-availability", map[string]any{"durationMinutes": 30})
	staff := []string{env.staff}
	for _, name := range []string{"Beata", "Celina", "Dorota", "Ewa"} {
		id := env.createStaff(b, name, env.service)
		week := []map[string]any{}
		for _, d := range []string{"MONDAY", "TUESDAY", "WEDNESDAY", "THURSDAY", "FRIDAY"} {
			week = append(week, map[string]any{"weekday": d, "start": "08:00", "end": "16:00"})
		}
		env.Must(env.owner.AccessToken, `mutation($id: UUID!, $w: [WeeklyIntervalInput!]!) { setWeeklySchedule(staffMemberId: $id, intervals: $w) { weekday } }`,
			map[string]any{"id": id, "w": week}, nil)
		staff = append(staff, id)
	}
	for i, id := range staff {
		for day := 3; day <= 6; day++ { // Tuesday to Friday
			start := time.Date(2026, 3, day, 10+i%3, 0, 0, 0, warsaw)
			in := env.reservationInput(start, "")
			in["staffMemberId"] = id
			env.Must("", createReservationOp, map[string]any{"in": in}, nil)
		}
	}
	query, err := os.ReadFile("../../bench/availability.graphql") // the bench's availability query
	if err != nil {
		b.Fatal(err)
	}
	body, _ := json.Marshal(map[string]any{
		"query":     string(query),
		"variables": map[string]any{"slug": env.owner.Slug, "service": env.service, "from": "2026-03-03", "to": "2026-03-09"},
	})
	serve := func() *httptest.ResponseRecorder {
		req := httptest.NewRequestWithContext(ctx, http.MethodPost, "/graphql", bytes.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		rec := httptest.NewRecorder()
		env.Server.Handler.ServeHTTP(rec, req)
		return rec
	}
	var first struct {
		Data struct {
			Availability struct {
				Days []struct{ Slots []struct{ Staff []any } }
			}
		}
		Errors []any
	}
	rec := serve()
	if rec.Code != http.StatusOK || json.Unmarshal(rec.Body.Bytes(), &first) != nil || len(first.Errors) > 0 || len(first.Data.Availability.Days) != 7 {
		b.Fatalf("availability: %d %.500s", rec.Code, rec.Body.String())
	}
	slots, free := 0, 0
	for _, d := range first.Data.Availability.Days {
		slots += len(d.Slots)
		for _, s := range d.Slots {
			free += len(s.Staff)
		}
	}
	if slots < 150 {
		b.Fatalf("availability: only %d slots", slots)
	}
	b.ReportMetric(float64(slots), "slots/op")
	b.ReportMetric(float64(free), "free-staff/op")
	b.ReportMetric(float64(rec.Body.Len()), "bytes/response")
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		if rec := serve(); rec.Code != http.StatusOK {
			b.Fatalf("status %d", rec.Code)
		}
	}
}
