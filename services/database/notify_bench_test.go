package database_test

import (
	"context"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/slotpay/slotpay/services/database"
	"github.com/slotpay/slotpay/services/database/dbtest"
)

// BenchmarkNotifyingCommits: 16 clients each commit a one-row update with a notification, with
// pg_notify inside the transaction (as events.Publish did) or right after its COMMIT in the same
// round trip (QueueAfterCommit, as it does now). Inside, every commit holds PostgreSQL's
// notification lock through its WAL flush, so commits flush one by one; after, they share flushes
// (group commit) and the lock is held only by a transaction that writes nothing. Reports the p99
// of one transaction beside ns/op.
//
//	go test -run '^$' -bench NotifyingCommits ./services/database
func BenchmarkNotifyingCommits(b *testing.B) {
	db := dbtest.New(b)
	owner, err := db.Owner()
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	tenant := uuid.New()
	if _, err := owner.Exec(ctx, `INSERT INTO tenants (id, name, slug, time_zone, currency, locale) VALUES ($1, 'n', 'notify-bench', 'Europe/Warsaw', 'PLN', 'pl')`, tenant); err != nil {
		b.Fatal(err)
	}
	const clients = 16
	staff := make([]uuid.UUID, clients)
	for i := range staff {
		staff[i] = uuid.New()
		if _, err := owner.Exec(ctx, `INSERT INTO staff_members (tenant_id, id, name) VALUES ($1, $2, 'x')`, tenant, staff[i]); err != nil {
			b.Fatal(err)
		}
	}
	d, err := database.Open(ctx, db.AppURL, clients)
	if err != nil {
		b.Fatal(err)
	}
	defer d.Close()
	for _, mode := range []string{"inside", "after"} {
		b.Run(mode, func(b *testing.B) {
			var next atomic.Int64
			var mu sync.Mutex
			var lat []time.Duration
			b.SetParallelism(clients / 2) // 2 cores here: 16 clients
			b.RunParallel(func(pb *testing.PB) {
				me := staff[int(next.Add(1)-1)%clients]
				var mine []time.Duration
				for pb.Next() {
					t0 := time.Now()
					err := d.InTenant(ctx, tenant, func(tx *database.Tx) error {
						tx.Queue(`UPDATE staff_members SET name = md5(random()::text) WHERE tenant_id = $1 AND id = $2`, me)
						notify := `SELECT pg_notify('slotpay_bench_notify', $2) WHERE $1::uuid IS NOT NULL`
						if mode == "inside" {
							tx.Queue(notify, me.String())
						} else {
							tx.QueueAfterCommit(notify, me.String())
						}
						return nil
					})
					if err != nil {
						b.Error(err)
						return
					}
					mine = append(mine, time.Since(t0))
				}
				mu.Lock()
				lat = append(lat, mine...)
				mu.Unlock()
			})
			slices.Sort(lat)
			if len(lat) > 0 {
				b.ReportMetric(float64(lat[len(lat)*99/100].Microseconds())/1000, "p99-ms")
				b.ReportMetric(float64(lat[len(lat)/2].Microseconds())/1000, "p50-ms")
			}
		})
	}
}
