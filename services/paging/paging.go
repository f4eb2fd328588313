// Package paging is the one keyset pagination of slotpay's lists: Relay's first/after and
// last/before over an ordering that ends in a unique id, opaque cursors, page sizes of 1 to 100,
// hasNextPage/hasPreviousPage, and a total count read only when asked for. Every domain's list that
// can grow pages through it, in one round trip of its tenant transaction.
//
// The pure parts (Parse, cursors, the statements, the page's trimming) have table tests beside
// them; QueuePage puts them into a database.Tx.
package paging

import (
	"encoding/base64"
	"encoding/json"
	"time"

	"github.com/google/uuid"

	"github.com/slotpay/slotpay/services/apperr"
)

// MaxSize is the largest page; DefaultSize is a page's size when neither first nor last is given.
const (
	MaxSize     = 100
	DefaultSize = 20
)

// Args are a connection field's arguments as the client sent them (nil when left out), and
// whether its totalCount was selected (the edge looks at the selection, so an unselected count
// costs nothing).
type Args struct {
	First, Last   *int
	After, Before *string
	Total         bool
}

// Request is a validated page request: Size rows after After and before Before (either may be nil),
// counted from the end (last/before) when Backward. WithTotal asks for the total count too (the edge
// sets it when totalCount is selected).
type Request struct {
	Size          int
	Backward      bool
	After, Before *Cursor
	WithTotal     bool
}

// Cursor is a position in one ordering: the row's value of the ordering's column and its id.
type Cursor struct {
	Order string    `json:"o"`
	Value string    `json:"v"`
	ID    uuid.UUID `json:"i"`
}

// Encode makes the opaque cursor a client passes back as after or before.
func (c Cursor) Encode() string {
	b, _ := json.Marshal(c)
	return base64.RawURLEncoding.EncodeToString(b)
}

func decodeCursor(s string) (Cursor, error) {
	var c Cursor
	raw, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil {
		return c, err
	}
	err = json.Unmarshal(raw, &c)
	return c, err
}

// Parse validates a: first and last are 1 to 100 and not both given; a cursor must be one of this
// ordering's (a cursor of another ordering, or of another list, is INVALID_FORMAT). Every problem is
// reported at once, each as BAD_USER_INPUT naming its argument. With neither first nor last the page
// is the first DefaultSize rows.
func Parse(a Args, o Ordering) (Request, error) {
	var problems apperr.Problems
	r := Request{Size: DefaultSize, WithTotal: a.Total}
	size := func(n *int, field string) {
		if n == nil {
			return
		}
		if *n < 1 || *n > MaxSize {
			problems.Add(apperr.Input(field, apperr.OutOfRange, field+" must be between 1 and 100").With("min", 1).With("max", MaxSize))
			return
		}
		r.Size = *n
	}
	size(a.First, "first")
	size(a.Last, "last")
	if a.First != nil && a.Last != nil {
		problems.Add(apperr.Input("last", apperr.Inconsistent, "first and last cannot be used together"))
	}
	r.Backward = a.Last != nil
	cursor := func(s *string, field string) *Cursor {
		if s == nil {
			return nil
		}
		c, err := decodeCursor(*s)
		if err == nil && c.Order == o.Name {
			_, err = o.Kind.parse(c.Value)
		}
		if err != nil || c.Order != o.Name {
			problems.Add(apperr.Input(field, apperr.InvalidFormat, "invalid cursor"))
			return nil
		}
		return &c
	}
	r.After = cursor(a.After, "after")
	r.Before = cursor(a.Before, "before")
	if err := problems.Err(); err != nil {
		return Request{}, err
	}
	return r, nil
}

// Kind is the type of an ordering's column, which says how its value is written in a cursor.
type Kind int

const (
	// Time is a timestamptz column, in cursors as RFC 3339 with nanoseconds, UTC.
	Time Kind = iota
	// Text is a text column, in cursors as it is.
	Text
)

func (k Kind) parse(v string) (any, error) {
	if k == Time {
		return time.Parse(time.RFC3339Nano, v)
	}
	return v, nil
}

// Ordering is one order of a list: by Column (NOT NULL), ties broken by the unique Tie column
// (the row's id), ascending or Desc. Name identifies it in cursors, so a cursor of one ordering is
// refused by another.
type Ordering struct {
	Name   string
	Column string
	Tie    string
	Desc   bool
	Kind   Kind
}

// CursorOf is the cursor of a row whose ordering value is v (a time.Time or a string) and id id.
func (o Ordering) CursorOf(v any, id uuid.UUID) Cursor {
	c := Cursor{Order: o.Name, ID: id}
	switch v := v.(type) {
	case time.Time:
		c.Value = v.UTC().Format(time.RFC3339Nano)
	case string:
		c.Value = v
	}
	return c
}
