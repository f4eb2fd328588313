package paging

import (
	"slices"
	"strconv"
	"strings"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/slotpay/slotpay/services/database"
)

// Filter is a list's WHERE conditions with their arguments, numbered from $2 ($1 is the tenant, as
// database.Tx passes it). Start it with the tenant's condition: Filter{}.Where("tenant_id = $1").
type Filter struct {
	conds []string
	args  []any
}

// Where adds cond, whose ? placeholders take vals in order.
func (f *Filter) Where(cond string, vals ...any) {
	for _, v := range vals {
		f.args = append(f.args, v)
		cond = strings.Replace(cond, "?", "$"+strconv.Itoa(len(f.args)+1), 1)
	}
	f.conds = append(f.conds, cond)
}

// Statement is one SQL text with its arguments ($2, $3, …).
type Statement struct {
	SQL  string
	Args []any
}

// Statements returns the statement of a page of table (columns as given) under f, in o, for r —
// Size+1 rows, so that one more row says there is a next (or, backward, a previous) page — and the
// statement counting every row under f, cursors aside.
func Statements(columns, table string, f Filter, o Ordering, r Request) (page, count Statement) {
	count = Statement{SQL: "SELECT count(*) FROM " + table + where(f.conds), Args: f.args}
	keyset := f
	keyset.conds = slices.Clone(f.conds)
	keyset.args = slices.Clone(f.args)
	// after: the rows following the cursor in o; before: those preceding it.
	for _, b := range []struct {
		c     *Cursor
		after bool
	}{{r.After, true}, {r.Before, false}} {
		if b.c == nil {
			continue
		}
		op := ">"
		if b.after == o.Desc {
			op = "<"
		}
		v, _ := o.Kind.parse(b.c.Value) // Parse checked it
		keyset.Where("("+o.Column+", "+o.Tie+") "+op+" (?, ?)", v, b.c.ID)
	}
	dir := "ASC"
	if o.Desc != r.Backward { // backward reads from the end, reversed afterwards
		dir = "DESC"
	}
	keyset.args = append(keyset.args, r.Size+1)
	page = Statement{
		SQL: "SELECT " + columns + " FROM " + table + where(keyset.conds) +
			" ORDER BY " + o.Column + " " + dir + ", " + o.Tie + " " + dir + " LIMIT $" + strconv.Itoa(len(keyset.args)+1),
		Args: keyset.args,
	}
	return page, count
}

func where(conds []string) string {
	if len(conds) == 0 {
		return ""
	}
	return " WHERE " + strings.Join(conds, " AND ")
}

// Page is one page of rows in their ordering, with the cursor of each row.
type Page[T any] struct {
	Rows            []T
	Cursors         []string
	HasNextPage     bool
	HasPreviousPage bool
	// TotalCount is the number of rows under the list's filter, cursors aside; read only when the
	// request asked for it (Request.WithTotal).
	TotalCount int
}

// Key returns a row's value of the ordering's column (time.Time or string) and its tie-breaking id.
type Key[T any] func(*T) (any, uuid.UUID)

// finish turns the Size+1 rows read for r into the page: the extra row only tells that more
// follow (backward: precede), backward rows are put back in order, and a given cursor tells that
// rows lie on its side (Relay's hasPreviousPage with after, hasNextPage with before).
func finish[T any](rows []T, o Ordering, r Request, key Key[T]) Page[T] {
	p := Page[T]{Rows: rows}
	more := len(rows) > r.Size
	if more {
		p.Rows = rows[:r.Size]
	}
	if r.Backward {
		slices.Reverse(p.Rows)
		p.HasPreviousPage, p.HasNextPage = more, r.Before != nil
	} else {
		p.HasNextPage, p.HasPreviousPage = more, r.After != nil
	}
	p.Cursors = make([]string, len(p.Rows))
	for i := range p.Rows {
		v, id := key(&p.Rows[i])
		p.Cursors[i] = o.CursorOf(v, id).Encode()
	}
	return p
}

// Order is an ordering of a list of T with the way to read a row's position in it.
type Order[T any] struct {
	Ordering
	Key Key[T]
}

// Orders are a list's orderings by the domain's name for them; the one named "" is the default.
type Orders[T any] map[string]Order[T]

// Pick is the ordering named name, or the default when there is none by that name.
func (os Orders[T]) Pick(name string) Order[T] {
	if o, ok := os[name]; ok {
		return o
	}
	return os[""]
}

// QueuePage queues the page's read (and its count when r asks for it) into tx; out is set when the
// round trip runs. table is read with T's columns (database.Columns).
func QueuePage[T any](tx *database.Tx, table string, f Filter, o Order[T], r Request, out *Page[T]) {
	QueuePageOf(tx, database.Columns[T](), table, f, o, r, out)
}

// QueuePageOf is QueuePage reading columns (e.g. qualified ones of a join) from table.
func QueuePageOf[T any](tx *database.Tx, columns, table string, f Filter, o Order[T], r Request, out *Page[T]) {
	page, count := Statements(columns, table, f, o.Ordering, r)
	tx.Queue(page.SQL, page.Args...).Query(func(rows pgx.Rows) error {
		var got []T
		if err := database.CollectInto(&got)(rows); err != nil {
			return err
		}
		*out = finish(got, o.Ordering, r, o.Key) // the count, queued after, is scanned after this
		return nil
	})
	if r.WithTotal {
		tx.Queue(count.SQL, count.Args...).QueryRow(func(row pgx.Row) error { return row.Scan(&out.TotalCount) })
	}
}

// By is the ordering name of a list by column (of kind), ties broken by the id column.
func By[T any](name, column string, kind Kind, desc bool, key Key[T]) Order[T] {
	return Order[T]{Ordering: Ordering{Name: name, Column: column, Tie: "id", Kind: kind, Desc: desc}, Key: key}
}
