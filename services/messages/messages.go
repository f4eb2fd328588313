// Package messages sends a business's e-mails and SMS: a transactional outbox and its delivery log.
//
// A change that causes a message records it with Record (or RecordForReservation) inside the
// change's own database.Tx: the INSERT is queued into the transaction's round trips, so a rolled-back
// change sends nothing and a committed one cannot be forgotten. A relay on every instance moves due
// rows into River jobs (one job per message and hand-over, in one transaction with the claim); the
// job's worker renders the message (templates registered per kind, a business's own wording, its
// language), marks it SENDING in a committed statement, hands it to its Channel (e-mail over SMTP,
// SMS) and records the result. A job that finds its message SENDING — an earlier run stopped
// between the hand-over and its result — never sends again: the outcome is UNKNOWN, which the log
// shows and staff may resend. Retries back off; after the last attempt a message is DEAD (River
// discards its job).
package messages

import (
	"encoding/json"
	"fmt"
	"time"

	"github.com/google/uuid"

	"github.com/slotpay/slotpay/services/apperr"
	"github.com/slotpay/slotpay/services/database"
)

// Kind is what a message is; it names its template (Register).
type Kind string

// ChannelName names a delivery channel.
type ChannelName string

// The channels.
const (
	Email ChannelName = "EMAIL"
	SMS   ChannelName = "SMS"
)

// Audience is who a message is for.
type Audience string

// Audiences.
const (
	// Customer: the customer of the message's reservation.
	Customer Audience = "CUSTOMER"
	// Staff: a staff member (the one the reservation is with).
	Staff Audience = "STAFF"
	// Owner: the business's owners.
	Owner Audience = "OWNER"
)

// Status is where a message is in its delivery.
type Status string

// Statuses.
const (
	Queued  Status = "QUEUED"  // waiting for its time or a worker (also between retries)
	Sending Status = "SENDING" // handed to the channel, no result recorded yet
	Sent    Status = "SENT"    // the channel accepted it
	Failed  Status = "FAILED"  // the last attempt failed; it is retried
	Dead    Status = "DEAD"    // every attempt failed; not retried (resend by hand)
	// Unknown: a run stopped between handing it over and recording the result; it may or may not
	// have gone out, so it is never sent again by itself.
	Unknown Status = "UNKNOWN"
	// Cancelled: no longer wanted (a reminder of a visit cancelled or moved).
	Cancelled Status = "CANCELLED"
	// Skipped: nothing to send at delivery (the reservation no longer needs it, no recipient).
	Skipped Status = "SKIPPED"
)

// Errors of this domain.
var (
	ErrMessageNotFound = apperr.New(apperr.NotFound, "message not found")
	ErrNotResendable   = apperr.New(apperr.Conflict, "this message is still being delivered").WithReason(apperr.NotAllowed)
)

// Message is one message to record. Recipient and Locale are required; ID, ScheduledAt (now) and
// Data are optional.
type Message struct {
	ID            uuid.UUID
	Kind          Kind
	Channel       ChannelName
	Audience      Audience
	Recipient     string
	RecipientName string
	// Locale is "pl" or "en" (Locale picks one from a customer's or business's tag).
	Locale        string
	ReservationID *uuid.UUID
	PaymentID     *uuid.UUID
	// Data is what the template needs beyond the reservation and payment read at delivery (a
	// refund amount, a URL): small, never a secret (it is stored and shown to staff).
	Data map[string]string
	// ScheduledAt is when it may be sent at the earliest (zero: at once).
	ScheduledAt time.Time
	// DedupeKey: at most one live (not cancelled) message per key in the business; a second Record
	// with the same key records nothing.
	DedupeKey string
	ResendOf  *uuid.UUID
	// Sensitive: Data holds a secret (a sign-in link): it is emptied once the message is delivered
	// (or given up), never shown, and the message cannot be resent.
	Sensitive bool
}

// insertColumns are the columns Record writes ($1 the tenant, then messageArgs: $2…$14 in order, $15
// now for created_at and updated_at, $16 sensitive).
const insertColumns = `tenant_id, id, kind, channel, audience, recipient, recipient_name, locale, reservation_id, payment_id,
	data, scheduled_at, dedupe_key, resend_of, sensitive, status, created_at, updated_at`

const onConflict = ` ON CONFLICT (tenant_id, dedupe_key) WHERE dedupe_key IS NOT NULL AND status <> 'CANCELLED' DO NOTHING`

// Record queues the insert of m into tx's next round trip (nothing is sent at once): the message
// exists when tx commits and never if it rolls back.
func Record(tx *database.Tx, m Message, now time.Time) error {
	args, err := messageArgs(m, now)
	if err != nil {
		return err
	}
	tx.Queue(`INSERT INTO messages (`+insertColumns+`) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $16, 'QUEUED', $15, $15)`+onConflict, args...)
	return nil
}

func messageArgs(m Message, now time.Time) ([]any, error) {
	if m.Kind == "" || m.Channel == "" || m.Audience == "" {
		return nil, fmt.Errorf("record message: kind, channel and audience are required")
	}
	if m.Recipient == "" {
		return nil, fmt.Errorf("record %s: no recipient", m.Kind)
	}
	if m.Locale != "pl" && m.Locale != "en" {
		m.Locale = Locale(m.Locale, "")
	}
	if m.ID == uuid.Nil {
		m.ID = uuid.New()
	}
	if m.ScheduledAt.IsZero() {
		m.ScheduledAt = now
	}
	data := m.Data
	if data == nil {
		data = map[string]string{}
	}
	raw, err := json.Marshal(data)
	if err != nil {
		return nil, err
	}
	return []any{m.ID, string(m.Kind), string(m.Channel), string(m.Audience), m.Recipient, nullable(m.RecipientName), m.Locale,
		m.ReservationID, m.PaymentID, string(raw), m.ScheduledAt.UTC(), nullable(m.DedupeKey), m.ResendOf, now.UTC(), m.Sensitive}, nil
}

func nullable(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

// Locale is the language of a message: the customer's tag ("pl-PL", "en"), else the business's,
// reduced to one this package writes in (Polish unless it is English).
func Locale(customer, business string) string {
	for _, tag := range []string{customer, business} {
		if len(tag) >= 2 {
			switch tag[:2] {
			case "en", "EN", "En":
				return "en"
			case "pl", "PL", "Pl":
				return "pl"
			}
		}
	}
	return "pl"
}
