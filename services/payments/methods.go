package payments

import (
	"context"
	"errors"
	"regexp"
	"strings"
	"unicode/utf8"

	"github.com/google/uuid"
	"gorm.io/gorm"

	"github.com/slotpay/slotpay/models"
	"github.com/slotpay/slotpay/services/apperr"
	"github.com/slotpay/slotpay/services/auth"
	"github.com/slotpay/slotpay/services/booking"
	"github.com/slotpay/slotpay/services/database"
)

// MethodInput creates or changes a payment method; nil fields stay as they are on update.
type MethodInput struct {
	Kind          models.PaymentMethodKind // create only
	DisplayName   *string
	Description   *string
	Enabled       *bool
	SortOrder     *int
	IsDefault     *bool
	AccountHolder *string
	AccountNumber *string
	BankName      *string
	TitleTemplate *string
	// AutoRefundUnwanted: refund money for an already paid, cancelled or expired reservation at
	// once (the default), or keep it and flag it for staff.
	AutoRefundUnwanted *bool
}

var ibanPattern = regexp.MustCompile(`^[A-Z]{2}[0-9]{2}[A-Z0-9]{10,30}$`)

func validateMethod(m *models.PaymentMethod) error {
	var problems apperr.Problems
	m.DisplayName = strings.TrimSpace(m.DisplayName)
	if m.DisplayName == "" || utf8.RuneCountInString(m.DisplayName) > 100 {
		reason := apperr.TooLong
		if m.DisplayName == "" {
			reason = apperr.Required
		}
		problems.Add(apperr.Input("displayName", reason, "display name must be 1 to 100 characters").With("max", 100))
	}
	if utf8.RuneCountInString(m.Description) > 1000 {
		problems.Add(apperr.Input("description", apperr.TooLong, "description must be at most 1000 characters").With("max", 1000))
	}
	if m.Kind != models.MethodBankTransfer {
		if m.AccountHolder != nil || m.AccountNumber != nil || m.BankName != nil || m.TitleTemplate != nil {
			problems.Add(apperr.Input("accountNumber", apperr.NotAllowed, "account details belong to BANK_TRANSFER methods only"))
		}
		return problems.Err()
	}
	problems.Add(validateBankTransfer(m))
	return problems.Err()
}

// validateBankTransfer checks a BANK_TRANSFER method's account details, reporting every problem.
func validateBankTransfer(m *models.PaymentMethod) error {
	var problems apperr.Problems
	if m.AccountHolder == nil || strings.TrimSpace(*m.AccountHolder) == "" {
		problems.Add(apperr.Input("accountHolder", apperr.Required, "account holder is required for a bank transfer"))
	}
	if m.AccountNumber == nil {
		problems.Add(apperr.Input("accountNumber", apperr.Required, "account number (IBAN) is required for a bank transfer"))
	} else {
		iban := strings.ToUpper(strings.ReplaceAll(*m.AccountNumber, " ", ""))
		if !ibanPattern.MatchString(iban) || !ibanChecksumOK(iban) {
			problems.Add(apperr.Input("accountNumber", apperr.InvalidFormat, "account number is not a valid IBAN"))
		}
		m.AccountNumber = &iban
	}
	if m.TitleTemplate == nil || strings.TrimSpace(*m.TitleTemplate) == "" {
		def := "Reservation {reservation}"
		m.TitleTemplate = &def
	}
	if utf8.RuneCountInString(*m.TitleTemplate) > 140 {
		problems.Add(apperr.Input("titleTemplate", apperr.TooLong, "transfer title template must be at most 140 characters").With("max", 140))
	}
	return problems.Err()
}

// ibanChecksumOK applies ISO 13616's mod-97 check.
func ibanChecksumOK(iban string) bool {
	rearranged := iban[4:] + iban[:4]
	rem := 0
	for _, r := range rearranged {
		var v int
		switch {
		case r >= '0' && r <= '9':
			v = int(r - '0')
			rem = (rem*10 + v) % 97
		case r >= 'A' && r <= 'Z':
			v = int(r-'A') + 10
			rem = (rem*100 + v) % 97
		default:
			return false
		}
	}
	return rem == 1
}

