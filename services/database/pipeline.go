package database

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

// PipelineInTenant runs one tenant-scoped read-decide-write transaction in two round trips, for hot
// paths where Go must look at locked rows before it writes (the imoje webhook):
//
//  1. BEGIN, SELECT set_config('app.tenant_id', tenantID, true) and the reads queued by read (FOR
//     UPDATE ones included), sent as one pgx batch; the locks are held from here to the end;
//  2. decide looks at what the reads' callbacks stored and queues the writes; they and COMMIT go
//     out as a second batch.
//
// The setting is local to the transaction, so row-level security applies to every statement of both
// batches and nothing leaks to the next user of the pooled connection, as in InTenant. nil means
// COMMIT succeeded. An error from a read, from decide, from a write or from COMMIT rolls the whole
// transaction back (a failed statement in the second batch aborts the transaction, PostgreSQL skips
// the rest of the batch, COMMIT included) and is returned; errors from decide come back unchanged, so
// callers may use sentinels to say "nothing to do". Statements are sent as they are written: they
// must name the tenant themselves.
func PipelineInTenant(ctx context.Context, pool *pgxpool.Pool, tenantID uuid.UUID, read func(b *pgx.Batch), decide func(b *pgx.Batch) error) (err error) {
	if pool == nil {
		return errors.New("database: PipelineInTenant without a pgx pool")
	}
	if tenantID == uuid.Nil {
		return errors.New("database: PipelineInTenant without a tenant")
	}
	conn, err := pool.Acquire(ctx)
	if err != nil {
		return err
	}
	defer conn.Release()
	defer func() {
		// Anything but a successful COMMIT leaves the transaction open (or failed): end it, so the
		// connection goes back to the pool clean. A connection that cannot even roll back is left
		// in a transaction, and pgxpool destroys such a connection on Release.
		if conn.Conn().PgConn().TxStatus() != 'I' {
			rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
			defer cancel()
			_, _ = conn.Exec(rctx, "ROLLBACK")
		}
	}()
	first := &pgx.Batch{}
	first.Queue("BEGIN")
	first.Queue(`SELECT set_config('app.tenant_id', $1, true)`, tenantID.String())
	read(first)
	if err := conn.SendBatch(ctx, first).Close(); err != nil {
		return err
	}
	second := &pgx.Batch{}
	if err := decide(second); err != nil {
		return err
	}
	second.Queue("COMMIT")
	if err := conn.SendBatch(ctx, second).Close(); err != nil {
		return err
	}
	if conn.Conn().PgConn().TxStatus() != 'I' {
		return errors.New("database: transaction still open after COMMIT")
	}
	return nil
}

// QueueUpdate queues `UPDATE table SET <set> WHERE tenant_id = $1 AND id = $2`, the pgx form of
// gorm's Model(...).Where("tenant_id = ? AND id = ?").Updates(set). The column names come from the
// caller's code, never from input; they are sorted so one set of columns is always one statement
// text (pgx caches prepared statements by text).
func QueueUpdate(b *pgx.Batch, table string, tenantID, id uuid.UUID, set map[string]any) {
	if len(set) == 0 {
		panic("database.QueueUpdate: nothing to set")
	}
	cols := make([]string, 0, len(set))
	for c := range set {
		cols = append(cols, c)
	}
	sort.Strings(cols)
	args := make([]any, 0, len(set)+2)
	args = append(args, tenantID, id)
	var sql strings.Builder
	sql.WriteString("UPDATE " + pgx.Identifier{table}.Sanitize() + " SET ")
	for i, c := range cols {
		if i > 0 {
			sql.WriteString(", ")
		}
		fmt.Fprintf(&sql, "%s = $%d", pgx.Identifier{c}.Sanitize(), i+3)
		args = append(args, set[c])
	}
	sql.WriteString(" WHERE tenant_id = $1 AND id = $2")
	b.Queue(sql.String(), args...)
}
