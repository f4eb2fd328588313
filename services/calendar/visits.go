package calendar

import (
	"fmt"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/slotpay/slotpay/models"
	"github.com/slotpay/slotpay/services/database"
)

// Visit is a reservation as a calendar shows it: the columns read for its event.
type Visit struct {
	ID               uuid.UUID
	StaffMemberID    uuid.UUID
	StartsAt         time.Time
	EndsAt           time.Time
	Status           models.ReservationStatus
	HoldExpiresAt    *time.Time
	CalendarSequence int
	CustomerName     string
	CustomerEmail    string
	CustomerPhone    string
	Note             string
	CreatedAt        time.Time
	UpdatedAt        time.Time
	ServiceName      string
	StaffName        string
}

// Business is what an event says of the business: its name, zone, address and contact.
type Business struct {
	ID           uuid.UUID
	Name         string
	Slug         string
	TimeZone     string
	AddressLine1 *string
	AddressLine2 *string
	City         *string
	PostalCode   *string
	Country      *string
	ContactEmail *string
}

// Address is the business's address on one line ("" when not given).
func (b *Business) Address() string {
	var parts []string
	for _, p := range []*string{b.AddressLine1, b.AddressLine2} {
		if p != nil && *p != "" {
			parts = append(parts, *p)
		}
	}
	city := strings.TrimSpace(strings.Join([]string{deref(b.PostalCode), deref(b.City)}, " "))
	if city != "" {
		parts = append(parts, city)
	}
	if c := deref(b.Country); c != "" {
		parts = append(parts, c)
	}
	return strings.Join(parts, ", ")
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

const visitColumns = `r.id, r.staff_member_id, r.starts_at, r.ends_at, r.status, r.hold_expires_at, r.calendar_sequence,
	r.customer_name, r.customer_email, coalesce(r.customer_phone, '') AS customer_phone, coalesce(r.note, '') AS note,
	r.created_at, r.updated_at, s.name AS service_name, m.name AS staff_name
	FROM reservations r
	JOIN services s ON s.tenant_id = r.tenant_id AND s.id = r.service_id
	JOIN staff_members m ON m.tenant_id = r.tenant_id AND m.id = r.staff_member_id`

// queueBusiness queues the read of tx's business into out.
func queueBusiness(tx *database.Tx, out *[]Business) {
	database.QueueRows(tx, `SELECT id, name, slug, time_zone, address_line1, address_line2, city, postal_code, country, contact_email
		FROM tenants WHERE id = $1`, nil, out)
}

// queueVisit queues the read of one reservation into out.
func queueVisit(tx *database.Tx, id uuid.UUID, out *[]Visit) {
	database.QueueRows(tx, `SELECT `+visitColumns+` WHERE r.tenant_id = $1 AND r.id = $2`, []any{id}, out)
}

// FeedLimit caps a feed's events: a business with more visits in the window gets the earliest.
const FeedLimit = 5000

// queueFeedVisits queues the visits of a feed's window (staffID nil: the whole business), in time
// order: what holds or held a slot, never what was cancelled, declined or expired.
func queueFeedVisits(tx *database.Tx, staffID *uuid.UUID, from, to time.Time, out *[]Visit) {
	database.QueueRows(tx, `SELECT `+visitColumns+`
		WHERE r.tenant_id = $1 AND r.starts_at >= $2 AND r.starts_at < $3 AND ($4::uuid IS NULL OR r.staff_member_id = $4)
		  AND r.status IN ('REQUESTED', 'PENDING_PAYMENT', 'CONFIRMED', 'COMPLETED', 'NO_SHOW')
		ORDER BY r.starts_at, r.id LIMIT `+fmt.Sprint(FeedLimit), []any{from, to, staffID}, out)
}

// EventStatus is the STATUS of a visit at now: a visit that holds (or held) its slot is CONFIRMED,
// one not yet accepted or paid TENTATIVE, one that will not happen (cancelled, declined, expired,
// a hold past its deadline) CANCELLED.
func EventStatus(status models.ReservationStatus, holdExpiresAt *time.Time, now time.Time) Status {
	switch status {
	case models.StatusConfirmed, models.StatusCompleted, models.StatusNoShow:
		return StatusConfirmed
	case models.StatusRequested:
		return StatusTentative
	case models.StatusPendingPayment:
		if holdExpiresAt != nil && !now.Before(*holdExpiresAt) {
			return StatusCancelled
		}
		return StatusTentative
	}
	return StatusCancelled
}

// View is whose calendar an event is written for.
type View int

const (
	// ForCustomer: the service, the business and where; the manage link.
	ForCustomer View = iota
	// ForStaff: the service and who the customer is, with their contact and note.
	ForStaff
)

// event is v as a VEVENT in view; manage is the customer's manage link ("" for none).
func (v *Visit) event(b *Business, host string, view View, manage string, now time.Time) Event {
	e := Event{
		UID: v.ID.String() + "@" + host, Sequence: v.CalendarSequence, Start: v.StartsAt, End: v.EndsAt,
		Status: EventStatus(v.Status, v.HoldExpiresAt, now), Location: b.Address(),
		Created: v.CreatedAt, Modified: v.UpdatedAt, URL: manage,
	}
	var d []string
	switch view {
	case ForCustomer:
		e.Summary = v.ServiceName + " – " + b.Name
		d = append(d, v.ServiceName+" – "+v.StaffName, b.Name)
		if a := b.Address(); a != "" {
			d = append(d, a)
		}
		if manage != "" {
			d = append(d, "", manage)
		}
		if b.ContactEmail != nil && *b.ContactEmail != "" {
			e.Organizer, e.OrganizerName = *b.ContactEmail, b.Name
		}
	case ForStaff:
		e.Summary = v.ServiceName + " – " + v.CustomerName
		d = append(d, v.CustomerName, v.CustomerEmail)
		if v.CustomerPhone != "" {
			d = append(d, v.CustomerPhone)
		}
		d = append(d, v.StaffName, string(v.Status))
		if v.Note != "" {
			d = append(d, "", v.Note)
		}
	}
	e.Description = strings.Join(d, "\n")
	return e
}
