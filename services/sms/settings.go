package sms

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/slotpay/slotpay/models"
	"github.com/slotpay/slotpay/services/apperr"
	"github.com/slotpay/slotpay/services/auth"
	"github.com/slotpay/slotpay/services/database"
	"github.com/slotpay/slotpay/services/secrets"
)

// Errors of this domain.
var (
	ErrNoToken = apperr.New(apperr.BadUserInput, "SMS needs an SMSAPI token: enter the business's own (SMSAPI panel → API tokens) — this platform has none to lend").
			WithReason(apperr.Inconsistent)
	ErrTokenRefused = apperr.New(apperr.BadUserInput, "SMSAPI refused this token: generate a new one in SMSAPI's panel (API tokens) with the sms scope").
			WithReason(apperr.InvalidValue)
	ErrSMSAPIUnavailable   = apperr.New(apperr.Conflict, "SMSAPI did not answer, so the token could not be checked: try again in a moment")
	ErrCustomerNotFound    = apperr.New(apperr.NotFound, "customer not found")
	ErrReservationNotFound = apperr.New(apperr.NotFound, "reservation not found")
	// ErrNotSending: the business has SMS off or no token to send with (not an error a client sees:
	// the channel skips the message).
	ErrNotSending = errors.New("sms: the business does not send text messages")
)

// fieldToken is the sealed field of the business's SMSAPI token (bound in as associated data).
const fieldToken = "sms.smsapiToken"

// Who recorded a customer's opt-out.
const (
	OptOutByStaff    = "STAFF"
	OptOutByCustomer = "CUSTOMER"
)

var tokenPattern = regexp.MustCompile(`^[A-Za-z0-9._~+/=-]{8,512}$`)

// Options configure the service.
type Options struct {
	// Box seals businesses' tokens (SLOTPAY_CREDENTIAL_KEYS).
	Box *secrets.Box
	// SMSAPI is where messages go (SMSAPI, or the stand-in in development and tests).
	SMSAPI SMSAPIConnector
	// PlatformToken and PlatformSender are the platform's account (SLOTPAY_SMSAPI_TOKEN,
	// SLOTPAY_SMS_SENDER), for businesses without a token of their own.
	PlatformToken  string
	PlatformSender string
	// Quiet are the hours no SMS goes out (DefaultQuietHours when zero).
	Quiet QuietHours
	Now   func() time.Time
}

// Service holds businesses' SMS settings and customers' opt-outs, and prepares what a business
// sends (Prepare).
type Service struct {
	data *database.DB
	o    Options
}

// NewService builds the service.
func NewService(data *database.DB, o Options) *Service {
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Quiet == (QuietHours{}) {
		o.Quiet = DefaultQuietHours
	}
	return &Service{data: data, o: o}
}

// Settings is a business's SMS setup as the API shows it: never the token itself.
type Settings struct {
	Enabled bool
	// SenderName is the business's sender name; "" for the account's default (or the platform's).
	SenderName string
	// TokenHint is the last four characters of the business's own token; "" when it has none.
	TokenHint string
	// PlatformAvailable: the platform has a token to send with for businesses without their own.
	PlatformAvailable bool
	Transliterate     bool
	Quiet             QuietHours
	UpdatedAt         *time.Time
}

// OwnToken reports whether the business entered a token of its own.
func (s Settings) OwnToken() bool { return s.TokenHint != "" }

// Sending reports whether the business's messages actually go out: SMS on, and a token to use.
func (s Settings) Sending() bool { return s.Enabled && (s.OwnToken() || s.PlatformAvailable) }

// settingsRow is the sms_settings row.
type settingsRow struct {
	TenantID      uuid.UUID
	Enabled       bool
	SenderName    *string
	TokenSealed   *string
	TokenHint     *string
	Transliterate bool
	CreatedAt     time.Time
	UpdatedAt     time.Time
}

func (s *Service) view(r *settingsRow) *Settings {
	out := &Settings{Transliterate: true, PlatformAvailable: s.o.PlatformToken != "", Quiet: s.o.Quiet}
	if r == nil {
		return out
	}
	out.Enabled, out.Transliterate, out.UpdatedAt = r.Enabled, r.Transliterate, &r.UpdatedAt
	if r.SenderName != nil {
		out.SenderName = *r.SenderName
	}
	if r.TokenHint != nil {
		out.TokenHint = *r.TokenHint
	}
	return out
}

