package messages

import (
	"encoding/json"
	"time"

	"github.com/google/uuid"

	"github.com/slotpay/slotpay/models"
	"github.com/slotpay/slotpay/services/database"
)

// The kinds of messages about a reservation.
const (
	BookingConfirmation Kind = "BOOKING_CONFIRMATION"
	PaymentRequest      Kind = "PAYMENT_REQUEST"
	PaymentReceived     Kind = "PAYMENT_RECEIVED"
	Reminder            Kind = "REMINDER"
	Rescheduled         Kind = "RESCHEDULED"
	Cancellation        Kind = "CANCELLATION"
	ApprovalRequested   Kind = "APPROVAL_REQUESTED"
	ApprovalApproved    Kind = "APPROVAL_APPROVED"
	ApprovalDeclined    Kind = "APPROVAL_DECLINED"
	StaffNewBooking     Kind = "STAFF_NEW_BOOKING"
	StaffCancellation   Kind = "STAFF_CANCELLATION"
	StaffPaymentFailed  Kind = "STAFF_PAYMENT_FAILED"
)

// Intent is a message a reservation's change calls for. A Reminder intent stands for one reminder
// per offset the business chose (RecordReservationChange expands it).
type Intent struct {
	Kind     Kind
	Audience Audience
}

// Plan is what a reservation's change does to its messages: the intents to record, and whether its
// reminders still queued are cancelled first (a cancellation, a move).
type Plan struct {
	Intents         []Intent
	CancelReminders bool
}

// actorCustomer and actorSystem are the reservation history's actors besides staff members' ids.
const (
	actorCustomer = "customer"
	actorSystem   = "system"
)

// Decide is the messages one reservation change (its history row) calls for. It is the one place
// that says which change sends what:
//
//   - a booking: CONFIRMED → confirmation (and its reminders); PENDING_PAYMENT → payment request;
//     REQUESTED → "request received"; a booking not made by staff → the staff are told;
//   - staff deciding a request: approved (and the reminders of a CONFIRMED visit, or a payment
//     request), declined;
//   - becoming CONFIRMED otherwise (a hold paid) → confirmation and reminders;
//   - payment status reaching PAID or PARTIALLY_PAID → receipt; reaching FAILED → staff are told;
//   - cancellation → the customer is told (with the refund) and, when the customer cancelled,
//     the staff; queued reminders are cancelled;
//   - a move → the customer is told; reminders are cancelled and scheduled again at the new time.
func Decide(h models.ReservationHistory) Plan {
	var p Plan
	add := func(k Kind, a Audience) { p.Intents = append(p.Intents, Intent{k, a}) }
	to := h.ToStatus
	byStaff := h.Actor != actorCustomer && h.Actor != actorSystem
	if h.FromStatus == nil { // created
		switch to {
		case models.StatusConfirmed:
			add(BookingConfirmation, Customer)
			add(Reminder, Customer)
		case models.StatusPendingPayment:
			add(PaymentRequest, Customer)
		case models.StatusRequested:
			add(ApprovalRequested, Customer)
		}
		if !byStaff {
			add(StaffNewBooking, Staff)
		}
		return p
	}
	from := *h.FromStatus
	moved := h.FromStartsAt != nil || h.FromStaffMemberID != nil
	switch {
	case moved:
		add(Rescheduled, Customer)
		p.CancelReminders = true
		if to == models.StatusConfirmed {
			add(Reminder, Customer)
		}
	case from != to && to == models.StatusCancelled:
		add(Cancellation, Customer)
		if h.Actor == actorCustomer {
			add(StaffCancellation, Staff)
		}
		p.CancelReminders = true
	case from != to && (to == models.StatusDeclined || to == models.StatusExpired || to == models.StatusNoShow):
		if to == models.StatusDeclined {
			add(ApprovalDeclined, Customer)
		}
		p.CancelReminders = true
	case from == models.StatusRequested && (to == models.StatusConfirmed || to == models.StatusPendingPayment):
		add(ApprovalApproved, Customer)
		if to == models.StatusConfirmed {
			add(Reminder, Customer)
		} else {
			add(PaymentRequest, Customer)
		}
	case from != to && to == models.StatusConfirmed:
		add(BookingConfirmation, Customer)
		add(Reminder, Customer)
	}
	fromPay := models.PaymentStatus("")
	if h.FromPaymentStatus != nil {
		fromPay = *h.FromPaymentStatus
	}
	if h.ToPaymentStatus != fromPay {
		switch h.ToPaymentStatus {
		case models.PaymentPaid, models.PaymentPartiallyPaid:
			if fromPay != models.PaymentPaid {
				add(PaymentReceived, Customer)
			}
		case models.PaymentFailed:
			add(StaffPaymentFailed, Staff)
		}
	}
	return p
}

