package booking

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/slotpay/slotpay/models"
	"github.com/slotpay/slotpay/services/apperr"
	"github.com/slotpay/slotpay/services/auth"
	"github.com/slotpay/slotpay/services/bookingfields"
	"github.com/slotpay/slotpay/services/customers"
	"github.com/slotpay/slotpay/services/database"
	"github.com/slotpay/slotpay/services/events"
	"github.com/slotpay/slotpay/services/paging"
	"github.com/slotpay/slotpay/services/tenancy"
)

// CreateInput is a reservation request. TenantSlug set means a public booking from the widget;
// without it the caller must be staff and books in its own business.
type CreateInput struct {
	TenantSlug     string
	ServiceID      uuid.UUID
	StaffMemberID  *uuid.UUID
	StartsAt       time.Time
	CustomerName   string
	CustomerEmail  string
	CustomerPhone  string
	Note           string
	IdempotencyKey string
	// Answers to the business's own booking fields (services/bookingfields).
	Answers []bookingfields.Answer
}

// Created is a new (or replayed) reservation with its customer access token.
type Created struct {
	Reservation         models.Reservation
	CustomerAccessToken string
	// Replayed is true when the idempotency key returned an earlier reservation.
	Replayed bool
}

// requestHash fingerprints the content of a request, so a reused idempotency key with different
// content is told apart from a retry.
func (in *CreateInput) requestHash() []byte {
	h := sha256.New()
	field := func(s string) {
		var n [8]byte
		binary.BigEndian.PutUint64(n[:], uint64(len(s)))
		h.Write(n[:])
		h.Write([]byte(s))
	}
	field(in.ServiceID.String())
	if in.StaffMemberID != nil {
		field(in.StaffMemberID.String())
	} else {
		field("")
	}
	field(in.StartsAt.UTC().Format(time.RFC3339Nano))
	field(in.CustomerName)
	field(in.CustomerEmail)
	field(in.CustomerPhone)
	field(in.Note)
	for _, a := range in.Answers {
		field(a.Key)
		if a.Value != nil {
			field("=" + *a.Value)
		}
		for _, v := range a.Values {
			field("+" + v)
		}
	}
	return h.Sum(nil)
}

// normalize validates everything that needs no database, reporting every problem at once;
// nothing is written on error.
func (in *CreateInput) normalize() error {
	var problems apperr.Problems
	var err error
	in.CustomerName, err = tenancy.ValidateName(in.CustomerName, "customer.name")
	problems.Add(err)
	in.CustomerEmail, err = tenancy.NormalizeEmail(in.CustomerEmail, "customer.email")
	problems.Add(err)
	in.CustomerPhone, err = customers.ValidatePhone(in.CustomerPhone, "customer.phone")
	problems.Add(err)
	in.Note, err = text(in.Note, "note", 2000)
	problems.Add(err)
	in.IdempotencyKey = strings.TrimSpace(in.IdempotencyKey)
	if len(in.IdempotencyKey) > 200 {
		problems.Add(apperr.Input("idempotencyKey", apperr.TooLong, "must be at most 200 characters").With("max", 200))
	}
	problems.Add(checkStart(in.StartsAt))
	in.StartsAt = in.StartsAt.UTC()
	return problems.Err()
}

// checkStart is what a requested start must be before anything is read: given, on a whole minute.
func checkStart(start time.Time) error {
	switch {
	case start.IsZero():
		return apperr.Input("startsAt", apperr.Required, "start time is required")
	case start.Second() != 0 || start.Nanosecond() != 0:
		return ErrMisaligned.WithField("startsAt")
	}
	return nil
}

