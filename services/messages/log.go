package messages

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/slotpay/slotpay/services/apperr"
	"github.com/slotpay/slotpay/services/auth"
	"github.com/slotpay/slotpay/services/database"
	"github.com/slotpay/slotpay/services/paging"
	"github.com/slotpay/slotpay/services/ratelimit"
)

// Entry is one message in the delivery log (never its data: a sign-in link is a secret).
type Entry struct {
	TenantID      uuid.UUID `gorm:"type:uuid"`
	ID            uuid.UUID `gorm:"type:uuid"`
	Kind          string
	Channel       string
	Audience      string
	Recipient     string
	Locale        string
	ReservationID *uuid.UUID `gorm:"type:uuid"`
	Status        string
	Attempts      int
	LastError     *string
	Subject       *string
	ProviderRef   *string
	ScheduledAt   time.Time
	SendingAt     *time.Time
	SentAt        *time.Time
	ResendOf      *uuid.UUID `gorm:"type:uuid"`
	Sensitive     bool
	CreatedAt     time.Time
	UpdatedAt     time.Time
}

// MaskedRecipient is the recipient as the log shows it: an e-mail's local part and a phone number's
// middle hidden ("j***@example.com", "+48 *** *** 200").
func (e *Entry) MaskedRecipient() string { return MaskRecipient(e.Recipient) }

// MaskRecipient hides most of an address or number, keeping enough to recognise it.
func MaskRecipient(r string) string {
	if at := strings.LastIndexByte(r, '@'); at > 0 {
		first, _ := utf8.DecodeRuneInString(r)
		return string(first) + "***" + r[at:]
	}
	digits := []rune(r)
	if len(digits) <= 4 {
		return strings.Repeat("*", len(digits))
	}
	keepHead := min(3, len(digits)-3)
	return string(digits[:keepHead]) + strings.Repeat("*", len(digits)-keepHead-3) + string(digits[len(digits)-3:])
}

// The log's orderings.
const (
	NewestFirst = "" // the default
	OldestFirst = "oldest"
)

var logOrders = paging.Orders[Entry]{
	NewestFirst: paging.By("messages.created_at.desc", "created_at", paging.Time, true, func(e *Entry) (any, uuid.UUID) { return e.CreatedAt, e.ID }),
	OldestFirst: paging.By("messages.created_at", "created_at", paging.Time, false, func(e *Entry) (any, uuid.UUID) { return e.CreatedAt, e.ID }),
}

// LogFilter narrows the log; zero fields match everything.
type LogFilter struct {
	Statuses      []string
	Channels      []string
	Kinds         []string
	ReservationID *uuid.UUID
	From, To      *time.Time // created at or after From, before To
}

// readers of the log: the business's staff. STAFF members read it too (a receptionist checks
// whether the confirmation went out); resending is OWNER and ADMIN's.
var logReaders = []auth.Role{auth.RoleOwner, auth.RoleAdmin, auth.RoleStaff}

// DeliveriesPage is a page of the business's delivery log.
func (s *Service) DeliveriesPage(ctx context.Context, p *auth.Principal, f LogFilter, order string, args paging.Args) (*paging.Page[Entry], error) {
	if !p.HasRole(logReaders...) {
		return nil, apperr.ErrForbidden
	}
	req, err := paging.Parse(args, logOrders.Pick(order).Ordering)
	if err != nil {
		return nil, err
	}
	var where paging.Filter
	where.Where("tenant_id = $1")
	if len(f.Statuses) > 0 {
		where.Where("status = ANY(?)", f.Statuses)
	}
	if len(f.Channels) > 0 {
		where.Where("channel = ANY(?)", f.Channels)
	}
	if len(f.Kinds) > 0 {
		where.Where("kind = ANY(?)", f.Kinds)
	}
	if f.ReservationID != nil {
		where.Where("reservation_id = ?", *f.ReservationID)
	}
	if f.From != nil {
		where.Where("created_at >= ?", *f.From)
	}
	if f.To != nil {
		where.Where("created_at < ?", *f.To)
	}
	var out paging.Page[Entry]
	err = s.data.InTenant(ctx, p.TenantID, func(tx *database.Tx) error {
		paging.QueuePage(tx, "messages", where, logOrders.Pick(order), req, &out)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("delivery log: %w", err)
	}
	return &out, nil
}

// Delivery reads one message of the log (staff).
func (s *Service) Delivery(ctx context.Context, p *auth.Principal, id uuid.UUID) (*Entry, error) {
	if !p.HasRole(logReaders...) {
		return nil, apperr.ErrForbidden
	}
	var out []Entry
	err := s.data.InTenant(ctx, p.TenantID, func(tx *database.Tx) error {
		tx.Queue(`SELECT `+database.Columns[Entry]()+` FROM messages WHERE tenant_id = $1 AND id = $2`, id).Query(database.CollectInto(&out))
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("delivery %s: %w", id, err)
	}
	if len(out) == 0 {
		return nil, ErrMessageNotFound
	}
	return &out[0], nil
}

// The resend limits: a message may be sent again 3 times an hour, and a business's staff resend at
// most 30 messages an hour (a mailbox is not to be flooded from the panel).
var (
	ResendPerMessage  = ratelimit.Limit{N: 3, Per: time.Hour}
	ResendPerBusiness = ratelimit.Limit{N: 30, Per: time.Hour}
)

// Resend records a new message like id (same kind, channel, recipient, reservation, payment and
// data), resend_of id, to go at once (OWNER, ADMIN). A message still QUEUED or SENDING cannot be
// resent (it is on its way), nor a sensitive one (its secret is gone).
func (s *Service) Resend(ctx context.Context, p *auth.Principal, id uuid.UUID) (*Entry, error) {
	if !p.HasRole(auth.RoleOwner, auth.RoleAdmin) {
		return nil, apperr.ErrForbidden
	}
	if s.o.Limiter != nil {
		d, err := s.o.Limiter.Take(ctx,
			ratelimit.Request{Limit: ResendPerMessage, Key: ratelimit.Key("resend-message", p.TenantID.String(), id.String()), Cost: 1},
			ratelimit.Request{Limit: ResendPerBusiness, Key: ratelimit.Key("resend-business", p.TenantID.String()), Cost: 1})
		if err != nil {
			return nil, err
		}
		if !d.Allowed {
			return nil, ratelimit.Refused(d)
		}
	}
	newID := uuid.New()
	now := s.o.Now().UTC()
	err := s.data.InTenant(ctx, p.TenantID, func(tx *database.Tx) error {
		var st string
		var sensitive bool
		tx.Queue(`SELECT status, sensitive FROM messages WHERE tenant_id = $1 AND id = $2 FOR UPDATE`, id).
			QueryRow(func(r pgx.Row) error { return r.Scan(&st, &sensitive) })
		if err := tx.Send(); err != nil {
			if errors.Is(err, pgx.ErrNoRows) {
				return ErrMessageNotFound
			}
			return err
		}
		switch {
		case sensitive:
			return ErrSecretNotResendable
		case st == string(Queued) || st == string(Sending):
			return ErrNotResendable
		}
		tx.Queue(`INSERT INTO messages (`+insertColumns+`)
			SELECT tenant_id, $3, kind, channel, audience, recipient, recipient_name, locale, reservation_id, payment_id,
				data, $4, NULL, id, false, 'QUEUED', $4, $4
			FROM messages WHERE tenant_id = $1 AND id = $2`, id, newID, now)
		return nil
	})
	if err != nil {
		return nil, err
	}
	return s.Delivery(ctx, p, newID)
}
