package booking

import (
	"context"
	"maps"

	"github.com/google/uuid"
	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/slotpay/slotpay/models"
	"github.com/slotpay/slotpay/services/apperr"
	"github.com/slotpay/slotpay/services/auth"
	"github.com/slotpay/slotpay/services/database"
	"github.com/slotpay/slotpay/services/events"
	"github.com/slotpay/slotpay/services/tenancy"
)

// This file is the catalogue: booking settings, services and staff members (OWNER/ADMIN).

// BookingSettings returns the tenant's booking rules.
func (s *Service) BookingSettings(ctx context.Context, tenantID uuid.UUID) (*models.BookingSettings, error) {
	var out models.BookingSettings
	err := s.data.InTenant(ctx, tenantID, func(tx *database.Tx) error {
		db := tx.Gorm()
		return db.First(&out, "id = ?", tenantID).Error
	})
	return &out, wrap("booking settings", notFound(err, tenancy.ErrTenantNotFound, ""))
}

// SettingsInput changes booking settings; nil fields stay.
type SettingsInput struct {
	MinNoticeMinutes   *int
	BookingHorizonDays *int
	SlotStepMinutes    *int
	DefaultHoldMinutes *int
	// RequiresConfirmation makes bookings requests staff decide on (services may override it);
	// ApprovalDeadlineHours is how long staff have to decide, 1 to 720.
	RequiresConfirmation  *bool
	ApprovalDeadlineHours *int
	CancellationRules     *RulesInput
}

// UpdateBookingSettings changes the caller's booking rules (OWNER/ADMIN).
func (s *Service) UpdateBookingSettings(ctx context.Context, p *auth.Principal, in SettingsInput) (*models.BookingSettings, error) {
	updates := map[string]any{}
	checks := []struct {
		v      *int
		col    string
		lo, hi int
		field  string
	}{
		{in.MinNoticeMinutes, "min_notice_minutes", 0, 43200, "minNoticeMinutes"},
		{in.BookingHorizonDays, "booking_horizon_days", 1, 730, "bookingHorizonDays"},
		{in.SlotStepMinutes, "slot_step_minutes", 5, 240, "slotStepMinutes"},
		{in.DefaultHoldMinutes, "default_hold_minutes", MinHoldMinutes, 1440, "defaultHoldMinutes"},
		{in.ApprovalDeadlineHours, "approval_deadline_hours", 1, 720, "approvalDeadlineHours"},
	}
	var problems apperr.Problems
	for _, c := range checks {
		if c.v == nil {
			continue
		}
		problems.Add(intIn(*c.v, c.lo, c.hi, c.field))
		updates[c.col] = *c.v
	}
	if in.RequiresConfirmation != nil {
		updates["requires_confirmation"] = *in.RequiresConfirmation
	}
	if in.CancellationRules != nil {
		problems.Add(in.CancellationRules.validate("cancellationRules"))
	}
	if err := problems.Err(); err != nil {
		return nil, err
	}
	var out models.BookingSettings
	err := s.data.InTenant(ctx, p.TenantID, func(tx *database.Tx) error {
		db := tx.Gorm()
		if in.CancellationRules != nil {
			if err := db.Clauses(clause.Locking{Strength: "UPDATE"}).First(&out, "id = ?", p.TenantID).Error; err != nil {
				return err
			}
			in.CancellationRules.applyTo(&out.CancellationRules)
			maps.Copy(updates, rulesColumns(out.CancellationRules))
		}
		if len(updates) > 0 {
			updates["updated_at"] = s.Now()
			if err := db.Table("tenants").Where("id = ?", p.TenantID).Updates(updates).Error; err != nil {
				return err
			}
		}
		return db.First(&out, "id = ?", p.TenantID).Error
	})
	return &out, wrap("update booking settings", err)
}