// CreateReservation books a slot. The database has the last word on overlaps and capacity
// (SLOT_UNAVAILABLE); everything else is checked first so bad input writes nothing.
func (s *Service) CreateReservation(ctx context.Context, p *auth.Principal, in CreateInput) (*Created, error) {
	var tenantID uuid.UUID
	source := models.SourcePublic
	var createdBy *uuid.UUID
	var err error
	switch {
	case strings.TrimSpace(in.TenantSlug) != "":
		if tenantID, err = s.tenantIDBySlug(ctx, strings.TrimSpace(in.TenantSlug)); err != nil {
			return nil, asField(err, "tenantSlug")
		}
	case p.IsStaff():
		tenantID, source, createdBy = p.TenantID, models.SourceStaff, &p.UserID
	case p == nil:
		return nil, apperr.Input("tenantSlug", apperr.Required, "tenantSlug is required to book without signing in")
	default:
		return nil, apperr.ErrForbidden
	}
	// Bad input is reported together with bad answers (which need the service's fields, read in
	// the transaction), so a form learns every problem from one attempt; nothing is written then.
	invalid := in.normalize()
	hash := in.requestHash()
	var out Created
	var created *models.Reservation
	err = s.data.InTenant(ctx, tenantID, func(tx *database.Tx) error {
		out, created = Created{}, nil
		var err error
		created, err = s.book(tx, in, invalid, source, createdBy, hash, &out)
		return err
	})
	if errors.Is(err, errReplayed) {
		err = nil
	} else if err == nil {
		out.Reservation = *created // complete now: the claim's callback set its occupation
	}
	if err != nil {
		return nil, wrap("create reservation", translateBookingConflict(err))
	}
	if out.CustomerAccessToken, err = s.customerToken(&out.Reservation); err != nil {
		return nil, wrap("create reservation", err)
	}
	return &out, nil
}

// book is CreateReservation's transaction, in two round trips: every read first — the idempotency
// key's reservation (after a lock that serialises requests carrying the same key), the settings,
// service, staff and schedules — then, once Go has decided, every write and COMMIT. The database
// has the last word on overlaps and capacity: the claim and the insert fail with SLOT_UNAVAILABLE
// if someone else got there first. A replay sets out and ends with errReplayed (nothing written);
// otherwise the reservation to insert is returned, complete once the transaction has committed.
//
// invalid holds normalize's problems: then nothing is written, and they are reported with the
// answers' problems, in the input's order (the customer before the answers).
func (s *Service) book(tx *database.Tx, in CreateInput, invalid error, source string, createdBy *uuid.UUID, hash []byte, out *Created) (*models.Reservation, error) {
	now := s.Now()
	var existing []models.Reservation
	var reads bookingReads
	if in.IdempotencyKey != "" {
		tx.Queue(`SELECT pg_advisory_xact_lock(hashtextextended('reservation:' || $1::uuid::text || ':' || $2, 0))`, in.IdempotencyKey)
		database.QueueRows(tx, `SELECT `+database.Columns[models.Reservation]()+` FROM reservations WHERE tenant_id = $1 AND idempotency_key = $2`,
			[]any{in.IdempotencyKey}, &existing)
	}
	queueBookingReads(tx, in.ServiceID, in.StaffMemberID, in.StartsAt, in.StartsAt, now, &reads)
	var fields []models.BookingField
	bookingfields.QueueActive(tx, in.ServiceID, &fields)
	person := customers.Person{Name: in.CustomerName, Email: in.CustomerEmail, Phone: in.CustomerPhone}
	lookup := customers.QueueCandidates(tx, person)
	if err := tx.Send(); err != nil {
		return nil, err
	}
	if len(existing) > 0 && invalid == nil {
		if !bytes.Equal(existing[0].RequestHash, hash) {
			return nil, ErrIdempotencyMismatch.WithField("idempotencyKey")
		}
		out.Reservation, out.Replayed = existing[0], true
		return nil, errReplayed // nothing to write
	}
	var answers []models.ReservationAnswer
	problems := apperr.Problems{}
	problems.Add(invalid)
	if len(reads.services) == 1 { // answers are checked against an existing service's fields
		var err error
		answers, err = bookingfields.Validate(fields, in.Answers)
		problems.Add(err)
	}
	if err := problems.Err(); err != nil {
		return nil, err
	}
	r, svc, err := s.newReservation(&reads, in, tx.TenantID(), source, createdBy, hash, now)
	if err != nil {
		return nil, err
	}
	link := lookup.Decide()
	link.Queue(tx, person, now)
	queueCreate(tx, r, svc, link, now)
	bookingfields.QueueInsertAnswers(tx, r.ID, answers, now)
	actor := HistoryActorCustomer
	if createdBy != nil {
		actor = createdBy.String()
	}
	h, ev := transition(r, nil, nil, actor, "created", events.ReservationCreated, now)
	queueHistoryRow(tx, h)
	return r, events.Publish(tx, ev)
}

