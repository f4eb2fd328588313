// Package events carries changes to live subscribers across instances. A change publishes an Event
// with pg_notify inside the same database transaction as the change itself, so a rolled-back change
// publishes nothing; every instance listens on one dedicated connection and fans events out to its
// own subscribers. Events carry ids only: subscribers read the full, current object again through
// the same tenant-scoped path as queries (and NOTIFY payloads are limited to 8000 bytes).
package events

import (
	"encoding/json"
	"fmt"
	"time"

	"github.com/google/uuid"
	"gorm.io/gorm"
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
	// The time range whose availability changed (for availabilityChanged), if any.
	From time.Time `json:"f,omitzero"`
	To   time.Time `json:"u,omitzero"`
}

// Publish queues e for delivery when tx commits (pg_notify is transactional).
func Publish(tx *gorm.DB, e Event) error {
	payload, err := json.Marshal(e)
	if err != nil {
		return err
	}
	if err := tx.Exec(`SELECT pg_notify(?, ?)`, Channel, string(payload)).Error; err != nil {
		return fmt.Errorf("publish %s: %w", e.Kind, err)
	}
	return nil
}

// Decode parses a NOTIFY payload.
func Decode(payload string) (Event, error) {
	var e Event
	err := json.Unmarshal([]byte(payload), &e)
	return e, err
}