// ServiceInput creates or changes a service; on update nil fields stay.
type ServiceInput struct {
	Name                *string
	Description         *string
	Category            *string
	DurationMinutes     *int
	PriceAmount         *int64
	Currency            *string
	BufferBeforeMinutes *int
	BufferAfterMinutes  *int
	Capacity            *int
	PaymentPolicy       *models.PaymentPolicy
	DepositKind         *models.DepositKind
	DepositValue        *int64
	HoldMinutes         *int
	// RequiresConfirmation overrides the business's setting; FollowBusinessConfirmation returns
	// to it (and wins over RequiresConfirmation).
	RequiresConfirmation       *bool
	FollowBusinessConfirmation bool
	Active                     *bool
	CancellationRules          *RulesInput // overrides of the business's rules
}

// apply validates in onto svc, reporting every bad field at once.
func (in ServiceInput) apply(svc *models.Service, creating bool) error {
	var problems apperr.Problems
	var err error
	if in.Name != nil || creating {
		svc.Name, err = tenancy.ValidateName(deref(in.Name), "name")
		problems.Add(err)
	}
	if in.Description != nil {
		svc.Description, err = text(*in.Description, "description", 5000)
		problems.Add(err)
	}
	if in.Category != nil {
		c, err := text(*in.Category, "category", 100)
		problems.Add(err)
		svc.Category = nil
		if c != "" {
			svc.Category = &c
		}
	}
	problems.Add(in.applyNumbers(svc, creating))
	if in.Currency != nil {
		svc.Currency, err = tenancy.ValidateCurrency(*in.Currency, "currency")
		problems.Add(err)
	}
	if in.PaymentPolicy != nil {
		if !in.PaymentPolicy.Valid() {
			problems.Add(apperr.Input("paymentPolicy", apperr.NotAllowed, "unknown payment policy"))
		}
		svc.PaymentPolicy = *in.PaymentPolicy
	}
	if in.Active != nil {
		svc.Active = *in.Active
	}
	switch {
	case in.FollowBusinessConfirmation:
		svc.RequiresConfirmation = nil
	case in.RequiresConfirmation != nil:
		v := *in.RequiresConfirmation
		svc.RequiresConfirmation = &v
	}
	if in.CancellationRules != nil {
		problems.Add(in.CancellationRules.validate("cancellationRules"))
		in.CancellationRules.overrideOn(&svc.CancellationOverrides)
	}
	if problems.Err() == nil {
		// The deposit is checked against the price and policy the service ends up with.
		problems.Add(in.applyDeposit(svc))
	}
	return problems.Err()
}

// applyDeposit validates the deposit onto svc (after its price and policy): a deposit is paid
// online, so it needs paymentPolicy OPTIONAL or REQUIRED and a price; FIXED is 1 to below the
// price (minor units), PERCENT 1 to 99. Kind NONE clears the value. A change of price or policy
// that leaves a set deposit impossible is refused too (the deposit is named).
func (in ServiceInput) applyDeposit(svc *models.Service) error {
	if in.DepositKind != nil {
		if !in.DepositKind.Valid() {
			return apperr.Input("depositKind", apperr.NotAllowed, "unknown deposit kind")
		}
		svc.DepositKind = *in.DepositKind
		if svc.DepositKind == models.DepositNone {
			svc.DepositValue = 0
		}
	}
	if svc.DepositKind == "" {
		svc.DepositKind = models.DepositNone
	}
	if in.DepositValue != nil {
		svc.DepositValue = *in.DepositValue
	}
	switch svc.DepositKind {
	case models.DepositNone:
		if in.DepositValue != nil && *in.DepositValue != 0 {
			return apperr.Input("depositValue", apperr.Inconsistent, "a deposit value needs depositKind FIXED or PERCENT")
		}
		return nil
	case models.DepositFixed, models.DepositPercent:
	}
	var problems apperr.Problems
	if svc.PaymentPolicy != models.PaymentPolicyOptional && svc.PaymentPolicy != models.PaymentPolicyRequired {
		problems.Add(apperr.Input("depositKind", apperr.Inconsistent, "a deposit needs paymentPolicy OPTIONAL or REQUIRED"))
	}
	switch {
	case svc.DepositKind == models.DepositPercent:
		problems.Add(int64In(svc.DepositValue, 1, 99, "depositValue"))
	case svc.PriceAmount < 2:
		problems.Add(apperr.Input("depositValue", apperr.Inconsistent, "a fixed deposit needs a price of at least 2 minor units"))
	default:
		problems.Add(int64In(svc.DepositValue, 1, svc.PriceAmount-1, "depositValue"))
	}
	return problems.Err()
}

