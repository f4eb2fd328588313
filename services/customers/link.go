package customers

import (
	"time"

	"github.com/google/uuid"

	"github.com/slotpay/slotpay/services/database"
)

// A booking links its reservation to a customer inside its own transaction, in its two round
// trips (services/booking): QueueCandidates joins the reads of the first, Link decides in Go, and
// Link.Queue joins the writes of the second. The candidates are locked (FOR KEY SHARE) so that a
// merge cannot delete the chosen record before the reservation points at it.

// Person is who a booking is for, as typed (validated by the booking).
type Person struct {
	Name, Email, Phone string
}

// Lookup is what QueueCandidates reads for one booking.
type Lookup struct {
	email, phone string
	candidates   []Candidate
}

// QueueCandidates queues the read of the customers of tx's business that person's e-mail or phone
// matches, oldest first, into the returned Lookup (filled when the round trip has run).
func QueueCandidates(tx *database.Tx, person Person) *Lookup {
	l := &Lookup{email: NormalizeEmail(person.Email), phone: NormalizePhone(person.Phone)}
	database.QueueRows(tx, `SELECT id, email_normalized, phone_normalized FROM customers
		WHERE tenant_id = $1 AND (email_normalized = $2 OR phone_normalized = nullif($3, ''))
		ORDER BY created_at, id LIMIT 20 FOR KEY SHARE`, []any{l.email, l.phone}, &l.candidates)
	return l
}

// Link is the decision of one booking: an existing customer (ID) or a new one.
type Link struct {
	// ID is the customer matched; uuid.Nil when a new one is to be created.
	ID uuid.UUID
	// EmailNormalized names the new customer (or the one a concurrent booking created first).
	EmailNormalized string
	phone           string
}

// Decide chooses the customer of a booking from what l read (Choose).
func (l *Lookup) Decide() Link {
	id, _ := Choose(l.candidates, l.email, l.phone)
	return Link{ID: id, EmailNormalized: l.email, phone: l.phone}
}

// Queue queues the creation of the customer when none matched. Two first bookings of one address
// at once meet on the unique (business, e-mail) index: the second inserts nothing and both
// reservations link to the first's record (CustomerIDSQL reads it back by e-mail).
func (k Link) Queue(tx *database.Tx, person Person, now time.Time) {
	if k.ID != uuid.Nil {
		return
	}
	var phone, phoneNormalized *string
	if person.Phone != "" {
		phone, phoneNormalized = &person.Phone, &k.phone
	}
	tx.Queue(`INSERT INTO customers (tenant_id, id, name, email, email_normalized, phone, phone_normalized, created_at, updated_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8)
		ON CONFLICT (tenant_id, email_normalized) DO NOTHING`,
		uuid.New(), person.Name, person.Email, k.EmailNormalized, phone, phoneNormalized, now)
}

// CustomerIDSQL is the SQL expression of the linked customer's id in a statement of the same
// transaction, after Queue: $idParam is Link.ID (NULL for a new customer), $emailParam
// Link.EmailNormalized, $1 the business.
func CustomerIDSQL(idParam, emailParam string) string {
	return `coalesce(` + idParam + `::uuid, (SELECT c.id FROM customers c WHERE c.tenant_id = $1 AND c.email_normalized = ` + emailParam + `))`
}

// IDArg is Link.ID as the statement argument CustomerIDSQL expects.
func (k Link) IDArg() *uuid.UUID {
	if k.ID == uuid.Nil {
		return nil
	}
	return &k.ID
}
