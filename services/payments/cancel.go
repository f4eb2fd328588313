package payments

import (
	"context"
	"slices"

	"github.com/google/uuid"

	"github.com/slotpay/slotpay/models"
	"github.com/slotpay/slotpay/services/auth"
	"github.com/slotpay/slotpay/services/booking"
	"github.com/slotpay/slotpay/services/database"
	"github.com/slotpay/slotpay/services/events"
)

// CancelReservation cancels a reservation for staff or its customer and gives back what the
// cancellation is due: a customer's under the cancellation policy (refused outside it), staff's in
// full unless they chose otherwise (booking.Service.Cancel decides). One transaction locks the
// reservation's payments, then the reservation, reads the rules, cancels, and reserves the refunds
// (queueReserveRefund, spread over the settled payments newest first), so the refund is recorded
// with the cancellation or not at all; the refunds are sent to imoje after the commit (sendLater,
// with the merchant's spacing) and, should the process stop first, by reconciliation.
func (s *Service) CancelReservation(ctx context.Context, p *auth.Principal, id uuid.UUID, req booking.CancelRequest) (*models.Reservation, error) {
	tenantID, err := reservationScope(p, id, "id")
	if err != nil {
		return nil, err
	}
	if err := req.Validate(p.IsStaff()); err != nil {
		return nil, err
	}
	var out *models.Reservation
	var refunds []uuid.UUID
	err = s.db.InTenant(ctx, tenantID, func(tx *database.Tx) error {
		out, refunds = nil, nil
		read := queueCancellationReads(tx, id)
		if err := tx.Send(); err != nil {
			return err
		}
		rules, found := read.rules.Rules()
		if read.view == nil || !found {
			return booking.ErrReservationNotFound.WithField("id")
		}
		c, err := s.booking.Cancel(tx, read.view, p, rules, NetPaid(read.payments, read.refunds), req)
		if err != nil {
			return err
		}
		publish := []events.Event{c.Event}
		for _, part := range spreadRefund(c.Refund, read.payments, read.refunds) {
			ref := s.ownRefund(part.payment, part.amount, c.RefundReason, c.RequestedBy)
			s.queueReserveRefund(tx, &ref, part.payment.PaymentMethodID)
			refunds = append(refunds, ref.ID)
			publish = append(publish, paymentEvent(part.payment))
		}
		out = c.Reservation
		return events.Publish(tx, publish...)
	})
	if err != nil {
		return nil, wrap("cancel reservation", err)
	}
	s.sendLater(ctx, tenantID, refunds...)
	return out, nil
}

// cancellationRead is what a cancellation reads, in one round trip: the reservation's payments and
// their refunds, the reservation (locked, after the payments: the lock order of every payment path)
// and its effective cancellation rules.
type cancellationRead struct {
	payments []models.Payment
	refunds  map[uuid.UUID][]models.Refund
	view     *booking.PaymentView
	rules    *booking.RulesRead
}

func queueCancellationReads(tx *database.Tx, reservationID uuid.UUID) *cancellationRead {
	c := &cancellationRead{refunds: map[uuid.UUID][]models.Refund{}}
	queueReservationPayments(tx, reservationID, &c.payments, c.refunds)
	booking.QueueReservationForPayment(tx, reservationID, uuid.Nil, &c.view)
	c.rules = booking.QueueReservationRules(tx, reservationID)
	return c
}

// queueReservationPayments queues the read of every payment of a reservation, locked in id order
// as the notification path locks them, and of their refunds: a refund of a payment is only ever
// created or moved under its payment's lock, so the refunds read next are the ones that count.
func queueReservationPayments(tx *database.Tx, reservationID uuid.UUID, payments *[]models.Payment, refunds map[uuid.UUID][]models.Refund) {
	database.QueueRows(tx, `SELECT `+database.Columns[models.Payment]()+` FROM payments
		WHERE tenant_id = $1 AND reservation_id = $2 ORDER BY id FOR UPDATE`, []any{reservationID}, payments)
	database.QueueRowsGrouped(tx, `SELECT `+database.Columns[models.Refund]()+` FROM refunds
		WHERE tenant_id = $1 AND payment_id IN (SELECT id FROM payments WHERE tenant_id = $1 AND reservation_id = $2)`,
		[]any{reservationID}, func(r models.Refund) uuid.UUID { return r.PaymentID }, refunds)
}

// refundPart is how much of a refund one payment gives back.
type refundPart struct {
	payment *models.Payment
	amount  int64
}

// spreadRefund spreads a refund of amount over the settled payments, newest first, each giving back
// at most its refundable rest (refundableRest). amount is at most NetPaid of the same payments, so
// all of it finds a payment.
func spreadRefund(amount int64, payments []models.Payment, refunds map[uuid.UUID][]models.Refund) []refundPart {
	order := make([]*models.Payment, len(payments))
	for i := range payments {
		order[i] = &payments[i]
	}
	slices.SortStableFunc(order, func(a, b *models.Payment) int { return b.CreatedAt.Compare(a.CreatedAt) })
	var parts []refundPart
	for _, pay := range order {
		if amount <= 0 {
			break
		}
		if take := min(amount, refundableRest(pay, refunds[pay.ID])); take > 0 {
			parts = append(parts, refundPart{payment: pay, amount: take})
			amount -= take
		}
	}
	return parts
}