// applyNumbers validates the service's durations, price and capacity onto svc.
func (in ServiceInput) applyNumbers(svc *models.Service, creating bool) error {
	var problems apperr.Problems
	switch {
	case in.DurationMinutes != nil:
		problems.Add(intIn(*in.DurationMinutes, 5, 1440, "durationMinutes"))
		svc.DurationMinutes = *in.DurationMinutes
	case creating:
		problems.Add(apperr.Input("durationMinutes", apperr.Required, "duration is required"))
	}
	switch {
	case in.PriceAmount != nil:
		if *in.PriceAmount < 0 || *in.PriceAmount > 100_000_000 {
			problems.Add(apperr.Input("priceAmount", apperr.OutOfRange, "price must be between 0 and 100000000 minor units").
				With("min", 0).With("max", 100_000_000))
		}
		svc.PriceAmount = *in.PriceAmount
	case creating:
		problems.Add(apperr.Input("priceAmount", apperr.Required, "price is required (0 for free)"))
	}
	for _, b := range []struct {
		v     *int
		dst   *int
		field string
	}{{in.BufferBeforeMinutes, &svc.BufferBeforeMinutes, "bufferBeforeMinutes"}, {in.BufferAfterMinutes, &svc.BufferAfterMinutes, "bufferAfterMinutes"}} {
		if b.v != nil {
			problems.Add(intIn(*b.v, 0, 240, b.field))
			*b.dst = *b.v
		}
	}
	if in.Capacity != nil {
		problems.Add(intIn(*in.Capacity, 1, 1000, "capacity"))
		svc.Capacity = *in.Capacity
	}
	if in.HoldMinutes != nil {
		if *in.HoldMinutes == 0 {
			svc.HoldMinutes = nil // back to the tenant's default
		} else {
			problems.Add(intIn(*in.HoldMinutes, MinHoldMinutes, 1440, "holdMinutes"))
			svc.HoldMinutes = in.HoldMinutes
		}
	}
	return problems.Err()
}

func deref[T any](p *T) T {
	var zero T
	if p == nil {
		return zero
	}
	return *p
}

// CreateService adds a service to the caller's business (OWNER/ADMIN).
func (s *Service) CreateService(ctx context.Context, p *auth.Principal, in ServiceInput) (*models.Service, error) {
	svc := models.Service{TenantID: p.TenantID, ID: uuid.New(), Capacity: 1, PaymentPolicy: models.PaymentPolicyNone, Active: true}
	if err := in.apply(&svc, true); err != nil {
		return nil, err
	}
	err := s.data.InTenant(ctx, p.TenantID, func(tx *database.Tx) error {
		db := tx.Gorm()
		if svc.Currency == "" {
			var settings models.BookingSettings
			if err := db.First(&settings, "id = ?", p.TenantID).Error; err != nil {
				return err
			}
			svc.Currency = settings.Currency
		}
		svc.CreatedAt, svc.UpdatedAt = s.Now(), s.Now()
		return db.Create(&svc).Error
	})
	return &svc, wrap("create service", err)
}