// errReplayed ends a booking transaction that found the idempotency key's reservation: nothing is
// written, and the earlier reservation is the answer.
var errReplayed = errors.New("idempotent replay")

// newReservation checks a booking against what was read, in the order a customer would fix it
// (service, time, staff, the slot), and returns the reservation to insert.
func (s *Service) newReservation(reads *bookingReads, in CreateInput, tenantID uuid.UUID, source string, createdBy *uuid.UUID, hash []byte, now time.Time) (*models.Reservation, *models.Service, error) {
	bk, staffID, err := reads.slot(in.StartsAt, in.StaffMemberID != nil, "serviceId", now)
	if err != nil {
		return nil, nil, err
	}
	settings, svc := bk.settings, bk.service
	spec := specOf(svc)
	r := &models.Reservation{
		TenantID: tenantID, ID: uuid.New(), ServiceID: svc.ID, StaffMemberID: staffID,
		StartsAt: in.StartsAt, EndsAt: in.StartsAt.Add(spec.Duration),
		Status: models.StatusConfirmed, PaymentStatus: models.PaymentNotRequired,
		PriceAmount: svc.PriceAmount, Currency: svc.Currency,
		CustomerName: in.CustomerName, CustomerEmail: in.CustomerEmail, CustomerPhone: in.CustomerPhone, Note: in.Note,
		Source: source, CreatedBy: createdBy, RequestHash: hash, CreatedAt: now, UpdatedAt: now,
	}
	if in.IdempotencyKey != "" {
		r.IdempotencyKey = &in.IdempotencyKey
	}
	applyPaymentPolicy(r, svc, settings, now)
	if r.PaymentStatus == models.PaymentUnpaid {
		// Snapshotted: later edits of the service never change what this booking owes up front.
		r.DepositAmount = models.DepositFor(svc.DepositKind, svc.DepositValue, svc.PriceAmount)
	}
	applyConfirmationPolicy(r, svc, settings, now)
	return r, svc, nil
}

// slot checks a start against what was read, in the order a customer would fix it (service, time,
// staff, the slot) — the booking rules a new reservation and a reschedule share — and returns the
// facts read and the staff member who is free then (the named one, or the first free).
func (reads *bookingReads) slot(start time.Time, staffNamed bool, serviceField string, now time.Time) (*bookingFacts, uuid.UUID, error) {
	bk, err := reads.settingsAndService(serviceField)
	if err != nil {
		return nil, uuid.Nil, err
	}
	settings := bk.settings
	switch {
	case !start.After(now):
		return nil, uuid.Nil, ErrStartInPast.WithField("startsAt")
	case start.Before(now.Add(time.Duration(settings.MinNoticeMinutes) * time.Minute)):
		return nil, uuid.Nil, ErrStartTooSoon.WithField("startsAt")
	case start.After(now.Add(time.Duration(settings.BookingHorizonDays) * 24 * time.Hour)):
		return nil, uuid.Nil, ErrStartTooFar.WithField("startsAt")
	}
	if err := reads.staffAndSchedules(bk, staffNamed, "staffMemberId"); err != nil {
		return nil, uuid.Nil, err
	}
	rules := Rules{Location: bk.loc, Step: time.Duration(settings.SlotStepMinutes) * time.Minute}
	staffID, err := chooseStaff(rules, specOf(bk.service), bk.schedules, start)
	return bk, staffID, err
}