func applyInput(m *models.PaymentMethod, in MethodInput) {
	if in.DisplayName != nil {
		m.DisplayName = *in.DisplayName
	}
	if in.Description != nil {
		m.Description = *in.Description
	}
	if in.Enabled != nil {
		m.Enabled = *in.Enabled
	}
	if in.SortOrder != nil {
		m.SortOrder = *in.SortOrder
	}
	if in.IsDefault != nil {
		m.IsDefault = *in.IsDefault
	}
	if in.AccountHolder != nil {
		m.AccountHolder = in.AccountHolder
	}
	if in.AccountNumber != nil {
		m.AccountNumber = in.AccountNumber
	}
	if in.BankName != nil {
		m.BankName = in.BankName
	}
	if in.TitleTemplate != nil {
		m.TitleTemplate = in.TitleTemplate
	}
	if in.AutoRefundUnwanted != nil {
		m.AutoRefundUnwanted = *in.AutoRefundUnwanted
	}
}

// CreateMethod adds a payment method (OWNER/ADMIN). An IMOJE method becomes usable once its
// credentials are saved.
func (s *Service) CreateMethod(ctx context.Context, p *auth.Principal, in MethodInput) (*models.PaymentMethod, error) {
	switch in.Kind {
	case models.MethodImoje, models.MethodOnSite, models.MethodBankTransfer:
	default:
		return nil, apperr.Invalid("kind", "kind must be IMOJE, ON_SITE or BANK_TRANSFER")
	}
	m := models.PaymentMethod{TenantID: p.TenantID, ID: uuid.New(), Kind: in.Kind, Enabled: true, AutoRefundUnwanted: true}
	if in.DisplayName == nil {
		return nil, apperr.Invalid("displayName", "display name is required")
	}
	applyInput(&m, in)
	if err := validateMethod(&m); err != nil {
		return nil, err
	}
	m.CreatedAt, m.UpdatedAt = s.now(), s.now()
	err := s.db.InTenant(ctx, p.TenantID, func(tx *database.Tx) error {
		if m.IsDefault {
			if err := clearDefault(tx, p.TenantID); err != nil {
				return err
			}
		}
		if err := tx.Gorm().Create(&m).Error; err != nil {
			return translateMethodError(err)
		}
		return nil
	})
	if err != nil {
		return nil, wrap("create payment method", err)
	}
	return &m, nil
}

func clearDefault(tx *database.Tx, tenantID uuid.UUID) error {
	return tx.Gorm().Model(&models.PaymentMethod{}).Where("tenant_id = ? AND is_default", tenantID).Update("is_default", false).Error
}

func translateMethodError(err error) error {
	if ok, c := isUnique(err); ok && c == "payment_methods_one_imoje" {
		return apperr.New(apperr.Conflict, "this business already has an imoje payment method").WithField("kind").Wrap(err)
	}
	return err
}

// UpdateMethod changes a payment method (OWNER/ADMIN).
func (s *Service) UpdateMethod(ctx context.Context, p *auth.Principal, id uuid.UUID, in MethodInput) (*models.PaymentMethod, error) {
	var m models.PaymentMethod
	err := s.db.InTenant(ctx, p.TenantID, func(tx *database.Tx) error {
		if err := lockMethod(tx, p.TenantID, id, &m); err != nil {
			return err
		}
		applyInput(&m, in)
		if err := validateMethod(&m); err != nil {
			return err
		}
		if in.IsDefault != nil && *in.IsDefault {
			if err := clearDefault(tx, p.TenantID); err != nil {
				return err
			}
		}
		m.UpdatedAt = s.now()
		return tx.Gorm().Model(&models.PaymentMethod{}).Where("tenant_id = ? AND id = ?", p.TenantID, id).
			Select("display_name", "description", "enabled", "sort_order", "is_default", "account_holder",
				"account_number", "bank_name", "title_template", "auto_refund_unwanted", "updated_at").Updates(&m).Error
	})
	if err != nil {
		return nil, wrap("update payment method", err)
	}
	return s.Method(ctx, p.TenantID, id)
}