func admin(p *auth.Principal) error {
	if !p.HasRole(auth.RoleOwner, auth.RoleAdmin) {
		return apperr.ErrForbidden
	}
	return nil
}

// queueSettings queues the read of tx's business's settings row (nil out when none).
func queueSettings(tx *database.Tx, out **settingsRow) {
	tx.Queue(`SELECT tenant_id, enabled, sender_name, token_sealed, token_hint, transliterate, created_at, updated_at
		FROM sms_settings WHERE tenant_id = $1`).Query(func(rows pgx.Rows) error {
		got, err := pgx.CollectRows(rows, pgx.RowToStructByNameLax[settingsRow])
		*out = nil
		if len(got) > 0 {
			*out = &got[0]
		}
		return err
	})
}

// Settings is the caller's business's SMS setup (OWNER, ADMIN).
func (s *Service) Settings(ctx context.Context, p *auth.Principal) (*Settings, error) {
	if err := admin(p); err != nil {
		return nil, err
	}
	var row *settingsRow
	err := s.data.InTenant(ctx, p.TenantID, func(tx *database.Tx) error {
		queueSettings(tx, &row)
		return nil
	})
	if err != nil {
		return nil, apperr.Op("sms settings", err)
	}
	return s.view(row), nil
}

// Update changes a business's SMS setup; nil fields stay as they are.
type Update struct {
	Enabled *bool
	// SenderName "" clears it (the account's default sender).
	SenderName *string
	// Token is the business's own SMSAPI token, write-only; "" removes it (the platform's is used).
	Token         *string
	Transliterate *bool
}

// validate normalises u and reports every bad field at once.
func (u *Update) validate() error {
	var problems apperr.Problems
	if u.SenderName != nil {
		name := strings.TrimSpace(*u.SenderName)
		u.SenderName = &name
		if name != "" {
			switch SenderProblem(name) {
			case "":
			case "too long":
				problems.Add(apperr.Input("senderName", apperr.TooLong, "the sender name must be at most 11 characters").With("max", MaxSenderName))
			default:
				problems.Add(apperr.Input("senderName", apperr.InvalidFormat,
					"the sender name may have letters A–Z without diacritics, digits, '-', '.' and spaces, with at least one letter"))
			}
		}
	}
	if u.Token != nil {
		token := strings.TrimSpace(*u.Token)
		u.Token = &token
		if token != "" && !tokenPattern.MatchString(token) {
			problems.Add(apperr.Input("token", apperr.InvalidFormat, "the SMSAPI token looks wrong: copy it from SMSAPI's panel (API tokens, OAuth)"))
		}
	}
	return problems.Err()
}

// UpdateSettings changes the caller's business's SMS setup (OWNER, ADMIN). SMS cannot be on
// without a token to send with (the business's own, or the platform's); a new token of the
// business's own is checked with SMSAPI (GET /profile) before it is stored.
func (s *Service) UpdateSettings(ctx context.Context, p *auth.Principal, u Update) (*Settings, error) {
	if err := admin(p); err != nil {
		return nil, err
	}
	if err := u.validate(); err != nil {
		return nil, err
	}
	var sealed, hint *string
	if u.Token != nil && *u.Token != "" {
		// SMSAPI must accept the token before it is stored: a typo is heard of now, not at the
		// first reminder.
		if _, err := s.o.SMSAPI.Client(*u.Token).Profile(ctx); err != nil {
			if e, ok := AsError(err); ok && e.Kind == KindCredentials {
				return nil, ErrTokenRefused.WithField("token").Wrap(err)
			}
			return nil, ErrSMSAPIUnavailable.Wrap(err)
		}
		v, err := s.o.Box.Seal(p.TenantID, fieldToken, *u.Token)
		if err != nil {
			return nil, apperr.Op("seal sms token", err)
		}
		h := secrets.Hint(*u.Token)
		sealed, hint = &v, &h
	}
	now := s.o.Now().UTC()
	var row *settingsRow
	err := s.data.InTenant(ctx, p.TenantID, func(tx *database.Tx) error {
		tx.Queue(`INSERT INTO sms_settings (tenant_id, created_at, updated_at) VALUES ($1, $2, $2) ON CONFLICT (tenant_id) DO NOTHING`, now)
		tx.Queue(`SELECT tenant_id FROM sms_settings WHERE tenant_id = $1 FOR UPDATE`)
		queueSettings(tx, &row)
		if err := tx.Send(); err != nil {
			return err
		}
		next := *row
		if u.Enabled != nil {
			next.Enabled = *u.Enabled
		}
		if u.Transliterate != nil {
			next.Transliterate = *u.Transliterate
		}
		if u.SenderName != nil {
			next.SenderName = nil
			if *u.SenderName != "" {
				next.SenderName = u.SenderName
			}
		}
		if u.Token != nil {
			next.TokenSealed, next.TokenHint = sealed, hint
		}
		if next.Enabled && next.TokenSealed == nil && s.o.PlatformToken == "" {
			field := "enabled"
			if u.Token != nil && u.Enabled == nil {
				field = "token"
			}
			return ErrNoToken.WithField(field)
		}
		next.UpdatedAt = now
		tx.Queue(`UPDATE sms_settings SET enabled = $2, sender_name = $3, token_sealed = $4, token_hint = $5, transliterate = $6,
			updated_at = $7 WHERE tenant_id = $1`, next.Enabled, next.SenderName, next.TokenSealed, next.TokenHint, next.Transliterate, now)
		row = &next
		return nil
	})
	if err != nil {
		return nil, apperr.Op("update sms settings", err)
	}
	return s.view(row), nil
}

