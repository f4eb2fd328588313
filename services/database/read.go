package database

import (
	"context"
	"database/sql"
	"errors"
	"reflect"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"gorm.io/gorm"
	"gorm.io/gorm/schema"
)

// ReadInTenant runs tenant-scoped reads in one round trip: it queues
// `SELECT set_config('app.tenant_id', tenantID, true)` and then the reads queue adds, and sends them
// as one pgx batch. pgx pipelines a batch with a single Sync at its end, and PostgreSQL runs every
// statement before a Sync as one implicit transaction: the setting (is_local) applies to the reads,
// row-level security filters them as inside InTenant, and the setting ends with that transaction,
// so it cannot leak to the next user of the pooled connection (TestReadInTenant proves all three).
// The reads' callbacks (QueuedQuery.Query, QueryRow) run before ReadInTenant returns; the first
// error stops the batch.
func ReadInTenant(ctx context.Context, pool *pgxpool.Pool, tenantID uuid.UUID, queue func(b *pgx.Batch)) error {
	if pool == nil {
		return errors.New("database: ReadInTenant without a pgx pool")
	}
	if tenantID == uuid.Nil {
		return errors.New("database: ReadInTenant without a tenant")
	}
	b := &pgx.Batch{}
	b.Queue(`SELECT set_config('app.tenant_id', $1, true)`, tenantID.String())
	queue(b)
	return pool.SendBatch(ctx, b).Close()
}

// CollectInto returns a batch callback that appends every row to out, matching columns to T's fields
// by name (see Columns).
func CollectInto[T any](out *[]T) func(pgx.Rows) error {
	return func(rows pgx.Rows) error {
		got, err := pgx.CollectRows(rows, pgx.RowToStructByNameLax[T])
		*out = append(*out, got...)
		return err
	}
}

var columnLists sync.Map // reflect.Type → string

// Columns is the comma-separated column list of model T as gorm maps it (its DBNames), for explicit
// SELECT lists that CollectInto can scan back into T.
func Columns[T any]() string {
	var zero T
	key := reflect.TypeFor[T]()
	if v, ok := columnLists.Load(key); ok {
		return v.(string)
	}
	s, err := schema.Parse(&zero, &sync.Map{}, schema.NamingStrategy{})
	if err != nil {
		panic("database.Columns: " + err.Error())
	}
	list := strings.Join(s.DBNames, ", ")
	columnLists.Store(key, list)
	return list
}

// pools maps the *sql.DB under each gorm handle Open returned to its pgx pool, so services built on
// the gorm handle can also read through pgx (PoolOf).
var pools sync.Map // *sql.DB → *pgxpool.Pool

// PoolOf returns the pgx pool under a gorm handle opened by Open, or nil.
func PoolOf(db *gorm.DB) *pgxpool.Pool {
	sqlDB, err := db.DB()
	if err != nil {
		return nil
	}
	if p, ok := pools.Load(sqlDB); ok {
		return p.(*pgxpool.Pool)
	}
	return nil
}

func registerPool(sqlDB *sql.DB, pool *pgxpool.Pool) { pools.Store(sqlDB, pool) }

// StatementCounter counts the statements and round trips a pool sends, gorm's included since gorm
// runs on the same pool. Tests install it (a tracer passed to Open; production pools carry none)
// and read it to prove that a page costs a bounded number of queries whichever path reads it.
type StatementCounter struct {
	statements atomic.Int64 // every statement: Query/Exec (BEGIN and COMMIT included) and each one in a batch
	roundTrips atomic.Int64 // Query/Exec calls plus whole batches
}

// Counts returns the statements and round trips counted so far.
func (c *StatementCounter) Counts() (statements, roundTrips int64) {
	return c.statements.Load(), c.roundTrips.Load()
}

// Reset sets both counts to zero.
func (c *StatementCounter) Reset() { c.statements.Store(0); c.roundTrips.Store(0) }

// TraceQueryStart implements pgx.QueryTracer.
func (c *StatementCounter) TraceQueryStart(ctx context.Context, _ *pgx.Conn, _ pgx.TraceQueryStartData) context.Context {
	c.statements.Add(1)
	c.roundTrips.Add(1)
	return ctx
}

// TraceQueryEnd implements pgx.QueryTracer.
func (c *StatementCounter) TraceQueryEnd(context.Context, *pgx.Conn, pgx.TraceQueryEndData) {}

// TraceBatchStart implements pgx.BatchTracer.
func (c *StatementCounter) TraceBatchStart(ctx context.Context, _ *pgx.Conn, data pgx.TraceBatchStartData) context.Context {
	c.roundTrips.Add(1)
	if data.Batch != nil {
		c.statements.Add(int64(data.Batch.Len()))
	}
	return ctx
}

// TraceBatchQuery implements pgx.BatchTracer.
func (c *StatementCounter) TraceBatchQuery(context.Context, *pgx.Conn, pgx.TraceBatchQueryData) {}

// TraceBatchEnd implements pgx.BatchTracer.
func (c *StatementCounter) TraceBatchEnd(context.Context, *pgx.Conn, pgx.TraceBatchEndData) {}

// QueueByKey queues a read of T rows into out, one row per key (e.g. objects by id).
func QueueByKey[T any, K comparable](b *pgx.Batch, sql string, args []any, key func(T) K, out map[K]T) {
	b.Queue(sql, args...).Query(func(rows pgx.Rows) error {
		var list []T
		err := CollectInto(&list)(rows)
		for _, r := range list {
			out[key(r)] = r
		}
		return err
	})
}

// QueueGrouped queues a read of T rows into out, grouped by key in the order read (e.g. a
// reservation's history).
func QueueGrouped[T any, K comparable](b *pgx.Batch, sql string, args []any, key func(T) K, out map[K][]T) {
	b.Queue(sql, args...).Query(func(rows pgx.Rows) error {
		var list []T
		err := CollectInto(&list)(rows)
		for _, r := range list {
			out[key(r)] = append(out[key(r)], r)
		}
		return err
	})
}
