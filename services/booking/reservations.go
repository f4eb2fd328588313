package booking

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"strconv"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"gorm.io/gorm"

	"github.com/slotpay/slotpay/models"
	"github.com/slotpay/slotpay/services/apperr"
	"github.com/slotpay/slotpay/services/auth"
	"github.com/slotpay/slotpay/services/database"
	"github.com/slotpay/slotpay/services/events"
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
	in.CustomerPhone, err = normalizePhone(in.CustomerPhone, "customer.phone")
	problems.Add(err)
	in.Note, err = text(in.Note, "note", 2000)
	problems.Add(err)
	in.IdempotencyKey = strings.TrimSpace(in.IdempotencyKey)
	if len(in.IdempotencyKey) > 200 {
		problems.Add(apperr.Input("idempotencyKey", apperr.TooLong, "must be at most 200 characters").With("max", 200))
	}
	switch {
	case in.StartsAt.IsZero():
		problems.Add(apperr.Input("startsAt", apperr.Required, "start time is required"))
	case in.StartsAt.Second() != 0 || in.StartsAt.Nanosecond() != 0:
		problems.Add(ErrMisaligned.WithField("startsAt"))
	}
	in.StartsAt = in.StartsAt.UTC()
	return problems.Err()
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
			return nil, asField(err, "input.tenantSlug")
		}
	case p.IsStaff():
		tenantID, source, createdBy = p.TenantID, models.SourceStaff, &p.UserID
	case p == nil:
		return nil, apperr.Input("tenantSlug", apperr.Required, "tenantSlug is required to book without signing in")
	default:
		return nil, apperr.ErrForbidden
	}
	if err := in.normalize(); err != nil {
		return nil, err
	}
	hash := in.requestHash()
	var out Created
	// One transaction in two round trips (database.PipelineInTenant): every read first — the
	// idempotency key's reservation (after a lock that serialises requests carrying the same key),
	// the settings, service, staff and schedules — then, once Go has decided, every write and COMMIT.
	// The database has the last word on overlaps and capacity: the claim and the insert fail with
	// SLOT_UNAVAILABLE if someone else got there first.
	for attempt := 0; ; attempt++ {
		out = Created{}
		now := s.Now()
		var existing []models.Reservation
		var reads bookingReads
		var created *models.Reservation
		read := func(b *pgx.Batch) {
			if in.IdempotencyKey != "" {
				b.Queue(`SELECT pg_advisory_xact_lock(hashtextextended($1, 0))`, "reservation:"+tenantID.String()+":"+in.IdempotencyKey)
				b.Queue(`SELECT `+database.Columns[models.Reservation]()+` FROM reservations WHERE tenant_id = $1 AND idempotency_key = $2`,
					tenantID, in.IdempotencyKey).Query(database.CollectInto(&existing))
			}
			queueBookingReads(b, tenantID, in.ServiceID, in.StaffMemberID, in.StartsAt, in.StartsAt, now, &reads)
		}
		decide := func(b *pgx.Batch) error {
			if len(existing) > 0 {
				if !bytes.Equal(existing[0].RequestHash, hash) {
					return ErrIdempotencyMismatch.WithField("input.idempotencyKey")
				}
				out.Reservation, out.Replayed = existing[0], true
				return errReplayed // nothing to write
			}
			r, svc, err := s.newReservation(&reads, in, tenantID, source, createdBy, hash, now)
			if err != nil {
				return err
			}
			queueCreate(b, r, svc, now)
			actor := HistoryActorCustomer
			if createdBy != nil {
				actor = createdBy.String()
			}
			h, ev := transition(r, nil, nil, actor, "created", events.ReservationCreated, now)
			queueHistory(b, h)
			created = r // complete once the writes have run (the claim sets its occupation)
			return events.QueueBatch(b, ev)
		}
		err = database.PipelineInTenant(ctx, s.pool, tenantID, read, decide)
		if errors.Is(err, errReplayed) {
			err = nil
		} else if err == nil && created != nil {
			out.Reservation = *created
		}
		if retry, _ := database.IsCode(err, database.CodeDeadlock); retry && attempt < 3 {
			continue
		}
		if retry, _ := database.IsCode(err, database.CodeSerialization); retry && attempt < 3 {
			continue
		}
		err = translateBookingConflict(err)
		break
	}
	if err != nil {
		return nil, wrap("create reservation", err)
	}
	if out.CustomerAccessToken, err = s.customerToken(&out.Reservation); err != nil {
		return nil, wrap("create reservation", err)
	}
	return &out, nil
}

