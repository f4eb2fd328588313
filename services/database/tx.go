package database

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/jackc/pgx/v5/stdlib"
	"gorm.io/gorm"
)

// DB is slotpay's database: the application role's pgx pool and the gorm handle that runs on it.
// Domain code reaches tenant data only through a Tx (InTenant, AsUser); Gorm and Pool are for what
// belongs to no tenant (a log-in looks a user up by e-mail, LISTEN, the benchmarks).
type DB struct {
	gorm *gorm.DB
	pool *pgxpool.Pool
	sql  *sql.DB
}

// Gorm is the unscoped gorm handle (row-level security still applies: no tenant is set).
func (db *DB) Gorm() *gorm.DB { return db.gorm }

// Pool is the pgx pool under every connection.
func (db *DB) Pool() *pgxpool.Pool { return db.pool }

// Close closes the pool.
func (db *DB) Close() { db.pool.Close() }

// Tx is one transaction scoped to one tenant. The only way to get one is InTenant or AsUser, which
// set app.tenant_id (local to the transaction) before anything else runs, so row-level security
// filters every statement; the application scopes them as well:
//
//   - hand-written SQL goes through Queue, which passes the tenant as $1 — a statement that does not
//     use $1 is refused by PostgreSQL ("could not determine data type of parameter $1"), so each one
//     names the tenant (`WHERE tenant_id = $1`); its own arguments are $2, $3, …;
//   - gorm statements go through Gorm, whose queries, updates and deletes of tenant-owned models get
//     `tenant_id = <the tenant>` added whatever their author wrote (scope.go).
//
// Statements are queued and sent together, so a transaction costs as few round trips as its
// decisions need: Queue adds to the next round trip, Send sends it (running the statements'
// callbacks), and the end of InTenant sends what is left with COMMIT. A transaction that never sent
// before its end is one round trip without BEGIN/COMMIT: PostgreSQL runs a pipeline up to its one
// Sync as one implicit transaction, all or nothing. Gorm statements run at once, after whatever is
// queued.
type Tx struct {
	ctx      context.Context
	tenantID uuid.UUID
	conn     *sql.Conn
	gorm     *gorm.DB
	pending  *pgx.Batch
	// afterCommit runs right after COMMIT, in its round trip (QueueAfterCommit).
	afterCommit []*pgx.QueuedQuery
	began       bool // BEGIN has been sent: the end is COMMIT
	failed      error
}

// TenantID is the tenant the transaction is scoped to (uuid.Nil for AsUser without a tenant).
func (tx *Tx) TenantID() uuid.UUID { return tx.tenantID }

// Queue queues sql for the next round trip with the tenant as $1 and args as $2, $3, …; the
// callbacks set on the result (Exec, Query, QueryRow) run when it is sent.
func (tx *Tx) Queue(sql string, args ...any) *pgx.QueuedQuery {
	all := make([]any, 0, len(args)+1)
	if tx.tenantID == uuid.Nil {
		all = append(all, nil)
	} else {
		all = append(all, tx.tenantID)
	}
	return tx.pending.Queue(sql, append(all, args...)...)
}

// Send sends what is queued now, in one round trip, and runs the statements' callbacks; the first
// error (a statement's or a callback's) aborts the transaction and is returned.
func (tx *Tx) Send() error {
	if tx.failed != nil {
		return tx.failed
	}
	if !tx.began {
		tx.prepend("BEGIN")
		tx.began = true
	}
	return tx.send(tx.pending)
}

// QueueAfterCommit queues sql (the tenant as $1, like Queue) to run right after the transaction
// commits, in the same round trip as COMMIT but outside the transaction: PostgreSQL skips the rest
// of a pipeline after an error, so it runs only when everything before it, COMMIT included,
// succeeded, and never after a rollback. A transaction that only queued gets BEGIN and COMMIT for
// it (same round trip). What it is for is NOTIFY (events.Publish): a transaction that notifies
// holds PostgreSQL's cluster-wide notification lock from the start of its commit to its end, WAL
// flush included, so notifying commits wait for one another's disk writes one by one (seen as
// `Lock: object` waits on COMMIT under load); a notification sent after the commit, in a
// transaction that writes nothing else and so does not wait for the disk, holds that lock for
// microseconds. If the server dies between the two, every listener loses its connection and
// resyncs its subscribers, as it does for any notification it may have missed.
func (tx *Tx) QueueAfterCommit(sql string, args ...any) *pgx.QueuedQuery {
	all := make([]any, 0, len(args)+1)
	if tx.tenantID == uuid.Nil {
		all = append(all, nil)
	} else {
		all = append(all, tx.tenantID)
	}
	q := &pgx.QueuedQuery{SQL: sql, Arguments: append(all, args...)}
	tx.afterCommit = append(tx.afterCommit, q)
	return q
}

