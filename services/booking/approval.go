package booking

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/slotpay/slotpay/models"
	"github.com/slotpay/slotpay/services/apperr"
	"github.com/slotpay/slotpay/services/auth"
	"github.com/slotpay/slotpay/services/database"
	"github.com/slotpay/slotpay/services/events"
	"github.com/slotpay/slotpay/services/periodic"
)

// This file is manual approval: a booking of a service that needs confirmation is a request
// (REQUESTED) that holds its slot until staff approve it (approve), decline it (Decline), or its
// decision deadline passes (DeclineDueRequests, the background round).

// ErrDecisionDeadlinePassed refuses approving a request whose deadline has passed (it is being
// declined automatically).
var ErrDecisionDeadlinePassed = apperr.New(apperr.Conflict, "the time to decide on this request has passed; it is declined automatically")

// DeadlineDeclineReason is the reason of a request declined because nobody decided in time.
const DeadlineDeclineReason = "not confirmed in time"

// Refunder gives back what was paid for a reservation that ends without its visit (a declined
// request) through the payments domain's one refund path; payments.Service is it. RefundInFull
// runs in the transaction that ends the reservation, before the reservation is locked (the lock
// order of every payment path: payments, then the reservation): it locks the reservation's payments,
// queues automatic refunds of everything paid online and not yet refunded, and has its open
// payments checked with imoje at once, which cancels their payment links since the reservation has
// ended. SendRefunds sends the refunds once that transaction has committed.
type Refunder interface {
	RefundInFull(tx *database.Tx, reservationID uuid.UUID, why string) ([]uuid.UUID, error)
	SendRefunds(ctx context.Context, tenantID uuid.UUID, refundIDs ...uuid.UUID)
}

// UseRefunder wires the payments domain in (it is built on this service, so it comes afterwards).
// Without one nothing is refunded: only for tests of booking alone, which take no payments.
func (s *Service) UseRefunder(r Refunder) { s.refunder = r }

// applyConfirmationPolicy makes a booking of a service that needs confirmation a request: it holds
// its slot with no payment hold (under REQUIRED the hold starts when it is approved) until staff
// decide or its decision deadline passes, created + the business's window and never past the start.
func applyConfirmationPolicy(r *models.Reservation, svc *models.Service, settings models.BookingSettings, now time.Time) {
	if !svc.NeedsConfirmation(settings) {
		return
	}
	deadline := now.Add(time.Duration(settings.ApprovalDeadlineHours) * time.Hour)
	if deadline.After(r.StartsAt) {
		deadline = r.StartsAt
	}
	r.Status, r.HoldExpiresAt, r.DecisionDeadline = models.StatusRequested, nil, &deadline
}

// approvalOf is what approving request r of svc at now makes of it: CONFIRMED, or, when svc requires
// prepayment and r is not paid, PENDING_PAYMENT with a hold of the service's time from now.
func approvalOf(r *models.Reservation, svc *models.Service, settings models.BookingSettings, now time.Time) (models.ReservationStatus, *time.Time) {
	if svc.PaymentPolicy == models.PaymentPolicyRequired && r.PaymentStatus == models.PaymentUnpaid {
		hold := holdUntil(svc, settings, r.StartsAt, now)
		return models.StatusPendingPayment, &hold
	}
	return models.StatusConfirmed, nil
}

// approve approves locked request r in tx (ChangeStatus to CONFIRMED by staff): its service as it
// is now decides whether prepayment is due.
func (s *Service) approve(tx *database.Tx, r *models.Reservation, actor string, now time.Time) error {
	if !now.Before(*r.DecisionDeadline) {
		return ErrDecisionDeadlinePassed
	}
	db := tx.Gorm()
	svc, settings, err := serviceAndSettings(tx, r)
	if err != nil {
		return err
	}
	to, hold := approvalOf(r, svc, settings, now)
	from := r.Status
	if err := db.Model(r).Updates(map[string]any{"status": to, "hold_expires_at": hold, "updated_at": now}).Error; err != nil {
		return err
	}
	r.Status, r.HoldExpiresAt, r.UpdatedAt = to, hold, now
	return recordTransition(tx, r, &from, &r.PaymentStatus, actor, "approved", events.ReservationUpdated, now)
}

// Decline turns down a request (staff): DECLINED with the reason, its seat freed, everything paid
// online refunded in full and any open payment link cancelled.
func (s *Service) Decline(ctx context.Context, p *auth.Principal, id uuid.UUID, reason string) (*models.Reservation, error) {
	if !p.IsStaff() {
		return nil, apperr.ErrForbidden
	}
	reason, err := text(reason, "reason", 500)
	if err != nil {
		return nil, err
	}
	r, err := s.decline(ctx, p.TenantID, id, p.UserID.String(), reason, false)
	if err != nil {
		return nil, wrap("decline reservation", asField(err, "id"))
	}
	return r, nil
}

