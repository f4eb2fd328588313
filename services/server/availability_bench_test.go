package server_test

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/slotpay/slotpay/graph/fastpath"
)

// BenchmarkAvailabilityWeek is the booking widget's week of slots in one process: the bench's
// public availability query (bench/booking.go's availabilityQuery) of a
// 30-minute service over seven days, a staff member working 9–17 every day with a few bookings,
// served by the real handler on a real database, so ns/op and allocs/op are slotpay's own cost.
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

// availabilityWeekQuery is bench/booking.go's availabilityQuery.
const availabilityWeekQuery = `query Week($slug: String!, $service: UUID!, $from: Date!, $to: Date!) {
  availability(tenantSlug: $slug, serviceId: $service, from: $from, to: $to) {
    timeZone
    days { date slots { startsAt endsAt localStart staff { staffMember { id name } seatsLeft } } }
  }
}`

func benchmarkAvailabilityWeek(b *testing.B, ctx context.Context) {
	env := newBookingEnv(b, "bench-availability", map[string]any{"durationMinutes": 30})
	for day := 3; day <= 9; day++ {
		start := time.Date(2026, 3, day, 11, 0, 0, 0, warsaw)
		env.Must("", createReservationOp, map[string]any{"in": env.reservationInput(start, "")}, nil)
	}
	body, _ := json.Marshal(map[string]any{"query": availabilityWeekQuery, "variables": map[string]any{
		"slug": env.owner.Slug, "service": env.service, "from": "2026-03-03", "to": "2026-03-09",
	}})
	serve := func() *httptest.ResponseRecorder {
		req := httptest.NewRequestWithContext(ctx, http.MethodPost, "/graphql", bytes.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		rec := httptest.NewRecorder()
		env.Server.Handler.ServeHTTP(rec, req)
		return rec
	}
	var first struct {
		Data struct {
			Availability struct{ Days []struct{ Slots []any } }
		}
		Errors []any
	}
	rec := serve()
	if rec.Code != http.StatusOK || json.Unmarshal(rec.Body.Bytes(), &first) != nil || len(first.Errors) > 0 || len(first.Data.Availability.Days) != 7 {
		b.Fatalf("availability: %d %.500s", rec.Code, rec.Body.String())
	}
	slots := 0
	for _, d := range first.Data.Availability.Days {
		slots += len(d.Slots)
	}
	b.ReportMetric(float64(slots), "slots")
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		if rec := serve(); rec.Code != http.StatusOK {
			b.Fatalf("status %d", rec.Code)
		}
	}
}