// SetCustomerOptOut records (optedOut) or withdraws a customer's wish for no text messages from the
// business: staff (any role), for a customer who asked them. Another business's customer is
// NOT_FOUND.
func (s *Service) SetCustomerOptOut(ctx context.Context, p *auth.Principal, customerID uuid.UUID, optedOut bool) (*models.Customer, error) {
	if !p.IsStaff() {
		return nil, apperr.ErrForbidden
	}
	c, err := s.setOptOut(ctx, p.TenantID, customerID, optedOut, OptOutByStaff)
	if errors.Is(err, ErrCustomerNotFound) {
		return nil, ErrCustomerNotFound.WithField("customerId")
	}
	return c, err
}

// SetMyOptOut is the same for the customer holding a reservation's token: the reservation's
// customer record is opted out of (or back into) the business's text messages.
func (s *Service) SetMyOptOut(ctx context.Context, p *auth.Principal, optedOut bool) (bool, error) {
	if p == nil || p.Kind != auth.KindCustomer {
		return false, apperr.ErrForbidden
	}
	var customerID uuid.UUID
	err := s.data.InTenant(ctx, p.TenantID, func(tx *database.Tx) error {
		tx.Queue(`SELECT customer_id FROM reservations WHERE tenant_id = $1 AND id = $2`, p.ReservationID).
			QueryRow(func(r pgx.Row) error { return r.Scan(&customerID) })
		return nil
	})
	if errors.Is(err, pgx.ErrNoRows) {
		return false, ErrReservationNotFound
	}
	if err != nil {
		return false, apperr.Op("sms opt-out", err)
	}
	if _, err := s.setOptOut(ctx, p.TenantID, customerID, optedOut, OptOutByCustomer); err != nil {
		return false, err
	}
	return optedOut, nil
}

// setOptOut is the one writer of a customer's opt-out. Opting out again keeps the first date;
// opting back in clears it.
func (s *Service) setOptOut(ctx context.Context, tenantID, customerID uuid.UUID, optedOut bool, source string) (*models.Customer, error) {
	now := s.o.Now().UTC()
	var rows []models.Customer
	err := s.data.InTenant(ctx, tenantID, func(tx *database.Tx) error {
		rows = nil
		sql := `UPDATE customers SET sms_opted_out_at = NULL, sms_opt_out_source = NULL, updated_at = $3
			WHERE tenant_id = $1 AND id = $2 RETURNING ` + database.Columns[models.Customer]()
		args := []any{customerID, now}
		if optedOut {
			sql = `UPDATE customers SET sms_opted_out_at = coalesce(sms_opted_out_at, $3),
				sms_opt_out_source = coalesce(sms_opt_out_source, $4), updated_at = $3
				WHERE tenant_id = $1 AND id = $2 RETURNING ` + database.Columns[models.Customer]()
			args = append(args, source)
		}
		database.QueueRows(tx, sql, args, &rows)
		return nil
	})
	if err != nil {
		return nil, apperr.Op("sms opt-out", err)
	}
	if len(rows) == 0 {
		return nil, ErrCustomerNotFound
	}
	return &rows[0], nil
}