// UpdateService changes a service (OWNER/ADMIN). Existing reservations keep their price and times.
func (s *Service) UpdateService(ctx context.Context, p *auth.Principal, id uuid.UUID, in ServiceInput) (*models.Service, error) {
	var svc models.Service
	err := s.data.InTenant(ctx, p.TenantID, func(tx *database.Tx) error {
		db := tx.Gorm()
		if err := db.Clauses(clause.Locking{Strength: "UPDATE"}).First(&svc, "id = ?", id).Error; err != nil {
			return notFound(err, ErrServiceNotFound, "id")
		}
		if err := in.apply(&svc, false); err != nil {
			return err
		}
		svc.UpdatedAt = s.Now()
		if err := db.Save(&svc).Error; err != nil {
			return err
		}
		return serviceChanged(tx, id)
	})
	if err != nil {
		return nil, wrap("update service", err)
	}
	return &svc, nil
}

// ArchiveService stops a service from being booked; its past reservations stay intact.
func (s *Service) ArchiveService(ctx context.Context, p *auth.Principal, id uuid.UUID) (*models.Service, error) {
	var svc models.Service
	err := s.data.InTenant(ctx, p.TenantID, func(tx *database.Tx) error {
		db := tx.Gorm()
		now := s.Now()
		res := db.Model(&models.Service{}).Where("id = ? AND archived_at IS NULL", id).
			Updates(map[string]any{"archived_at": now, "active": false, "updated_at": now})
		if res.Error != nil {
			return res.Error
		}
		if err := notFound(db.First(&svc, "id = ?", id).Error, ErrServiceNotFound, "id"); err != nil {
			return err
		}
		return serviceChanged(tx, id)
	})
	if err != nil {
		return nil, wrap("archive service", err)
	}
	return &svc, nil
}

// Services lists the tenant's services, archived ones only when asked.
func (s *Service) Services(ctx context.Context, tenantID uuid.UUID, includeArchived bool) ([]models.Service, error) {
	var out []models.Service
	err := s.data.InTenant(ctx, tenantID, func(tx *database.Tx) error {
		db := tx.Gorm()
		q := db.Order("category NULLS FIRST, name, id").Limit(1000)
		if !includeArchived {
			q = q.Where("archived_at IS NULL")
		}
		return q.Find(&out).Error
	})
	return out, wrap("services", err)
}

// PublicServices lists the bookable services of a business by its slug (no login).
func (s *Service) PublicServices(ctx context.Context, tenantSlug string) ([]models.Service, error) {
	tenantID, err := s.tenantIDBySlug(ctx, tenantSlug)
	if err != nil {
		return nil, err
	}
	var out []models.Service
	err = s.data.InTenant(ctx, tenantID, func(tx *database.Tx) error {
		db := tx.Gorm()
		return db.Where("active AND archived_at IS NULL").Order("category NULLS FIRST, name, id").Limit(1000).Find(&out).Error
	})
	return out, wrap("public services", err)
}

// ServiceByID returns one service of the tenant.
func (s *Service) ServiceByID(ctx context.Context, tenantID, id uuid.UUID) (*models.Service, error) {
	var svc models.Service
	err := s.data.InTenant(ctx, tenantID, func(tx *database.Tx) error {
		db := tx.Gorm()
		return notFound(db.First(&svc, "id = ?", id).Error, ErrServiceNotFound, "id")
	})
	if err != nil {
		return nil, wrap("service", err)
	}
	return &svc, nil
}

// StaffInput creates or changes a staff member; on update nil fields stay.
type StaffInput struct {
	Name       *string
	UserID     *uuid.UUID
	UnlinkUser bool
	ServiceIDs *[]uuid.UUID
	Active     *bool
}