// errNotDue ends (and rolls back) the background decline of a request decided meanwhile.
var errNotDue = errors.New("request no longer due")

// decline declines request id in its tenant's transaction and sends its refunds after the commit.
// due (the background round) declines only a request still REQUESTED whose deadline has passed,
// and errNotDue says it no longer is.
func (s *Service) decline(ctx context.Context, tenantID, id uuid.UUID, actor, reason string, due bool) (*models.Reservation, error) {
	var r *models.Reservation
	var refunds []uuid.UUID
	err := s.data.InTenant(ctx, tenantID, func(tx *database.Tx) error {
		now := s.Now()
		refunds = nil
		if s.refunder != nil {
			var err error
			if refunds, err = s.refunder.RefundInFull(tx, id, strings.TrimSuffix("request declined: "+reason, ": ")); err != nil {
				return err
			}
		}
		db := tx.Gorm()
		var err error
		if r, err = lockReservation(db, id); err != nil {
			return err
		}
		actorKind := ActorStaff
		if due {
			if r.Status != models.StatusRequested || r.DecisionDeadline == nil || r.DecisionDeadline.After(now) {
				return errNotDue
			}
			actorKind = ActorSystem
		}
		if !CanTransition(r.Status, models.StatusDeclined, actorKind) {
			return ErrIllegalTransition
		}
		from := r.Status
		var given *string // a reason not given reads null
		historyReason := "declined"
		if reason != "" {
			given, historyReason = &reason, reason
		}
		if err := db.Model(r).Updates(map[string]any{"status": models.StatusDeclined, "decline_reason": given, "updated_at": now}).Error; err != nil {
			return err
		}
		r.Status, r.DeclineReason, r.UpdatedAt = models.StatusDeclined, given, now
		return recordTransition(tx, r, &from, &r.PaymentStatus, actor, historyReason, events.ReservationUpdated, now)
	})
	if err != nil {
		return nil, err
	}
	if len(refunds) > 0 {
		s.refunder.SendRefunds(ctx, tenantID, refunds...)
	}
	return r, nil
}

// DeclineBatch is how many due requests one call declines; a full batch is followed by another.
const DeclineBatch = 100

// DeclineDueRequests declines, across all tenants, up to limit requests whose decision deadline has
// passed (actor system, reason DeadlineDeclineReason), each in its own tenant transaction with its
// refunds. Safe on any number of instances: the listing skips requests locked by a decision in
// progress, and each decline locks its request and checks again that it is still due, so a request
// another instance declined first is skipped.
func (s *Service) DeclineDueRequests(ctx context.Context, limit int) (int, error) {
	var due []struct {
		TenantID      uuid.UUID
		ReservationID uuid.UUID
	}
	if err := s.data.Gorm().WithContext(ctx).Raw(`SELECT tenant_id, reservation_id FROM booking_due_requests(?, ?)`, s.Now(), limit).
		Scan(&due).Error; err != nil {
		return 0, fmt.Errorf("due requests: %w", err)
	}
	n := 0
	var errs []error
	for _, d := range due {
		_, err := s.decline(ctx, d.TenantID, d.ReservationID, HistoryActorSystem, DeadlineDeclineReason, true)
		switch {
		case errors.Is(err, errNotDue):
		case err != nil:
			errs = append(errs, fmt.Errorf("decline request %s: %w", d.ReservationID, err))
		default:
			n++
		}
	}
	return n, errors.Join(errs...)
}

// StartDecisionWorker starts the background decline of requests nobody decided on in time
// (interval 0 means 15 s). Stop ends it.
func (s *Service) StartDecisionWorker(ctx context.Context, interval time.Duration) *periodic.Loop {
	if interval <= 0 {
		interval = 15 * time.Second
	}
	return periodic.Start(ctx, interval, func(ctx context.Context) {
		for {
			n, err := s.DeclineDueRequests(ctx, DeclineBatch)
			if err != nil && ctx.Err() == nil {
				s.log.ErrorContext(ctx, "declining due requests failed", "error", err.Error())
			}
			if n > 0 {
				s.log.InfoContext(ctx, "requests declined: not confirmed in time", "count", n)
			}
			if err != nil || n < DeclineBatch || ctx.Err() != nil {
				return
			}
		}
	})
}
