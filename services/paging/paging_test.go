package paging

import (
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/slotpay/slotpay/services/apperr"
)

var byStart = Ordering{Name: "test.startsAt", Column: "starts_at", Tie: "id", Kind: Time}

func intp(n int) *int       { return &n }
func strp(s string) *string { return &s }
func at(min int) time.Time  { return time.Date(2026, 12, 7, 8, min, 0, 123456000, time.UTC) }
func idOf(n byte) uuid.UUID { return uuid.UUID{15: n} }
func cursorAt(n int) string { return byStart.CursorOf(at(n), idOf(byte(n))).Encode() }

func TestParse(t *testing.T) {
	other := Ordering{Name: "test.name", Column: "name", Tie: "id", Kind: Text}
	type problem struct {
		field  string
		reason apperr.Reason
	}
	cases := []struct {
		name     string
		args     Args
		size     int
		backward bool
		problems []problem
	}{
		{name: "defaults", args: Args{}, size: DefaultSize},
		{name: "first", args: Args{First: intp(5), After: strp(cursorAt(1))}, size: 5},
		{name: "last", args: Args{Last: intp(7), Before: strp(cursorAt(1))}, size: 7, backward: true},
		{name: "both cursors", args: Args{First: intp(3), After: strp(cursorAt(1)), Before: strp(cursorAt(9))}, size: 3},
		{name: "bounds", args: Args{First: intp(1)}, size: 1},
		{name: "max", args: Args{Last: intp(100)}, size: 100, backward: true},
		{name: "first zero", args: Args{First: intp(0)}, problems: []problem{{"first", apperr.OutOfRange}}},
		{name: "last too big", args: Args{Last: intp(101)}, problems: []problem{{"last", apperr.OutOfRange}}},
		{name: "first and last", args: Args{First: intp(2), Last: intp(2)}, problems: []problem{{"last", apperr.Inconsistent}}},
		{name: "garbage cursor", args: Args{After: strp("%%%")}, problems: []problem{{"after", apperr.InvalidFormat}}},
		{name: "not json", args: Args{Before: strp("bm9wZQ")}, problems: []problem{{"before", apperr.InvalidFormat}}},
		{name: "another ordering's cursor", args: Args{After: strp(other.CursorOf("Ann", idOf(1)).Encode())},
			problems: []problem{{"after", apperr.InvalidFormat}}},
		{name: "bad time in cursor", args: Args{After: strp(Cursor{Order: byStart.Name, Value: "yesterday"}.Encode())},
			problems: []problem{{"after", apperr.InvalidFormat}}},
		{name: "all at once", args: Args{First: intp(-1), Last: intp(500), After: strp("x"), Before: strp("y")},
			problems: []problem{{"first", apperr.OutOfRange}, {"last", apperr.OutOfRange}, {"last", apperr.Inconsistent},
				{"after", apperr.InvalidFormat}, {"before", apperr.InvalidFormat}}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r, err := Parse(tc.args, byStart)
			var got []problem
			for _, e := range apperr.Each(err) {
				if e == nil {
					continue
				}
				var ae *apperr.Error
				if !errors.As(e, &ae) || ae.Code != apperr.BadUserInput {
					t.Fatalf("error %v is not BAD_USER_INPUT", e)
				}
				got = append(got, problem{ae.Field, ae.Reason})
			}
			if !slices.Equal(got, tc.problems) {
				t.Fatalf("problems %v, want %v", got, tc.problems)
			}
			if err != nil {
				return
			}
			if r.Size != tc.size || r.Backward != tc.backward {
				t.Fatalf("request %+v, want size %d backward %v", r, tc.size, tc.backward)
			}
			if (tc.args.After != nil) != (r.After != nil) || (tc.args.Before != nil) != (r.Before != nil) {
				t.Fatalf("cursors %+v", r)
			}
		})
	}
}

func TestCursorRoundTrip(t *testing.T) {
	r, err := Parse(Args{After: strp(cursorAt(3))}, byStart)
	if err != nil {
		t.Fatal(err)
	}
	v, _ := byStart.Kind.parse(r.After.Value)
	if !v.(time.Time).Equal(at(3)) || r.After.ID != idOf(3) {
		t.Fatalf("cursor decoded as %+v", r.After)
	}
}