// CreateStaffMember adds a worker (OWNER/ADMIN).
func (s *Service) CreateStaffMember(ctx context.Context, p *auth.Principal, in StaffInput) (*models.StaffMember, error) {
	m := models.StaffMember{TenantID: p.TenantID, ID: uuid.New(), Active: true, UserID: in.UserID}
	var err error
	if m.Name, err = tenancy.ValidateName(deref(in.Name), "name"); err != nil {
		return nil, err
	}
	if in.Active != nil {
		m.Active = *in.Active
	}
	err = s.data.InTenant(ctx, p.TenantID, func(tx *database.Tx) error {
		db := tx.Gorm()
		m.CreatedAt, m.UpdatedAt = s.Now(), s.Now()
		if err := db.Create(&m).Error; err != nil {
			return translateStaffError(err)
		}
		if in.ServiceIDs != nil {
			return setStaffServices(db, p.TenantID, m.ID, *in.ServiceIDs)
		}
		return nil
	})
	if err != nil {
		return nil, wrap("create staff member", err)
	}
	return &m, nil
}

// UpdateStaffMember changes a worker (OWNER/ADMIN).
func (s *Service) UpdateStaffMember(ctx context.Context, p *auth.Principal, id uuid.UUID, in StaffInput) (*models.StaffMember, error) {
	var m models.StaffMember
	err := s.data.InTenant(ctx, p.TenantID, func(tx *database.Tx) error {
		db := tx.Gorm()
		if err := db.Clauses(clause.Locking{Strength: "UPDATE"}).First(&m, "id = ?", id).Error; err != nil {
			return notFound(err, ErrStaffNotFound, "id")
		}
		if in.Name != nil {
			name, err := tenancy.ValidateName(*in.Name, "name")
			if err != nil {
				return err
			}
			m.Name = name
		}
		if in.UserID != nil {
			m.UserID = in.UserID
		}
		if in.UnlinkUser {
			m.UserID = nil
		}
		if in.Active != nil {
			m.Active = *in.Active
		}
		m.UpdatedAt = s.Now()
		if err := db.Save(&m).Error; err != nil {
			return translateStaffError(err)
		}
		if in.ServiceIDs != nil {
			return setStaffServices(db, p.TenantID, m.ID, *in.ServiceIDs)
		}
		return nil
	})
	if err != nil {
		return nil, wrap("update staff member", err)
	}
	return &m, nil
}

// ArchiveStaffMember stops a worker from being booked; past reservations stay intact.
func (s *Service) ArchiveStaffMember(ctx context.Context, p *auth.Principal, id uuid.UUID) (*models.StaffMember, error) {
	var m models.StaffMember
	err := s.data.InTenant(ctx, p.TenantID, func(tx *database.Tx) error {
		db := tx.Gorm()
		now := s.Now()
		if err := db.Model(&models.StaffMember{}).Where("id = ? AND archived_at IS NULL", id).
			Updates(map[string]any{"archived_at": now, "active": false, "updated_at": now}).Error; err != nil {
			return err
		}
		return notFound(db.First(&m, "id = ?", id).Error, ErrStaffNotFound, "id")
	})
	if err != nil {
		return nil, wrap("archive staff member", err)
	}
	return &m, nil
}

func translateStaffError(err error) error {
	if ok, name := database.IsCode(err, database.CodeUniqueViolation); ok && name == "staff_members_user_key" {
		return ErrUserAlreadyLinked.WithField("userId").Wrap(err)
	}
	if ok, _ := database.IsCode(err, database.CodeForeignKeyViolation); ok {
		return ErrUserNotMember.WithField("userId").Wrap(err)
	}
	return err
}

// setStaffServices replaces the services a staff member performs; every id must be a service of the
// tenant (RLS hides other tenants' services, so they count as unknown).
func setStaffServices(tx *gorm.DB, tenantID, staffID uuid.UUID, ids []uuid.UUID) error {
	ids = uniqueIDs(ids)
	if len(ids) > 0 {
		var found int64
		if err := tx.Model(&models.Service{}).Where("id IN ?", ids).Count(&found).Error; err != nil {
			return err
		}
		if int(found) != len(ids) {
			return ErrServiceNotFound.WithField("serviceIds")
		}
	}
	if err := tx.Where("staff_member_id = ?", staffID).Delete(&models.StaffService{}).Error; err != nil {
		return err
	}
	if len(ids) == 0 {
		return nil
	}
	rows := make([]models.StaffService, len(ids))
	for i, id := range ids {
		rows[i] = models.StaffService{TenantID: tenantID, StaffMemberID: staffID, ServiceID: id}
	}
	return tx.Create(&rows).Error
}

