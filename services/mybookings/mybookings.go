// Package mybookings is a customer's way back to their bookings at one business without an
// account: they give the business's booking page their e-mail and receive a magic link (single
// use, short-lived, its token stored hashed); redeeming it signs them in to that business as that
// customer (auth.KindCustomerSession), a session that lists their reservations there and hands out
// each one's customer token, with which the existing cancel, reschedule and pay mutations act
// under the business's policy. A lost customer token is re-sent this way.
//
// Asking never tells whether the e-mail is known: the answer is the same, returned before anything
// about the e-mail is read, and the work (finding the customer, issuing the link, sending it) is
// done afterwards, off the request.
package mybookings

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"log/slog"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/slotpay/slotpay/services/apperr"
	"github.com/slotpay/slotpay/services/customers"
	"github.com/slotpay/slotpay/services/database"
	"github.com/slotpay/slotpay/services/messages"
	"github.com/slotpay/slotpay/services/tenancy"
)

// Lifetimes.
const (
	// LinkTTL is how long a link works (once).
	LinkTTL = 15 * time.Minute
	// SessionTTL is how long the session a link opens lasts.
	SessionTTL = 2 * time.Hour
)

// ErrBadLink is every refused link alike: unknown, used, expired, another business's.
var ErrBadLink = apperr.New(apperr.Unauthenticated, "this link is invalid or has expired; ask for a new one")

// Sessions signs customer sessions (auth.Tokens implements it).
type Sessions interface {
	IssueCustomerSession(tenantID, customerID uuid.UUID, exp time.Time) (string, error)
}

// Link is an issued link, for the message that carries it.
type Link struct {
	TenantID, CustomerID uuid.UUID
	// Token is the secret the link holds (only its hash is stored).
	Token     string
	ExpiresAt time.Time
	// The business and customer, for the message.
	TenantSlug, TenantName, CustomerName, CustomerEmail, Locale string
	// URL is the page that redeems it.
	URL string
}

// LinkMessage is the kind of the e-mail that carries a link (services/messages).
const LinkMessage messages.Kind = "MY_BOOKINGS_LINK"

func init() {
	messages.Register(messages.Template{Kind: LinkMessage, Channel: messages.Email, Placeholders: []string{"link", "validMinutes"},
		Subject: map[string]string{
			"pl": "Twoje rezerwacje w {businessName}",
			"en": "Your bookings at {businessName}"},
		Body: map[string]string{
			"pl": "Dzień dobry {recipientName},\n\nktoś (mamy nadzieję, że Ty) poprosił o dostęp do Twoich rezerwacji w {businessName}. Otwórz ten link w ciągu {validMinutes} minut; działa jeden raz:\n{link}\n\nJeśli to nie Ty, zignoruj tę wiadomość: bez linku nikt nie zobaczy Twoich rezerwacji.\n\n{businessName}",
			"en": "Hello {recipientName},\n\nsomeone (we hope you) asked to see your bookings at {businessName}. Open this link within {validMinutes} minutes; it works once:\n{link}\n\nIf this was not you, ignore this message: without the link nobody sees your bookings.\n\n{businessName}"},
		Sample: messages.Facts{"link": "https://slotpay.example/b/salon/my-bookings#token=…", "validMinutes": "15"},
	})
}

// Service issues and redeems links.
type Service struct {
	data     *database.DB
	tenancy  *tenancy.Service
	sessions Sessions
	base     string
	now      func() time.Time
	log      *slog.Logger
	// background bounds the work done after answering; wg lets Close wait for it.
	background context.Context
	wg         sync.WaitGroup
}

// Options configure the service.
type Options struct {
	PublicBaseURL string
	Now           func() time.Time
	Log           *slog.Logger
	// Background ends the asynchronous work (the server's lifetime).
	Background context.Context
}

// NewService builds the service.
func NewService(data *database.DB, t *tenancy.Service, sessions Sessions, o Options) *Service {
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Log == nil {
		o.Log = slog.Default()
	}
	if o.Background == nil {
		o.Background = context.Background()
	}
	return &Service{data: data, tenancy: t, sessions: sessions, base: strings.TrimRight(o.PublicBaseURL, "/"),
		now: o.Now, log: o.Log, background: o.Background}
}

// Wait waits for the asynchronous work in flight.
func (s *Service) Wait() { s.wg.Wait() }

// LinkURL is the booking widget's page that redeems a link: the token in the fragment, which
// browsers never send to a server.
func LinkURL(base, slug, token string) string {
	return strings.TrimRight(base, "/") + "/b/" + slug + "/my-bookings#token=" + token
}

// RequestLink is the public request for a link: slug and e-mail are checked (a malformed e-mail is
// BAD_USER_INPUT on field email, an unknown business NOT_FOUND on tenantSlug: both are public
// facts), then the answer is given at once, the same for every e-mail. Whether the e-mail is a
// customer's is found out afterwards; if it is, a link is issued and sent to it.
func (s *Service) RequestLink(ctx context.Context, slug, email string) error {
	normalized, err := tenancy.NormalizeEmail(email, "email")
	if err != nil {
		return err
	}
	tenantID, err := s.tenancy.TenantIDBySlug(ctx, strings.TrimSpace(slug))
	if err != nil {
		return err
	}
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		ctx, cancel := context.WithTimeout(s.background, time.Minute)
		defer cancel()
		if _, _, err := s.IssueLink(ctx, tenantID, normalized); err != nil && ctx.Err() == nil {
			s.log.ErrorContext(ctx, "my bookings link", "tenant_id", tenantID.String(), "error", err.Error())
		}
	}()
	return nil
}