// Gorm is the gorm handle of this transaction: its statements run on the transaction's connection,
// scoped to the tenant, after what is queued has been sent.
func (tx *Tx) Gorm() *gorm.DB { return tx.gorm }

// prepend puts sql in front of the queued statements.
func (tx *Tx) prepend(sql string) {
	b := &pgx.Batch{}
	b.Queue(sql)
	b.QueuedQueries = append(b.QueuedQueries, tx.pending.QueuedQueries...)
	tx.pending = b
}

func (tx *Tx) send(b *pgx.Batch) error {
	tx.pending = &pgx.Batch{}
	if b.Len() == 0 {
		return nil
	}
	err := tx.conn.Raw(func(driverConn any) error {
		conn := driverConn.(*stdlib.Conn).Conn()
		return conn.SendBatch(tx.ctx, b).Close()
	})
	if err != nil && tx.failed == nil {
		tx.failed = err
	}
	return err
}

// end commits (err nil) or rolls back what fn did.
func (tx *Tx) end(fnErr error) error {
	if fnErr == nil {
		fnErr = tx.failed
	}
	if fnErr != nil {
		if tx.began {
			rctx, cancel := context.WithTimeout(context.WithoutCancel(tx.ctx), 5*time.Second)
			defer cancel()
			_ = tx.conn.Raw(func(driverConn any) error {
				_, err := driverConn.(*stdlib.Conn).Conn().Exec(rctx, "ROLLBACK")
				return err
			})
		}
		return fnErr
	}
	if len(tx.afterCommit) > 0 && !tx.began {
		tx.prepend("BEGIN") // the statements after COMMIT need the transaction to end before them
		tx.began = true
	}
	committed := false
	if tx.began {
		if aborted := tx.status() == 'E'; aborted {
			// A gorm statement failed and fn went on: COMMIT would quietly roll back.
			return tx.end(errors.New("database: transaction aborted by a failed statement"))
		}
		tx.pending.Queue("COMMIT").Exec(func(tag pgconn.CommandTag) error {
			committed = tag.String() == "COMMIT" // an aborted transaction answers ROLLBACK
			return nil
		})
		tx.pending.QueuedQueries = append(tx.pending.QueuedQueries, tx.afterCommit...)
	}
	if err := tx.send(tx.pending); err != nil {
		if committed {
			// Only what runs after the commit failed (the connection, most likely): the transaction
			// is committed, and a listener that lost its connection resyncs.
			return nil
		}
		if tx.began {
			return tx.end(err)
		}
		return err
	}
	return nil
}

// status is the connection's transaction status: 'I' idle, 'T' in a transaction, 'E' failed.
func (tx *Tx) status() byte {
	var st byte = 'E'
	_ = tx.conn.Raw(func(driverConn any) error {
		st = driverConn.(*stdlib.Conn).Conn().PgConn().TxStatus()
		return nil
	})
	return st
}

// InTenant runs fn in one transaction scoped to tenantID (see Tx). fn's error, or any statement's,
// rolls everything back and is returned unchanged, so callers may use sentinels to say "nothing to
// do". A deadlock or serialization failure reruns fn from the start, up to three times in all: fn
// must keep its state inside (what it read last time is gone).
func (db *DB) InTenant(ctx context.Context, tenantID uuid.UUID, fn func(tx *Tx) error) error {
	if tenantID == uuid.Nil {
		return errors.New("database: InTenant without a tenant")
	}
	return db.run(ctx, tenantID, uuid.Nil, fn)
}

// AsUser is InTenant for a signed-in user: it also sets app.user_id, which lets the user read its
// own row of users. tenantID may be uuid.Nil (no tenant yet, e.g. during log-in); Queue then passes
// NULL as $1.
func (db *DB) AsUser(ctx context.Context, tenantID, userID uuid.UUID, fn func(tx *Tx) error) error {
	return db.run(ctx, tenantID, userID, fn)
}

const maxAttempts = 3

func (db *DB) run(ctx context.Context, tenantID, userID uuid.UUID, fn func(tx *Tx) error) error {
	var err error
	for attempt := 1; ; attempt++ {
		err = db.once(ctx, tenantID, userID, fn)
		if attempt == maxAttempts || !Retryable(err) || ctx.Err() != nil {
			return err
		}
	}
}

