package database

import (
	"context"
	"reflect"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/jackc/pgx/v5"
	"gorm.io/gorm/schema"
)

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
