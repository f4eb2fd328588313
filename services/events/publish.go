// Package events carries changes to live subscribers across instances. A change publishes an Event
// with pg_notify right after the database transaction of the change commits, in the same round trip
// (database.Tx.QueueAfterCommit), so a rolled-back change publishes nothing and a committed one is
// notified without holding PostgreSQL's notification lock across its commit; every instance listens on one dedicated connection and fans events out to its
// own subscribers. Events carry ids only: subscribers read the full, current object again through
// the same tenant-scoped path as queries (and NOTIFY payloads are limited to 8000 bytes).
package events

import (
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/slotpay/slotpay/services/database"
)

// Channel is the PostgreSQL NOTIFY channel all slotpay events travel on.
const Channel = "slotpay_events"

// Kind says what happened.
type Kind string

// Kinds of events.
const (
	ReservationCreated Kind = "RESERVATION_CREATED"
	ReservationUpdated Kind = "RESERVATION_UPDATED"
	PaymentUpdated     Kind = "PAYMENT_UPDATED"
	// AvailabilityChanged: working hours, time off or a service changed (no reservation): widgets
	// showing slots of that staff member or service refetch.
	AvailabilityChanged Kind = "AVAILABILITY_CHANGED"
	// MembershipChanged: a member's role changed or the member was removed (UserID says who).
	// Every instance re-reads that member's membership for its open WebSocket connections.
	MembershipChanged Kind = "MEMBERSHIP_CHANGED"
	// Resync is never published: a listener sends it to its subscribers after it lost and regained
	// its connection, since events may have been missed meanwhile.
	Resync Kind = "RESYNC"
)

// Event is one change in one tenant.
type Event struct {
	Kind          Kind      `json:"k"`
	TenantID      uuid.UUID `json:"t"`
	ReservationID uuid.UUID `json:"r,omitzero"`
	PaymentID     uuid.UUID `json:"p,omitzero"`
	ServiceID     uuid.UUID `json:"s,omitzero"`
	StaffMemberID uuid.UUID `json:"m,omitzero"`
	// UserID is the account a MembershipChanged event is about.
	UserID uuid.UUID `json:"a,omitzero"`
	// The time range whose availability changed (for availabilityChanged), if any.
	From time.Time `json:"f,omitzero"`
	To   time.Time `json:"u,omitzero"`
}

// ErrInvalidEvent reports an event without a tenant or kind, or a Resync on the wire: such an event
// could be delivered to nobody (no tenant) or to everybody (Resync), so it is refused at both ends.
var ErrInvalidEvent = errors.New("invalid event")

func (e Event) validate() error {
	switch {
	case e.Kind == "":
		return fmt.Errorf("%w: no kind", ErrInvalidEvent)
	case e.Kind == Resync:
		return fmt.Errorf("%w: %s is sent by listeners, never published", ErrInvalidEvent, Resync)
	case e.TenantID == uuid.Nil:
		return fmt.Errorf("%w: no tenant", ErrInvalidEvent)
	}
	return nil
}

// Publish queues evs for delivery when tx commits: one pg_notify per event, in order, as one
// statement right after tx's COMMIT in its round trip, which PostgreSQL skips when the transaction
// fails (a rolled-back change publishes nothing). Not inside the transaction: a notifying commit
// holds PostgreSQL's cluster-wide notification lock through its WAL flush, and every other
// notifying commit waits for it (database.Tx.QueueAfterCommit).
// Every event must belong to tx's tenant. PostgreSQL folds identical payloads sent on one channel
// within one transaction into one notification, which is harmless here: subscribers read the
// current object again anyway.
func Publish(tx *database.Tx, evs ...Event) error {
	for _, e := range evs {
		if e.TenantID != tx.TenantID() {
			return fmt.Errorf("publish %s: %w: event of tenant %s in a transaction of %s", e.Kind, ErrInvalidEvent, e.TenantID, tx.TenantID())
		}
	}
	sql, args, err := notifications(evs)
	if err != nil || sql == "" {
		return err
	}
	// $1 is the transaction's tenant (database.Tx passes it to every statement); the events
	// carry it in their payloads, so the statement only has to use it.
	tx.QueueAfterCommit(sql+" WHERE $1::uuid IS NOT NULL", append([]any{Channel}, args...)...)
	return nil
}

// notifications is `SELECT pg_notify($2, $3), pg_notify($2, $4), …` for evs ($1 is the tenant, $2
// the channel), and the payload arguments.
func notifications(evs []Event) (string, []any, error) {
	if len(evs) == 0 {
		return "", nil, nil
	}
	var args []any
	var sql strings.Builder
	sql.WriteString("SELECT ")
	for i, e := range evs {
		if err := e.validate(); err != nil {
			return "", nil, fmt.Errorf("publish: %w", err)
		}
		payload, err := json.Marshal(e)
		if err != nil {
			return "", nil, err
		}
		if i > 0 {
			sql.WriteString(", ")
		}
		sql.WriteString("pg_notify($2, $" + strconv.Itoa(3+i) + ")")
		args = append(args, string(payload))
	}
	return sql.String(), args, nil
}

// Decode parses a NOTIFY payload. Anyone allowed to NOTIFY on the channel can send one, so it is
// validated as Publish validates; kinds this version does not know are kept (a newer instance may
// publish them during a rolling deploy) and subscribers ignore what they do not handle.
func Decode(payload string) (Event, error) {
	var e Event
	if err := json.Unmarshal([]byte(payload), &e); err != nil {
		return Event{}, fmt.Errorf("%w: %w", ErrInvalidEvent, err)
	}
	if err := e.validate(); err != nil {
		return Event{}, err
	}
	return e, nil
}