// Retryable reports whether err is a deadlock or a serialization failure, after which the same
// transaction may succeed when run again.
func Retryable(err error) bool {
	var pgErr *pgconn.PgError
	return errors.As(err, &pgErr) && (pgErr.Code == CodeDeadlock || pgErr.Code == CodeSerialization)
}

func (db *DB) once(ctx context.Context, tenantID, userID uuid.UUID, fn func(tx *Tx) error) error {
	conn, err := db.sql.Conn(ctx)
	if err != nil {
		return err
	}
	defer conn.Close()
	tx := &Tx{ctx: ctx, tenantID: tenantID, conn: conn, pending: &pgx.Batch{}}
	tenant := ""
	if tenantID != uuid.Nil {
		tenant = tenantID.String()
	}
	if userID == uuid.Nil {
		tx.pending.Queue(`SELECT set_config('app.tenant_id', $1, true)`, tenant)
	} else {
		tx.pending.Queue(`SELECT set_config('app.tenant_id', $1, true), set_config('app.user_id', $2, true)`, tenant, userID.String())
	}
	gctx := ctx
	if tenantID != uuid.Nil {
		gctx = withTenantScope(ctx, tenantID)
	}
	tx.gorm = db.gorm.Session(&gorm.Session{NewDB: true, Context: gctx})
	tx.gorm.Statement.ConnPool = txConnPool{tx}
	return tx.end(fn(tx))
}

// txConnPool is the gorm connection of a Tx: the transaction's connection, which sends what is
// queued (with BEGIN) before gorm's first statement.
type txConnPool struct{ tx *Tx }

func (p txConnPool) flush() {
	if p.tx.pending.Len() > 0 || !p.tx.began {
		_ = p.tx.Send() // a failure aborts the transaction: gorm's statement then fails too, and end returns it
	}
}

func (p txConnPool) PrepareContext(ctx context.Context, query string) (*sql.Stmt, error) {
	p.flush()
	return p.tx.conn.PrepareContext(ctx, query)
}

func (p txConnPool) ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error) {
	p.flush()
	if p.tx.failed != nil {
		return nil, p.tx.failed
	}
	return p.tx.conn.ExecContext(ctx, query, args...)
}

func (p txConnPool) QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	p.flush()
	if p.tx.failed != nil {
		return nil, p.tx.failed
	}
	return p.tx.conn.QueryContext(ctx, query, args...)
}

func (p txConnPool) QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row {
	p.flush()
	return p.tx.conn.QueryRowContext(ctx, query, args...)
}

// QueueRows queues a read of T rows (columns matched to fields by name, see Columns) appended to
// out when the round trip runs. args are $2, $3, … ($1 is the tenant).
func QueueRows[T any](tx *Tx, sql string, args []any, out *[]T) {
	tx.Queue(sql, args...).Query(CollectInto(out))
}

// QueueRowsByKey queues a read of T rows into out, one row per key (e.g. objects by id).
func QueueRowsByKey[T any, K comparable](tx *Tx, sql string, args []any, key func(T) K, out map[K]T) {
	tx.Queue(sql, args...).Query(func(rows pgx.Rows) error {
		var list []T
		err := CollectInto(&list)(rows)
		for _, r := range list {
			out[key(r)] = r
		}
		return err
	})
}

// QueueRowsGrouped queues a read of T rows into out, grouped by key in the order read (e.g. a
// reservation's history).
func QueueRowsGrouped[T any, K comparable](tx *Tx, sql string, args []any, key func(T) K, out map[K][]T) {
	tx.Queue(sql, args...).Query(func(rows pgx.Rows) error {
		var list []T
		err := CollectInto(&list)(rows)
		for _, r := range list {
			out[key(r)] = append(out[key(r)], r)
		}
		return err
	})
}

// QueueUpdateRow queues `UPDATE table SET <set> WHERE tenant_id = $1 AND id = $2` (gorm's
// Model(...).Updates(set) in hand-written form). The column names come from the caller's code, never
// from input; they are sorted so one set of columns is always one statement text (pgx caches
// prepared statements by text).
func QueueUpdateRow(tx *Tx, table string, id uuid.UUID, set map[string]any) *pgx.QueuedQuery {
	if len(set) == 0 {
		panic("database.QueueUpdateRow: nothing to set")
	}
	cols := make([]string, 0, len(set))
	for c := range set {
		cols = append(cols, c)
	}
	sort.Strings(cols)
	args := make([]any, 0, len(set)+1)
	args = append(args, id)
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
	return tx.Queue(sql.String(), args...)
}