// ArchiveMethod removes a payment method from use; payments made with it keep pointing at it.
func (s *Service) ArchiveMethod(ctx context.Context, p *auth.Principal, id uuid.UUID) error {
	return wrap("archive payment method", s.db.InTenant(ctx, p.TenantID, func(tx *database.Tx) error {
		var m models.PaymentMethod
		if err := lockMethod(tx, p.TenantID, id, &m); err != nil {
			return err
		}
		now := s.now()
		return tx.Gorm().Model(&models.PaymentMethod{}).Where("tenant_id = ? AND id = ?", p.TenantID, id).
			Updates(map[string]any{"archived_at": now, "enabled": false, "is_default": false, "updated_at": now}).Error
	}))
}

func lockMethod(tx *database.Tx, tenantID, id uuid.UUID, m *models.PaymentMethod) error {
	err := tx.Gorm().Clauses(lockUpdate).
		First(m, "tenant_id = ? AND id = ? AND archived_at IS NULL", tenantID, id).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return ErrMethodNotFound.WithField("id")
	}
	return err
}

// Method returns one payment method with its imoje credentials (sealed values are never returned
// through the API: the GraphQL type has no field for them).
func (s *Service) Method(ctx context.Context, tenantID, id uuid.UUID) (*models.PaymentMethod, error) {
	var m models.PaymentMethod
	err := s.db.InTenant(ctx, tenantID, func(tx *database.Tx) error {
		return tx.Gorm().Preload("Imoje").First(&m, "tenant_id = ? AND id = ? AND archived_at IS NULL", tenantID, id).Error
	})
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return nil, ErrMethodNotFound.WithField("id")
	}
	return &m, wrap("payment method", err)
}

// Methods lists a tenant's payment methods in display order; onlyEnabled is the customers' view,
// which also leaves out an IMOJE method whose credentials are not saved yet.
func (s *Service) Methods(ctx context.Context, tenantID uuid.UUID, onlyEnabled bool) ([]models.PaymentMethod, error) {
	var out []models.PaymentMethod
	err := s.db.InTenant(ctx, tenantID, func(tx *database.Tx) error {
		q := tx.Gorm().Preload("Imoje").Where("tenant_id = ? AND archived_at IS NULL", tenantID)
		if onlyEnabled {
			q = q.Where("enabled").Where("kind <> 'IMOJE' OR EXISTS (SELECT 1 FROM imoje_credentials c WHERE c.tenant_id = payment_methods.tenant_id AND c.payment_method_id = payment_methods.id)")
		}
		return q.Order("sort_order, display_name, id").Limit(100).Find(&out).Error
	})
	return out, wrap("payment methods", err)
}

// PaymentOption is one way to pay a reservation online now.
type PaymentOption struct {
	Channel          string
	Code             string
	PayLaterProvider string
	Description      string
}