// applyPaymentPolicy sets the initial status: NONE and OPTIONAL confirm at once, REQUIRED holds the
// slot until the customer pays (never past the start). A free service needs no payment.
func applyPaymentPolicy(r *models.Reservation, svc *models.Service, settings models.BookingSettings, now time.Time) {
	switch {
	case svc.PriceAmount == 0 || svc.PaymentPolicy == models.PaymentPolicyNone:
		r.Status, r.PaymentStatus = models.StatusConfirmed, models.PaymentNotRequired
	case svc.PaymentPolicy == models.PaymentPolicyOptional:
		r.Status, r.PaymentStatus = models.StatusConfirmed, models.PaymentUnpaid
	default:
		expires := holdUntil(svc, settings, r.StartsAt, now)
		r.Status, r.PaymentStatus, r.HoldExpiresAt = models.StatusPendingPayment, models.PaymentUnpaid, &expires
	}
}

// holdUntil is when a hold for prepayment of svc starting now ends: the service's hold time, else
// the business's default, never past the visit's start.
func holdUntil(svc *models.Service, settings models.BookingSettings, start, now time.Time) time.Time {
	hold := time.Duration(settings.DefaultHoldMinutes) * time.Minute
	if svc.HoldMinutes != nil {
		hold = time.Duration(*svc.HoldMinutes) * time.Minute
	}
	if expires := now.Add(hold); expires.Before(start) {
		return expires
	}
	return start
}

func specOf(svc *models.Service) ServiceSpec {
	return ServiceSpec{ID: svc.ID, Duration: svc.Duration(), Capacity: svc.Capacity,
		BufferBefore: time.Duration(svc.BufferBeforeMinutes) * time.Minute,
		BufferAfter:  time.Duration(svc.BufferAfterMinutes) * time.Minute}
}

// chooseStaff picks the first staff member free at start, or explains the most specific reason
// nobody is: a start that is in hours and aligned for someone but taken is SLOT_UNAVAILABLE; one
// that is in hours but off the grid is misaligned; otherwise it is outside working hours.
func chooseStaff(rules Rules, spec ServiceSpec, schedules []StaffSchedule, start time.Time) (uuid.UUID, error) {
	if len(schedules) == 0 {
		return uuid.Nil, ErrNoStaffForService.WithField("serviceId")
	}
	worst := VerdictFree
	for i := range schedules {
		v, _ := Check(rules, spec, &schedules[i], start)
		if v == VerdictFree {
			return schedules[i].StaffMemberID, nil
		}
		worst = max(worst, v)
	}
	switch worst {
	case VerdictOutsideHours:
		return uuid.Nil, ErrOutsideWorkingHours.WithField("startsAt")
	case VerdictMisaligned:
		return uuid.Nil, ErrMisaligned.WithField("startsAt")
	default:
		return uuid.Nil, ErrSlotUnavailable.WithField("startsAt")
	}
}

// customerToken is the capability for one reservation, valid until some time after it ends.
func (s *Service) customerToken(r *models.Reservation) (string, error) {
	exp := r.EndsAt
	if now := s.Now(); exp.Before(now) {
		exp = now
	}
	return s.tokens.IssueCustomer(r.TenantID, r.ID, exp.Add(s.customerTokenTTL))
}

// asField names the input field of a tenant-not-found error.
func asField(err error, field string) error {
	if ae, ok := apperr.As(err); ok {
		return ae.WithField(field)
	}
	return err
}

// scope returns the tenant a caller may read reservation id in: staff their tenant, a customer only
// the reservation its token names (any other id is NOT_FOUND, exactly like a missing one).
func scope(p *auth.Principal, id uuid.UUID) (uuid.UUID, error) {
	switch {
	case p == nil:
		return uuid.Nil, apperr.ErrUnauthenticated
	case p.IsStaff():
		return p.TenantID, nil
	case p.Kind == auth.KindCustomer && p.ReservationID == id:
		return p.TenantID, nil
	case p.Kind == auth.KindCustomer:
		return uuid.Nil, ErrReservationNotFound.WithField("id")
	}
	return uuid.Nil, apperr.ErrForbidden
}

