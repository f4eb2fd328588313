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
)

// BenchmarkDashboardPage is the GraphQL side of bench/'s dashboard workload in one process: a
// staff member's agenda of 50 reservations with service, staff member, price, customer and
// payments, served by the real handler on a real database (no network, no load generator), so
// ns/op and allocs/op are slotpay's own cost per request.
//
//	go test -run '^$' -bench DashboardPage -benchmem ./services/server
func BenchmarkDashboardPage(b *testing.B) { benchmarkDashboardPage(b, context.Background()) }

func benchmarkDashboardPage(b *testing.B, ctx context.Context) {
	env := newBookingEnv(b, "bench-dashboard", map[string]any{"durationMinutes": 30})
	for day := 3; day <= 6; day++ {
		for h := range 14 {
			start := time.Date(2026, 3, day, 9, 0, 0, 0, warsaw).Add(time.Duration(h) * 30 * time.Minute)
			env.Must("", createReservationOp, map[string]any{"in": env.reservationInput(start, "")}, nil)
		}
	}
	query, err := os.ReadFile("../../bench/dashboard.graphql") // the bench's dashboard query
	if err != nil {
		b.Fatal(err)
	}
	body, _ := json.Marshal(map[string]any{
		"query":     string(query),
		"variables": map[string]any{"staff": env.staff, "from": "2026-03-03T00:00:00Z"},
	})
	serve := func() *httptest.ResponseRecorder {
		req := httptest.NewRequestWithContext(ctx, http.MethodPost, "/graphql", bytes.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Authorization", "Bearer "+env.owner.AccessToken)
		rec := httptest.NewRecorder()
		env.Server.Handler.ServeHTTP(rec, req)
		return rec
	}
	var first struct {
		Data struct {
			Reservations struct {
				Edges []struct {
					Node struct{ Service *struct{ Name string } }
				}
			}
		}
		Errors []any
	}
	if rec := serve(); rec.Code != http.StatusOK || json.Unmarshal(rec.Body.Bytes(), &first) != nil ||
		len(first.Errors) > 0 || len(first.Data.Reservations.Edges) != 50 || first.Data.Reservations.Edges[49].Node.Service == nil {
		b.Fatalf("dashboard page: %d %.500s", rec.Code, rec.Body.String())
	}
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		if rec := serve(); rec.Code != http.StatusOK {
			b.Fatalf("status %d", rec.Code)
		}
	}
}