// PaymentOptions lists the online channels what is due next on a reservation (the deposit, the
// balance or the price: payable) may use now: the tenant's offered channels that the shop has,
// active, online and within limits for that amount. Staff of the tenant or the
// reservation's customer token only.
func (s *Service) PaymentOptions(ctx context.Context, p *auth.Principal, reservationID uuid.UUID) ([]PaymentOption, error) {
	if _, err := reservationScope(p, reservationID, "reservationId"); err != nil {
		return nil, err
	}
	var out []PaymentOption
	err := s.db.InTenant(ctx, p.TenantID, func(tx *database.Tx) error {
		view, err := lockedView(tx, reservationID)
		if booking.IsReservationNotFound(err) {
			return booking.ErrReservationNotFound.WithField("reservationId")
		}
		if err != nil {
			return err
		}
		due, err := s.payable(view)
		if err != nil {
			return nil
		}
		cred, err := imojeCredentials(tx, p.TenantID)
		if errors.Is(err, ErrNoImoje) {
			return nil
		}
		if err != nil {
			return err
		}
		offered := OfferedChannels(cred, due.amount, view.Currency)
		seen := map[string]bool{}
		for _, m := range offered {
			o := PaymentOption{Code: m.PaymentMethodCode, Description: m.Description}
			switch m.PaymentMethod {
			case "blik":
				o.Channel = ChannelBlik
			case "pbl":
				o.Channel = ChannelPBL
			case "card":
				o.Channel = ChannelCard
			case "imoje_paylater":
				o.Channel = ChannelPayLater
				for provider, code := range payLaterCodes {
					if code == m.PaymentMethodCode {
						o.PayLaterProvider = provider
					}
				}
				if o.PayLaterProvider == "" {
					continue
				}
			default:
				continue
			}
			if key := o.Channel + "/" + o.Code; !seen[key] {
				seen[key] = true
				out = append(out, o)
			}
		}
		if len(out) > 0 {
			out = append(out, PaymentOption{Channel: ChannelChoose, Description: "choose on imoje's payment page"})
		}
		return nil
	})
	return out, wrap("payment options", err)
}

// MarkPaid records money taken outside imoje (on site, or a bank transfer that arrived): the
// balance due (the whole price, or what is left after a deposit paid online), so the reservation
// becomes PAID; CONFLICT when it is paid already or nothing is due.
func (s *Service) MarkPaid(ctx context.Context, p *auth.Principal, reservationID, methodID uuid.UUID, note string) error {
	note = strings.TrimSpace(note)
	if utf8.RuneCountInString(note) > 500 {
		return apperr.Invalid("note", "note must be at most 500 characters")
	}
	return wrap("mark paid", s.db.InTenant(ctx, p.TenantID, func(tx *database.Tx) error {
		var m models.PaymentMethod
		err := tx.Gorm().First(&m, "tenant_id = ? AND id = ? AND archived_at IS NULL", p.TenantID, methodID).Error
		if errors.Is(err, gorm.ErrRecordNotFound) {
			return ErrMethodNotFound.WithField("paymentMethodId")
		}
		if err != nil {
			return err
		}
		if m.Kind == models.MethodImoje {
			return apperr.Invalid("paymentMethodId", "imoje payments are confirmed by imoje, not by hand")
		}
		view, err := lockedView(tx, reservationID)
		if booking.IsReservationNotFound(err) {
			return booking.ErrReservationNotFound.WithField("reservationId")
		}
		if err != nil {
			return err
		}
		if paidStatus(view.PaymentStatus) {
			return ErrAlreadyPaid
		}
		if view.Status != models.StatusPendingPayment && view.Status != models.StatusConfirmed && view.Status != models.StatusCompleted {
			return ErrCannotMarkPaid
		}
		balance := view.Balance.BalanceDue()
		if balance <= 0 && view.Balance.Paid > 0 {
			return ErrNothingDue
		}
		var active int64
		if err := tx.Gorm().Model(&models.Payment{}).Where("tenant_id = ? AND reservation_id = ? AND status IN ('CREATED', 'UNKNOWN', 'PENDING')", p.TenantID, reservationID).
			Count(&active).Error; err != nil {
			return err
		}
		if active > 0 {
			return ErrPaymentInProgress
		}
		reason := "marked paid: " + m.DisplayName
		if note != "" {
			reason += " — " + note
		}
		if balance <= 0 {
			// A free reservation: nothing to record but the status (there is no money).
			return s.moveView(tx, view, booking.PaymentMove{Status: models.PaymentPaid}, p.UserID.String(), reason)
		}
		// What is recorded is the balance, never more: the rest was paid before (a deposit online).
		return s.moveView(tx, view, booking.PaymentMove{Paid: balance}, p.UserID.String(), reason)
	}))
}