type customerRow struct {
	ID     uuid.UUID
	Name   string
	Email  string
	Locale *string
}

type tenantRow struct {
	Slug, Name, Locale string
}

// IssueLink issues a link for the customer of tenantID with e-mail email (matched as bookings
// match customers: customers.NormalizeEmail) and records the e-mail that carries it in the same
// transaction (the outbox: the link exists exactly when its message does; the message is
// Sensitive, so its data is emptied once delivered and it is never resent); found is false (and
// nothing is written) when the business has no such customer. The link is returned to the caller
// too: RequestLink drops it.
func (s *Service) IssueLink(ctx context.Context, tenantID uuid.UUID, email string) (l Link, found bool, err error) {
	raw, hash := newToken()
	now := s.now().UTC()
	err = s.data.InTenant(ctx, tenantID, func(tx *database.Tx) error {
		var rows []customerRow
		var biz []tenantRow
		database.QueueRows(tx, `SELECT id, name, email, locale FROM customers WHERE tenant_id = $1 AND email_normalized = $2`,
			[]any{customers.NormalizeEmail(email)}, &rows)
		database.QueueRows(tx, `SELECT slug, name, locale FROM tenants WHERE id = $1`, nil, &biz)
		if err := tx.Send(); err != nil {
			return err
		}
		if len(rows) == 0 || len(biz) == 0 {
			return nil
		}
		c := rows[0]
		found = true
		l = Link{TenantID: tenantID, CustomerID: c.ID, Token: raw, ExpiresAt: now.Add(LinkTTL),
			TenantSlug: biz[0].Slug, TenantName: biz[0].Name, CustomerName: c.Name, CustomerEmail: c.Email,
			Locale: biz[0].Locale, URL: LinkURL(s.base, biz[0].Slug, raw)}
		if c.Locale != nil && *c.Locale != "" {
			l.Locale = *c.Locale
		}
		tx.Queue(`INSERT INTO my_bookings_links (tenant_id, id, customer_id, token_hash, created_at, expires_at)
			VALUES ($1, $2, $3, $4, $5, $6)`, uuid.New(), c.ID, hash, now, l.ExpiresAt)
		return messages.Record(tx, messages.Message{Kind: LinkMessage, Channel: messages.Email, Audience: messages.Customer,
			Recipient: c.Email, RecipientName: c.Name, Locale: messages.Locale(deref(c.Locale), biz[0].Locale),
			Data: map[string]string{"link": l.URL, "validMinutes": strconv.Itoa(int(LinkTTL.Minutes()))}, Sensitive: true}, now)
	})
	if err != nil {
		return Link{}, false, apperr.Op("issue my bookings link", err)
	}
	return l, found, nil
}

// Session is a redeemed link: the customer's session at the business.
type Session struct {
	AccessToken string
	ExpiresAt   time.Time
	TenantID    uuid.UUID
	CustomerID  uuid.UUID
}

// Redeem spends a link of the business with slug and opens the customer's session: the one
// UPDATE that marks it used succeeds once, before its expiry; every other open link of that
// customer is spent with it. Any refused link is ErrBadLink.
func (s *Service) Redeem(ctx context.Context, slug, token string) (*Session, error) {
	token = strings.TrimSpace(token)
	if token == "" {
		return nil, apperr.Input("token", apperr.Required, "the link's token is required")
	}
	if len(token) > 100 {
		return nil, ErrBadLink
	}
	tenantID, err := s.tenancy.TenantIDBySlug(ctx, strings.TrimSpace(slug))
	if err != nil {
		return nil, err
	}
	now := s.now().UTC()
	var customerID uuid.UUID
	err = s.data.InTenant(ctx, tenantID, func(tx *database.Tx) error {
		var ok bool
		tx.Queue(`UPDATE my_bookings_links SET used_at = $3 WHERE tenant_id = $1 AND token_hash = $2 AND used_at IS NULL AND expires_at > $3
			RETURNING customer_id`, tokenHash(token), now).QueryRow(func(row pgx.Row) error {
			err := row.Scan(&customerID)
			if err == pgx.ErrNoRows {
				return nil
			}
			ok = err == nil
			return err
		})
		if err := tx.Send(); err != nil {
			return err
		}
		if !ok {
			return ErrBadLink
		}
		tx.Queue(`UPDATE my_bookings_links SET used_at = $3 WHERE tenant_id = $1 AND customer_id = $2 AND used_at IS NULL`, customerID, now)
		return nil
	})
	if err != nil {
		return nil, apperr.Op("redeem my bookings link", err)
	}
	exp := now.Add(SessionTTL)
	access, err := s.sessions.IssueCustomerSession(tenantID, customerID, exp)
	if err != nil {
		return nil, apperr.Op("redeem my bookings link", err)
	}
	return &Session{AccessToken: access, ExpiresAt: exp, TenantID: tenantID, CustomerID: customerID}, nil
}

func newToken() (raw string, hash []byte) {
	b := make([]byte, 32)
	_, _ = rand.Read(b)
	raw = base64.RawURLEncoding.EncodeToString(b)
	return raw, tokenHash(raw)
}

func tokenHash(raw string) []byte {
	h := sha256.Sum256([]byte(raw))
	return h[:]
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}