func TestStatements(t *testing.T) {
	desc := byStart
	desc.Desc = true
	after := &Cursor{Order: byStart.Name, Value: at(1).Format(time.RFC3339Nano), ID: idOf(1)}
	before := &Cursor{Order: byStart.Name, Value: at(9).Format(time.RFC3339Nano), ID: idOf(9)}
	cases := []struct {
		name  string
		o     Ordering
		r     Request
		want  string
		nargs int
	}{
		{"first page", byStart, Request{Size: 10},
			"SELECT a, b FROM t WHERE tenant_id = $1 AND status = $2 ORDER BY starts_at ASC, id ASC LIMIT $3", 2},
		{"after", byStart, Request{Size: 10, After: after},
			"SELECT a, b FROM t WHERE tenant_id = $1 AND status = $2 AND (starts_at, id) > ($3, $4) ORDER BY starts_at ASC, id ASC LIMIT $5", 4},
		{"last before", byStart, Request{Size: 10, Backward: true, Before: before},
			"SELECT a, b FROM t WHERE tenant_id = $1 AND status = $2 AND (starts_at, id) < ($3, $4) ORDER BY starts_at DESC, id DESC LIMIT $5", 4},
		{"desc after", desc, Request{Size: 10, After: after},
			"SELECT a, b FROM t WHERE tenant_id = $1 AND status = $2 AND (starts_at, id) < ($3, $4) ORDER BY starts_at DESC, id DESC LIMIT $5", 4},
		{"desc last between", desc, Request{Size: 10, Backward: true, After: before, Before: after},
			"SELECT a, b FROM t WHERE tenant_id = $1 AND status = $2 AND (starts_at, id) < ($3, $4) AND (starts_at, id) > ($5, $6) ORDER BY starts_at ASC, id ASC LIMIT $7", 6},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var f Filter
			f.Where("tenant_id = $1")
			f.Where("status = ?", "CONFIRMED")
			page, count := Statements("a, b", "t", f, tc.o, tc.r)
			if page.SQL != tc.want {
				t.Fatalf("page\n got %s\nwant %s", page.SQL, tc.want)
			}
			if len(page.Args) != tc.nargs || page.Args[len(page.Args)-1] != tc.r.Size+1 {
				t.Fatalf("page args %v", page.Args)
			}
			if count.SQL != "SELECT count(*) FROM t WHERE tenant_id = $1 AND status = $2" || len(count.Args) != 1 {
				t.Fatalf("count %s %v", count.SQL, count.Args)
			}
		})
	}
}

type row struct {
	at time.Time
	id uuid.UUID
}

func rowsAt(ns ...int) []row {
	out := make([]row, len(ns))
	for i, n := range ns {
		out[i] = row{at(n), idOf(byte(n))}
	}
	return out
}

func TestFinishPage(t *testing.T) {
	key := func(r *row) (any, uuid.UUID) { return r.at, r.id }
	c := &Cursor{}
	cases := []struct {
		name       string
		read       []row
		r          Request
		want       []int
		next, prev bool
	}{
		{"first page, more", rowsAt(1, 2, 3), Request{Size: 2}, []int{1, 2}, true, false},
		{"first page, last", rowsAt(1, 2), Request{Size: 2}, []int{1, 2}, false, false},
		{"after, more", rowsAt(3, 4, 5), Request{Size: 2, After: c}, []int{3, 4}, true, true},
		{"after, end", rowsAt(5), Request{Size: 2, After: c}, []int{5}, false, true},
		{"last, more before", rowsAt(9, 8, 7), Request{Size: 2, Backward: true}, []int{8, 9}, false, true},
		{"last before, start", rowsAt(2, 1), Request{Size: 2, Backward: true, Before: c}, []int{1, 2}, true, false},
		{"empty", nil, Request{Size: 5}, []int{}, false, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			p := finish(tc.read, byStart, tc.r, key)
			got := []int{}
			for _, r := range p.Rows {
				got = append(got, int(r.id[15]))
			}
			if !slices.Equal(got, tc.want) || p.HasNextPage != tc.next || p.HasPreviousPage != tc.prev {
				t.Fatalf("rows %v next %v prev %v, want %v %v %v", got, p.HasNextPage, p.HasPreviousPage, tc.want, tc.next, tc.prev)
			}
			for i, r := range p.Rows {
				if p.Cursors[i] != byStart.CursorOf(r.at, r.id).Encode() {
					t.Fatalf("cursor %d", i)
				}
			}
		})
	}
}