// StaffMembers lists the tenant's staff, archived ones only when asked.
func (s *Service) StaffMembers(ctx context.Context, tenantID uuid.UUID, includeArchived bool) ([]models.StaffMember, error) {
	var out []models.StaffMember
	err := s.data.InTenant(ctx, tenantID, func(tx *database.Tx) error {
		db := tx.Gorm()
		q := db.Order("name, id").Limit(1000)
		if !includeArchived {
			q = q.Where("archived_at IS NULL")
		}
		return q.Find(&out).Error
	})
	return out, wrap("staff members", err)
}

// PublicStaff lists the bookable staff of a business by its slug, optionally those performing one
// service (no login).
func (s *Service) PublicStaff(ctx context.Context, tenantSlug string, serviceID *uuid.UUID) ([]models.StaffMember, error) {
	tenantID, err := s.tenantIDBySlug(ctx, tenantSlug)
	if err != nil {
		return nil, err
	}
	var out []models.StaffMember
	err = s.data.InTenant(ctx, tenantID, func(tx *database.Tx) error {
		db := tx.Gorm()
		q := db.Where("active AND archived_at IS NULL").Order("name, id").Limit(1000)
		if serviceID != nil {
			q = q.Where("id IN (SELECT staff_member_id FROM staff_services WHERE service_id = ?)", *serviceID)
		}
		return q.Find(&out).Error
	})
	return out, wrap("public staff", err)
}

// StaffMemberByID returns one staff member of the tenant.
func (s *Service) StaffMemberByID(ctx context.Context, tenantID, id uuid.UUID) (*models.StaffMember, error) {
	var m models.StaffMember
	err := s.data.InTenant(ctx, tenantID, func(tx *database.Tx) error {
		db := tx.Gorm()
		return notFound(db.First(&m, "id = ?", id).Error, ErrStaffNotFound, "id")
	})
	if err != nil {
		return nil, wrap("staff member", err)
	}
	return &m, nil
}

// loadStaffForEdit finds a staff member whose schedule the caller may change: OWNER and ADMIN any,
// STAFF only the one linked to their own account.
func loadStaffForEdit(tx *gorm.DB, p *auth.Principal, staffID uuid.UUID, field string) (*models.StaffMember, error) {
	var m models.StaffMember
	if err := tx.First(&m, "id = ?", staffID).Error; err != nil {
		return nil, notFound(err, ErrStaffNotFound, field)
	}
	if p.HasRole(auth.RoleOwner, auth.RoleAdmin) {
		return &m, nil
	}
	if p.HasRole(auth.RoleStaff) && m.UserID != nil && *m.UserID == p.UserID {
		return &m, nil
	}
	return nil, apperr.ErrForbidden
}

// validDate guards against absurd dates far in the past or future.
func validDate(d models.Date, field string) error {
	if d.Year < 2000 || d.Year > 2100 {
		return apperr.Input(field, apperr.OutOfRange, "date must be between 2000 and 2100").With("min", 2000).With("max", 2100)
	}
	return nil
}

// serviceChanged tells availability watchers of a service, when tx commits, that its slots may have
// changed (duration, buffers, capacity, archiving).
func serviceChanged(tx *database.Tx, serviceID uuid.UUID) error {
	return events.Publish(tx, events.Event{Kind: events.AvailabilityChanged, TenantID: tx.TenantID(), ServiceID: serviceID})
}