// Reservation returns one reservation to staff of its tenant or to the holder of its customer token.
// An overdue hold is expired on the way (the worker may be late).
func (s *Service) Reservation(ctx context.Context, p *auth.Principal, id uuid.UUID) (*models.Reservation, error) {
	tenantID, err := scope(p, id)
	if err != nil {
		return nil, err
	}
	var r models.Reservation
	err = s.data.InTenant(ctx, tenantID, func(tx *database.Tx) error {
		db := tx.Gorm()
		if err := db.First(&r, "id = ?", id).Error; err != nil {
			return notFound(err, ErrReservationNotFound, "id")
		}
		if holdLapsed(&r, s.Now()) {
			locked, err := lockReservation(db, id)
			if err != nil {
				return err
			}
			if err := expireIfOverdue(db, locked, s.Now()); err != nil {
				return err
			}
			r = *locked
		}
		return nil
	})
	if err != nil {
		return nil, wrap("reservation", err)
	}
	return &r, nil
}

// Transition is a lifecycle change asked for by a person.
type Transition struct {
	To     models.ReservationStatus
	Reason string
}

// ChangeStatus moves a reservation along the state machine on behalf of staff or its customer:
// CONFIRMED (staff, e.g. paid on site), COMPLETED and NO_SHOW (staff, once it has started). A
// cancellation moves money too: it is payments.Service.CancelReservation (Cancel, cancel.go).
func (s *Service) ChangeStatus(ctx context.Context, p *auth.Principal, id uuid.UUID, t Transition) (*models.Reservation, error) {
	if t.To == models.StatusCancelled {
		return nil, errors.New("change status: a cancellation goes through payments.Service.CancelReservation")
	}
	tenantID, err := scope(p, id)
	if err != nil {
		return nil, err
	}
	actorKind, actor := ActorCustomer, HistoryActorCustomer
	if p.IsStaff() {
		actorKind, actor = ActorStaff, p.UserID.String()
	}
	reason, err := text(t.Reason, "reason", 500)
	if err != nil {
		return nil, err
	}
	var r *models.Reservation
	err = s.data.InTenant(ctx, tenantID, func(tx *database.Tx) error {
		db := tx.Gorm()
		now := s.Now()
		if r, err = lockReservation(db, id); err != nil {
			return asField(err, "id")
		}
		if err := expireIfOverdue(db, r, now); err != nil {
			return err
		}
		if r.Status == models.StatusRequested && t.To == models.StatusConfirmed && actorKind == ActorStaff {
			return s.approve(tx, r, actor, now) // confirming a request is approving it
		}
		if !CanTransition(r.Status, t.To, actorKind) {
			if actorKind == ActorCustomer && CanTransition(r.Status, t.To, ActorStaff) {
				return ErrCustomerCannotChange
			}
			return ErrIllegalTransition
		}
		if (t.To == models.StatusCompleted || t.To == models.StatusNoShow) && now.Before(r.StartsAt) {
			return ErrNotStarted
		}
		from := r.Status
		if err := db.Model(r).Updates(map[string]any{"status": t.To, "updated_at": now}).Error; err != nil {
			return err
		}
		r.Status, r.UpdatedAt = t.To, now
		return recordTransition(tx, r, &from, &r.PaymentStatus, actor, reason, events.ReservationUpdated, now)
	})
	if err != nil {
		return nil, wrap("change reservation status", err)
	}
	return r, nil
}

// ReservationFilter narrows the staff list of reservations.
type ReservationFilter struct {
	From            *time.Time // starts at or after
	To              *time.Time // starts before
	Statuses        []models.ReservationStatus
	PaymentStatuses []models.PaymentStatus
	StaffMemberID   *uuid.UUID
	ServiceID       *uuid.UUID
	CustomerID      *uuid.UUID
	// Search matches the customer's name, e-mail or phone (case-insensitive substring).
	Search string
}

// The orderings of the reservations list.
const (
	ByStartTime     = "startsAt"      // earliest start first (the default)
	ByStartTimeDesc = "startsAt.desc" // latest start first
	ByCreatedAt     = "createdAt"     // booked earliest first
	ByCreatedAtDesc = "createdAt.desc"
)