// RecordReservationChange records, in tx's next round trip, the messages h (a reservation's history
// row, being written in tx) calls for (Decide): recipients, names and languages are read from the
// reservation, its customer and the business by the INSERT itself, so a booking's messages cost no
// round trip of their own. Reminders are scheduled at each of the business's offsets before the
// start that is still ahead of now.
func RecordReservationChange(tx *database.Tx, h models.ReservationHistory) {
	p := Decide(h)
	now := h.CreatedAt.UTC()
	if p.CancelReminders {
		tx.Queue(`UPDATE messages SET status = 'CANCELLED', updated_at = $3
			WHERE tenant_id = $1 AND reservation_id = $2 AND kind = 'REMINDER' AND status IN ('QUEUED', 'FAILED')`, h.ReservationID, now)
	}
	if len(p.Intents) == 0 {
		return
	}
	// One message per intent and channel with a template of its kind: e-mail, and SMS where the SMS
	// channel registered the kind's text.
	var kinds, audiences, channels []string
	for _, in := range p.Intents {
		for _, ch := range channelsOf(in.Kind) {
			kinds, audiences, channels = append(kinds, string(in.Kind)), append(audiences, string(in.Audience)), append(channels, string(ch))
		}
	}
	if len(kinds) == 0 {
		return
	}
	data, _ := json.Marshal(map[string]string{"historyId": h.ID.String()})
	// want: the intents; rcpt: each intent's recipients (the customer; the staff member's account
	// and the owners, once each); slot: one row per message, a reminder one per offset still ahead.
	tx.Queue(`WITH r AS (
			SELECT r.id, r.starts_at, r.customer_email, r.customer_name, r.staff_member_id, c.phone_normalized AS customer_phone,
				coalesce(c.locale, t.locale) AS customer_locale, t.locale AS business_locale, t.reminder_offsets_minutes
			FROM reservations r
			JOIN tenants t ON t.id = r.tenant_id
			LEFT JOIN customers c ON c.tenant_id = r.tenant_id AND c.id = r.customer_id
			WHERE r.tenant_id = $1 AND r.id = $2),
		want AS (SELECT * FROM unnest($3::text[], $4::text[], $7::text[]) AS w(kind, audience, channel)),
		rcpt AS (
			SELECT w.kind, w.audience, w.channel, r.customer_email AS recipient, r.customer_name AS name, r.customer_locale AS locale
			FROM want w, r WHERE w.audience = 'CUSTOMER' AND w.channel = 'EMAIL' AND r.customer_email <> ''
			UNION
			SELECT w.kind, w.audience, w.channel, r.customer_phone, r.customer_name, r.customer_locale
			FROM want w, r WHERE w.audience = 'CUSTOMER' AND w.channel = 'SMS' AND r.customer_phone LIKE '+%'
			UNION
			SELECT w.kind, w.audience, w.channel, u.email, u.name, r.business_locale
			FROM want w, r
			JOIN memberships m ON m.tenant_id = $1
			JOIN users u ON u.id = m.user_id
			WHERE w.audience = 'STAFF' AND w.channel = 'EMAIL' AND (m.role = 'OWNER' OR m.user_id = (
				SELECT s.user_id FROM staff_members s WHERE s.tenant_id = $1 AND s.id = r.staff_member_id))),
		slot AS (
			SELECT rc.*, $5::timestamptz AS scheduled_at, NULL::integer AS offset_minutes FROM rcpt rc WHERE rc.kind <> 'REMINDER'
			UNION ALL
			SELECT rc.*, r.starts_at - make_interval(mins => o), o FROM rcpt rc, r, unnest(r.reminder_offsets_minutes) AS o
			WHERE rc.kind = 'REMINDER' AND r.starts_at - make_interval(mins => o) > $5::timestamptz)
		INSERT INTO messages (`+insertColumns+`)
		SELECT $1, gen_random_uuid(), s.kind, s.channel, s.audience, s.recipient, s.name,
			CASE WHEN lower(left(s.locale, 2)) = 'en' THEN 'en' ELSE 'pl' END, $2, NULL,
			CASE WHEN s.offset_minutes IS NULL THEN $6::jsonb
				ELSE $6::jsonb || jsonb_build_object('offsetMinutes', s.offset_minutes::text, 'scheduledFor', to_char(r.starts_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"')) END,
			s.scheduled_at, NULL, NULL, false, 'QUEUED', $5, $5
		FROM slot s, r`,
		h.ReservationID, kinds, audiences, now, string(data), channels)
}

// RecordForReservation records one message m about reservationID to its customer (recipient, name
// and language read from the reservation by the INSERT, so m's are ignored), in tx's next round
// trip: for messages a domain sends outside a status change (a payment link sent again, a magic
// link). A reservation without an e-mail records nothing.
func RecordForReservation(tx *database.Tx, reservationID uuid.UUID, m Message, now time.Time) error {
	m.Recipient, m.Locale, m.ReservationID = "-", "pl", &reservationID
	args, err := messageArgs(m, now)
	if err != nil {
		return err
	}
	// args: $2 id, $3 kind, $4 channel, $5 audience, ($6 recipient, $7 name, $8 locale: read here),
	// $9 reservation, $10 payment, $11 data, $12 scheduled, $13 dedupe key, $14 resend of, $15 now,
	// $16 sensitive; renumbered $6…$13 below.
	args = append(args[:4:4], args[7:]...)
	tx.Queue(`INSERT INTO messages (`+insertColumns+`)
		SELECT $1, $2, $3, $4, $5, r.customer_email, r.customer_name,
			CASE WHEN lower(left(coalesce(c.locale, t.locale), 2)) = 'en' THEN 'en' ELSE 'pl' END,
			$6, $7, $8, $9, $10, $11, $13, 'QUEUED', $12, $12
		FROM reservations r
		JOIN tenants t ON t.id = r.tenant_id
		LEFT JOIN customers c ON c.tenant_id = r.tenant_id AND c.id = r.customer_id
		WHERE r.tenant_id = $1 AND r.id = $6 AND r.customer_email <> ''`+onConflict,
		args...)
	return nil
}