// errReplayed ends a booking transaction that found the idempotency key's reservation: nothing is
// written, and the earlier reservation is the answer.
var errReplayed = errors.New("idempotent replay")

// newReservation checks a booking against what was read, in the order a customer would fix it
// (service, time, staff, the slot), and returns the reservation to insert.
func (s *Service) newReservation(reads *bookingReads, in CreateInput, tenantID uuid.UUID, source string, createdBy *uuid.UUID, hash []byte, now time.Time) (*models.Reservation, *models.Service, error) {
	bk, err := reads.settingsAndService("input.serviceId")
	if err != nil {
		return nil, nil, err
	}
	settings, svc := bk.settings, bk.service
	switch {
	case !in.StartsAt.After(now):
		return nil, nil, ErrStartInPast.WithField("input.startsAt")
	case in.StartsAt.Before(now.Add(time.Duration(settings.MinNoticeMinutes) * time.Minute)):
		return nil, nil, ErrStartTooSoon.WithField("input.startsAt")
	case in.StartsAt.After(now.Add(time.Duration(settings.BookingHorizonDays) * 24 * time.Hour)):
		return nil, nil, ErrStartTooFar.WithField("input.startsAt")
	}
	if err := reads.staffAndSchedules(bk, in.StaffMemberID != nil, "input.staffMemberId"); err != nil {
		return nil, nil, err
	}
	spec := specOf(svc)
	rules := Rules{Location: bk.loc, Step: time.Duration(settings.SlotStepMinutes) * time.Minute}
	staffID, err := chooseStaff(rules, spec, bk.schedules, in.StartsAt)
	if err != nil {
		return nil, nil, err
	}
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
	return r, svc, nil
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
		hold := time.Duration(settings.DefaultHoldMinutes) * time.Minute
		if svc.HoldMinutes != nil {
			hold = time.Duration(*svc.HoldMinutes) * time.Minute
		}
		expires := now.Add(hold)
		if expires.After(r.StartsAt) {
			expires = r.StartsAt
		}
		r.Status, r.PaymentStatus, r.HoldExpiresAt = models.StatusPendingPayment, models.PaymentUnpaid, &expires
	}
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
		return uuid.Nil, ErrNoStaffForService.WithField("input.serviceId")
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
		return uuid.Nil, ErrOutsideWorkingHours.WithField("input.startsAt")
	case VerdictMisaligned:
		return uuid.Nil, ErrMisaligned.WithField("input.startsAt")
	default:
		return uuid.Nil, ErrSlotUnavailable.WithField("input.startsAt")
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
	err = s.inTenant(ctx, tenantID, func(tx *gorm.DB) error {
		if err := tx.First(&r, "id = ?", id).Error; err != nil {
			return notFound(err, ErrReservationNotFound, "id")
		}
		if r.Status == models.StatusPendingPayment && r.HoldExpiresAt != nil && !r.HoldExpiresAt.After(s.Now()) {
			locked, err := lockReservation(tx, id)
			if err != nil {
				return err
			}
			if err := expireIfOverdue(tx, locked, s.Now()); err != nil {
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
// CANCELLED (staff or customer, the customer only before it starts), CONFIRMED (staff, e.g. paid on
// site), COMPLETED and NO_SHOW (staff, once it has started).
func (s *Service) ChangeStatus(ctx context.Context, p *auth.Principal, id uuid.UUID, t Transition) (*models.Reservation, error) {
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
	err = s.inTenant(ctx, tenantID, func(tx *gorm.DB) error {
		now := s.Now()
		if r, err = lockReservation(tx, id); err != nil {
			return asField(err, "id")
		}
		if err := expireIfOverdue(tx, r, now); err != nil {
			return err
		}
		if !CanTransition(r.Status, t.To, actorKind) {
			if actorKind == ActorCustomer && CanTransition(r.Status, t.To, ActorStaff) {
				return ErrCustomerCannotChange
			}
			return ErrIllegalTransition
		}
		switch {
		case actorKind == ActorCustomer && t.To == models.StatusCancelled && !now.Before(r.StartsAt):
			return ErrAlreadyStarted
		case (t.To == models.StatusCompleted || t.To == models.StatusNoShow) && now.Before(r.StartsAt):
			return ErrNotStarted
		}
		from := r.Status
		updates := map[string]any{"status": t.To, "updated_at": now}
		if t.To == models.StatusCancelled {
			updates["cancel_reason"] = reason
		}
		if err := tx.Model(r).Updates(updates).Error; err != nil {
			return err
		}
		r.Status, r.UpdatedAt = t.To, now
		if t.To == models.StatusCancelled {
			r.CancelReason = &reason
		}
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
	// Search matches the customer's name, e-mail or phone (case-insensitive substring).
	Search string
}

// MaxPageSize is the hard cap on one page of reservations.
const MaxPageSize = 100

// ReservationPage is one page of reservations in (startsAt, id) order.
type ReservationPage struct {
	Reservations    []models.Reservation
	HasNextPage     bool
	HasPreviousPage bool
}

// Reservations lists the caller's reservations (staff only) with keyset pagination.
func (s *Service) Reservations(ctx context.Context, p *auth.Principal, f ReservationFilter, first int, after string) (*ReservationPage, error) {
	if !p.IsStaff() {
		return nil, apperr.ErrForbidden
	}
	if first < 1 || first > MaxPageSize {
		return nil, apperr.Input("first", apperr.OutOfRange, "first must be between 1 and 100").With("min", 1).With("max", 100)
	}
	var cursor *pageCursor
	if after != "" {
		c, err := decodeCursor(after)
		if err != nil {
			return nil, apperr.Input("after", apperr.InvalidFormat, "invalid cursor")
		}
		cursor = &c
	}
	search, err := text(f.Search, "filter.search", 200)
	if err != nil {
		return nil, err
	}
	// One round trip through pgx (database.ReadInTenant): this is the dashboard's hot read.
	conds := []string{"tenant_id = $1"}
	args := []any{p.TenantID}
	where := func(cond string, vals ...any) {
		for _, v := range vals {
			args = append(args, v)
			cond = strings.Replace(cond, "?", "$"+strconv.Itoa(len(args)), 1)
		}
		conds = append(conds, cond)
	}
	if f.From != nil {
		where("starts_at >= ?", *f.From)
	}
	if f.To != nil {
		where("starts_at < ?", *f.To)
	}
	if len(f.Statuses) > 0 {
		where("status = ANY(?)", stringsOf(f.Statuses))
	}
	if len(f.PaymentStatuses) > 0 {
		where("payment_status = ANY(?)", stringsOf(f.PaymentStatuses))
	}
	if f.StaffMemberID != nil {
		where("staff_member_id = ?", *f.StaffMemberID)
	}
	if f.ServiceID != nil {
		where("service_id = ?", *f.ServiceID)
	}
	if search != "" {
		like := "%" + escapeLike(strings.ToLower(search)) + "%"
		where("(lower(customer_name) LIKE ? OR lower(customer_email) LIKE ? OR customer_phone LIKE ?)", like, like, like)
	}
	if cursor != nil {
		where("(starts_at, id) > (?, ?)", cursor.StartsAt, cursor.ID)
	}
	args = append(args, first+1)
	sql := "SELECT " + database.Columns[models.Reservation]() + " FROM reservations WHERE " + strings.Join(conds, " AND ") +
		" ORDER BY starts_at, id LIMIT $" + strconv.Itoa(len(args))
	var rows []models.Reservation
	err = database.ReadInTenant(ctx, s.pool, p.TenantID, func(b *pgx.Batch) {
		b.Queue(sql, args...).Query(database.CollectInto(&rows))
	})
	if err != nil {
		return nil, wrap("reservations", err)
	}
	page := &ReservationPage{Reservations: rows, HasPreviousPage: cursor != nil}
	if len(rows) > first {
		page.Reservations, page.HasNextPage = rows[:first], true
	}
	return page, nil
}

func escapeLike(s string) string {
	return strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(s)
}

// The GraphQL loaders' batch reads. Each has a Queue form that adds the read to a pgx batch sent by
// database.ReadInTenant (the tenant's setting first), so a page's nested objects of every kind come
// in one round trip (graph's prefetch); the plain form is that batch with one read. The queries
// name the tenant too, as every query of the application does; row-level security applies on top.

// QueueServicesByIDs queues a read of services of one tenant by id, archived ones too, into out.
func QueueServicesByIDs(b *pgx.Batch, tenantID uuid.UUID, ids []uuid.UUID, out map[uuid.UUID]models.Service) {
	database.QueueByKey(b, `SELECT `+database.Columns[models.Service]()+` FROM services WHERE tenant_id = $1 AND id = ANY($2)`,
		[]any{tenantID, ids}, func(r models.Service) uuid.UUID { return r.ID }, out)
}

// QueueStaffByIDs queues a read of staff members of one tenant by id into out.
func QueueStaffByIDs(b *pgx.Batch, tenantID uuid.UUID, ids []uuid.UUID, out map[uuid.UUID]models.StaffMember) {
	database.QueueByKey(b, `SELECT `+database.Columns[models.StaffMember]()+` FROM staff_members WHERE tenant_id = $1 AND id = ANY($2)`,
		[]any{tenantID, ids}, func(r models.StaffMember) uuid.UUID { return r.ID }, out)
}

// QueueHistoryByReservations queues a read of the history of several reservations of one tenant,
// oldest first, into out.
func QueueHistoryByReservations(b *pgx.Batch, tenantID uuid.UUID, ids []uuid.UUID, out map[uuid.UUID][]models.ReservationHistory) {
	database.QueueGrouped(b, `SELECT `+database.Columns[models.ReservationHistory]()+` FROM reservation_history WHERE tenant_id = $1 AND reservation_id = ANY($2) ORDER BY seq`,
		[]any{tenantID, ids}, func(r models.ReservationHistory) uuid.UUID { return r.ReservationID }, out)
}

// ServicesByIDs loads services of one tenant by id (for the GraphQL loaders), archived ones too.
func (s *Service) ServicesByIDs(ctx context.Context, tenantID uuid.UUID, ids []uuid.UUID) (map[uuid.UUID]models.Service, error) {
	out := make(map[uuid.UUID]models.Service, len(ids))
	err := s.ReadInTenant(ctx, tenantID, func(b *pgx.Batch) { QueueServicesByIDs(b, tenantID, ids, out) })
	return out, wrap("services by id", err)
}

// HistoryByReservations loads the history of several reservations of one tenant, oldest first.
func (s *Service) HistoryByReservations(ctx context.Context, tenantID uuid.UUID, ids []uuid.UUID) (map[uuid.UUID][]models.ReservationHistory, error) {
	out := make(map[uuid.UUID][]models.ReservationHistory, len(ids))
	err := s.ReadInTenant(ctx, tenantID, func(b *pgx.Batch) { QueueHistoryByReservations(b, tenantID, ids, out) })
	return out, wrap("reservation history", err)
}

// ReadInTenant sends the reads queue adds, scoped to tenantID, in one round trip
// (database.ReadInTenant on the service's pool).
func (s *Service) ReadInTenant(ctx context.Context, tenantID uuid.UUID, queue func(b *pgx.Batch)) error {
	return database.ReadInTenant(ctx, s.pool, tenantID, queue)
}

func stringsOf[T ~string](in []T) []string {
	out := make([]string, len(in))
	for i, v := range in {
		out[i] = string(v)
	}
	return out
}