// reservationOrders are the orderings of the list, each ending in the id so that a cursor stays a
// position however many reservations share a start (indexes: reservations_starts_idx,
// reservations_created_idx).
var reservationOrders = paging.Orders[models.Reservation]{
	"":              paging.By("reservations.startsAt", "starts_at", paging.Time, false, reservationStart),
	ByStartTime:     paging.By("reservations.startsAt", "starts_at", paging.Time, false, reservationStart),
	ByStartTimeDesc: paging.By("reservations.startsAt.desc", "starts_at", paging.Time, true, reservationStart),
	ByCreatedAt:     paging.By("reservations.createdAt", "created_at", paging.Time, false, reservationCreated),
	ByCreatedAtDesc: paging.By("reservations.createdAt.desc", "created_at", paging.Time, true, reservationCreated),
}

func reservationStart(r *models.Reservation) (any, uuid.UUID)   { return r.StartsAt, r.ID }
func reservationCreated(r *models.Reservation) (any, uuid.UUID) { return r.CreatedAt, r.ID }

// ReservationPage is one page of reservations in the order asked for.
type ReservationPage = paging.Page[models.Reservation]

// Reservations lists the caller's reservations, a page at a time (paging: first/after,
// last/before, the total when asked), in one round trip: staff their business's, a customer
// signed in by a "my bookings" link (auth.KindCustomerSession) only their own at that business,
// whatever the filter says of the customer.
func (s *Service) Reservations(ctx context.Context, p *auth.Principal, f ReservationFilter, order string, args paging.Args) (*ReservationPage, error) {
	switch {
	case p.IsStaff():
	case p.IsCustomerSession():
		f.CustomerID, f.Search = &p.CustomerID, ""
	default:
		return nil, apperr.ErrForbidden
	}
	o := reservationOrders.Pick(order)
	var problems apperr.Problems
	req, err := paging.Parse(args, o.Ordering)
	problems.Add(err)
	search, err := text(f.Search, "filter.search", 200)
	problems.Add(err)
	if err := problems.Err(); err != nil {
		return nil, err
	}
	// $1 is the tenant, the filter's values are $2, $3, …
	var where paging.Filter
	where.Where("tenant_id = $1")
	if f.From != nil {
		where.Where("starts_at >= ?", *f.From)
	}
	if f.To != nil {
		where.Where("starts_at < ?", *f.To)
	}
	if len(f.Statuses) > 0 {
		where.Where("status = ANY(?)", stringsOf(f.Statuses))
	}
	if len(f.PaymentStatuses) > 0 {
		where.Where("payment_status = ANY(?)", stringsOf(f.PaymentStatuses))
	}
	if f.StaffMemberID != nil {
		where.Where("staff_member_id = ?", *f.StaffMemberID)
	}
	if f.ServiceID != nil {
		where.Where("service_id = ?", *f.ServiceID)
	}
	if f.CustomerID != nil {
		where.Where("customer_id = ?", *f.CustomerID)
	}
	if search != "" {
		like := "%" + escapeLike(strings.ToLower(search)) + "%"
		where.Where("(lower(customer_name) LIKE ? OR lower(customer_email) LIKE ? OR customer_phone LIKE ?)", like, like, like)
	}
	var page ReservationPage
	err = s.data.InTenant(ctx, p.TenantID, func(tx *database.Tx) error {
		paging.QueuePage(tx, "reservations", where, o, req, &page)
		return nil
	})
	if err != nil {
		return nil, wrap("reservations", err)
	}
	return &page, nil
}

func escapeLike(s string) string {
	return strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(s)
}

func stringsOf[T ~string](in []T) []string {
	out := make([]string, len(in))
	for i, v := range in {
		out[i] = string(v)
	}
	return out
}

// ReservationScope is scope for other domains that serve one reservation to the callers booking
// serves it to (the calendar file): the tenant to read it in, or the same refusal.
func ReservationScope(p *auth.Principal, id uuid.UUID) (uuid.UUID, error) { return scope(p, id) }

// CustomerToken is reservation r's customer token (the capability its booking returned), issued
// again: a "my bookings" session hands it to the customer it belongs to.
func (s *Service) CustomerToken(r *models.Reservation) (string, error) { return s.customerToken(r) }