// Outgoing is one text message ready for its provider.
type Outgoing struct {
	Provider Provider
	Message  Message
	Segments Segments
	// SendAt is when it may go out (quiet hours): now, or the next morning.
	SendAt time.Time
}

// Why a message is not sent by SMS (Prepare's skip reasons, for the delivery log).
var (
	ErrOptedOut = errors.New("sms: the customer opted out of text messages")
	ErrNoPhone  = errors.New("sms: the customer has no mobile number in E.164")
)

// Recipient is who a message goes to: the customer record (its phone and opt-out), or, for a
// message to no customer (staff), a phone number alone.
type Recipient struct {
	// ReservationID: the message is about this reservation; its customer is the recipient (when
	// CustomerID is not given) and its start is the visit quiet hours give way to.
	ReservationID uuid.UUID
	CustomerID    uuid.UUID
	// Phone is the number when there is no customer record (or the record has none).
	Phone string
}

// Prepare decides how one of a business's texts goes out: with which account and sender, to which
// number (the customer record's; to.Phone when it has none), when (quiet hours in the business's
// zone, unless the visit — visitAt, else the reservation's start — comes first), as
// what text (transliterated when the business chose so). key is the outbox message's id (the
// provider's duplicate check). ErrNotSending, ErrOptedOut and ErrNoPhone say why it is not sent.
func (s *Service) Prepare(ctx context.Context, tenantID uuid.UUID, to Recipient, text, key string, visitAt time.Time) (*Outgoing, error) {
	var row *settingsRow
	var tenant struct{ TimeZone string }
	var customer []models.Customer
	err := s.data.InTenant(ctx, tenantID, func(tx *database.Tx) error {
		queueSettings(tx, &row)
		tx.Queue(`SELECT time_zone FROM tenants WHERE id = $1`).QueryRow(func(r pgx.Row) error { return r.Scan(&tenant.TimeZone) })
		if to.ReservationID != uuid.Nil {
			var visit struct {
				CustomerID uuid.UUID
				StartsAt   time.Time
			}
			tx.Queue(`SELECT customer_id, starts_at FROM reservations WHERE tenant_id = $1 AND id = $2`, to.ReservationID).
				QueryRow(func(r pgx.Row) error { return r.Scan(&visit.CustomerID, &visit.StartsAt) })
			if err := tx.Send(); err != nil {
				if errors.Is(err, pgx.ErrNoRows) {
					return ErrReservationNotFound
				}
				return err
			}
			if to.CustomerID == uuid.Nil {
				to.CustomerID = visit.CustomerID
			}
			if visitAt.IsZero() {
				visitAt = visit.StartsAt
			}
		}
		if to.CustomerID != uuid.Nil {
			database.QueueRows(tx, `SELECT `+database.Columns[models.Customer]()+` FROM customers WHERE tenant_id = $1 AND id = $2`,
				[]any{to.CustomerID}, &customer)
		}
		return nil
	})
	if err != nil {
		return nil, apperr.Op("prepare sms", err)
	}
	settings := s.view(row)
	if !settings.Sending() {
		return nil, ErrNotSending
	}
	phone := to.Phone
	if to.CustomerID != uuid.Nil {
		if len(customer) == 0 {
			return nil, ErrCustomerNotFound
		}
		if customer[0].SmsOptedOutAt != nil {
			return nil, ErrOptedOut
		}
		if customer[0].PhoneNormalized != nil {
			phone = *customer[0].PhoneNormalized
		}
	}
	number, ok := E164(phone)
	if !ok {
		return nil, ErrNoPhone
	}
	token, from := s.o.PlatformToken, s.o.PlatformSender
	if row.TokenSealed != nil {
		if token, err = s.o.Box.Open(tenantID, fieldToken, *row.TokenSealed); err != nil {
			return nil, fmt.Errorf("open sms token: %w", err)
		}
		from = ""
	}
	if settings.SenderName != "" {
		from = settings.SenderName
	}
	if settings.Transliterate {
		text = Transliterate(text)
	}
	loc, err := time.LoadLocation(tenant.TimeZone)
	if err != nil {
		loc = time.UTC
	}
	return &Outgoing{
		Provider: s.o.SMSAPI.Client(token),
		Message:  Message{To: number, Text: text, From: from, Key: key},
		Segments: Count(text),
		SendAt:   settings.Quiet.SendAt(s.o.Now(), loc, visitAt),
	}, nil
}
