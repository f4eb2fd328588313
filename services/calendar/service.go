package calendar

import (
	"github.com/slotpay/slotpay/services/messages"

	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"net/url"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/slotpay/slotpay/services/apperr"
	"github.com/slotpay/slotpay/services/auth"
	"github.com/slotpay/slotpay/services/booking"
	"github.com/slotpay/slotpay/services/database"
)

// Errors of this domain.
var (
	ErrFeedNotFound  = apperr.New(apperr.NotFound, "calendar feed not found")
	ErrStaffNotFound = apperr.New(apperr.NotFound, "staff member not found")
)

// Feed window: a subscribed calendar shows the visits from FeedPast ago to FeedAhead from now.
const (
	FeedPast  = 30 * 24 * time.Hour
	FeedAhead = 365 * 24 * time.Hour
)

// Service writes calendar files and serves feeds.
type Service struct {
	data *database.DB
	now  func() time.Time
	// base is the public base URL (feed URLs, manage links); host names events' UIDs.
	base, host string
}

// NewService builds the service; publicBaseURL is SLOTPAY_PUBLIC_BASE_URL, now the clock (nil:
// time.Now).
func NewService(data *database.DB, publicBaseURL string, now func() time.Time) *Service {
	if now == nil {
		now = time.Now
	}
	host := "slotpay"
	if u, err := url.Parse(publicBaseURL); err == nil && u.Hostname() != "" {
		host = u.Hostname()
	}
	return &Service{data: data, now: now, base: strings.TrimRight(publicBaseURL, "/"), host: host}
}

// Feed is a live subscription URL's record (the URL itself is shown once, when issued).
type Feed struct {
	ID uuid.UUID
	// StaffMemberID is the staff member whose visits it lists; nil for the whole business.
	StaffMemberID *uuid.UUID
	CreatedAt     time.Time
}

// IssuedFeed is a feed just issued, with its secret URL.
type IssuedFeed struct {
	Feed
	URL string
}

// FeedPath is the route of a feed: /calendar/<token>.ics.
const FeedPath = "/calendar/"

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

// mayManageFeed is the rule of who may issue, see and revoke a feed: OWNER and ADMIN any feed of
// their business; a STAFF member only that of the staff member linked to their own account.
func mayManageFeed(p *auth.Principal, staffID *uuid.UUID, linkedUser *uuid.UUID) bool {
	switch {
	case p.HasRole(auth.RoleOwner, auth.RoleAdmin):
		return true
	case p.IsStaff() && staffID != nil && linkedUser != nil:
		return *linkedUser == p.UserID
	}
	return false
}

type staffLink struct {
	ID     uuid.UUID
	UserID *uuid.UUID
}

// Issue gives the business (staffID nil) or one staff member a new feed URL, revoking the live one
// it had (rotation): the old URL answers 404 from then on.
func (s *Service) Issue(ctx context.Context, p *auth.Principal, staffID *uuid.UUID) (*IssuedFeed, error) {
	if !p.IsStaff() {
		return nil, apperr.ErrForbidden
	}
	raw, hash := newToken()
	out := &IssuedFeed{URL: s.base + FeedPath + raw + ".ics"}
	err := s.data.InTenant(ctx, p.TenantID, func(tx *database.Tx) error {
		if err := s.authorizeFeed(tx, p, staffID); err != nil {
			return err
		}
		now := s.now()
		tx.Queue(`UPDATE calendar_feeds SET revoked_at = $3 WHERE tenant_id = $1 AND revoked_at IS NULL
			AND staff_member_id IS NOT DISTINCT FROM $2`, staffID, now)
		out.Feed = Feed{ID: uuid.New(), StaffMemberID: staffID, CreatedAt: now}
		tx.Queue(`INSERT INTO calendar_feeds (tenant_id, id, staff_member_id, token_hash, created_by, created_at)
			VALUES ($1, $2, $3, $4, $5, $6)`, out.ID, staffID, hash, p.UserID, now)
		return nil
	})
	if err != nil {
		return nil, apperr.Op("issue calendar feed", err)
	}
	return out, nil
}

// authorizeFeed checks mayManageFeed for staffID's feed (reading the staff member's link).
func (s *Service) authorizeFeed(tx *database.Tx, p *auth.Principal, staffID *uuid.UUID) error {
	var linked *uuid.UUID
	if staffID != nil {
		var rows []staffLink
		database.QueueRows(tx, `SELECT id, user_id FROM staff_members WHERE tenant_id = $1 AND id = $2`, []any{*staffID}, &rows)
		if err := tx.Send(); err != nil {
			return err
		}
		if len(rows) == 0 {
			return ErrStaffNotFound.WithField("staffMemberId")
		}
		linked = rows[0].UserID
	}
	if !mayManageFeed(p, staffID, linked) {
		return apperr.ErrForbidden
	}
	return nil
}

// Revoke ends a live feed: its URL answers 404 from then on.
func (s *Service) Revoke(ctx context.Context, p *auth.Principal, id uuid.UUID) (*Feed, error) {
	if !p.IsStaff() {
		return nil, apperr.ErrForbidden
	}
	var f Feed
	err := s.data.InTenant(ctx, p.TenantID, func(tx *database.Tx) error {
		var rows []Feed
		database.QueueRows(tx, `SELECT id, staff_member_id, created_at FROM calendar_feeds
			WHERE tenant_id = $1 AND id = $2 AND revoked_at IS NULL FOR UPDATE`, []any{id}, &rows)
		if err := tx.Send(); err != nil {
			return err
		}
		if len(rows) == 0 {
			return ErrFeedNotFound.WithField("id")
		}
		f = rows[0]
		if err := s.authorizeFeed(tx, p, f.StaffMemberID); err != nil {
			if errors.Is(err, apperr.ErrForbidden) {
				return ErrFeedNotFound.WithField("id") // another's feed is not the caller's to know of
			}
			return err
		}
		tx.Queue(`UPDATE calendar_feeds SET revoked_at = $3 WHERE tenant_id = $1 AND id = $2`, id, s.now())
		return nil
	})
	if err != nil {
		return nil, apperr.Op("revoke calendar feed", err)
	}
	return &f, nil
}

// Feeds lists the live feeds the caller may manage: all of the business's for OWNER and ADMIN, a
// STAFF member's own.
func (s *Service) Feeds(ctx context.Context, p *auth.Principal) ([]Feed, error) {
	if !p.IsStaff() {
		return nil, apperr.ErrForbidden
	}
	var out []Feed
	err := s.data.InTenant(ctx, p.TenantID, func(tx *database.Tx) error {
		out = out[:0]
		all := p.HasRole(auth.RoleOwner, auth.RoleAdmin)
		database.QueueRows(tx, `SELECT f.id, f.staff_member_id, f.created_at FROM calendar_feeds f
			LEFT JOIN staff_members m ON m.tenant_id = f.tenant_id AND m.id = f.staff_member_id
			WHERE f.tenant_id = $1 AND f.revoked_at IS NULL AND ($2 OR m.user_id = $3)
			ORDER BY f.staff_member_id NULLS FIRST, f.created_at`, []any{all, p.UserID}, &out)
		return nil
	})
	return out, apperr.Op("calendar feeds", err)
}

// FeedFile is a feed's calendar as served.
type FeedFile struct {
	Body     []byte
	FeedID   uuid.UUID
	TenantID uuid.UUID
}

// ErrNoFeed is a token that is not a live feed's (never issued, revoked, rotated).
var ErrNoFeed = errors.New("calendar: no live feed with this token")

type feedRow struct {
	TenantID      uuid.UUID
	FeedID        uuid.UUID
	StaffMemberID *uuid.UUID
}

// FeedByToken resolves a feed URL's token (the only credential of a subscribed calendar) and
// writes its calendar: METHOD:PUBLISH, the window FeedPast..FeedAhead around now, visits that hold
// or held a slot (cancelled, declined and expired ones are left out, so subscribed clients drop
// them on their next refresh), staff's view of each.
func (s *Service) FeedByToken(ctx context.Context, raw string) (*FeedFile, error) {
	var feeds []feedRow
	rows, err := s.data.Pool().Query(ctx, `SELECT tenant_id, feed_id, staff_member_id FROM calendar_feed_by_token($1)`, tokenHash(raw))
	if err == nil {
		feeds, err = pgx.CollectRows(rows, pgx.RowToStructByName[feedRow])
	}
	if err != nil {
		return nil, apperr.Op("calendar feed", err)
	}
	if len(feeds) == 0 {
		return nil, ErrNoFeed
	}
	f := feeds[0]
	now := s.now()
	var biz []Business
	var visits []Visit
	var staff []struct{ Name string }
	err = s.data.InTenant(ctx, f.TenantID, func(tx *database.Tx) error {
		queueBusiness(tx, &biz)
		queueFeedVisits(tx, f.StaffMemberID, now.Add(-FeedPast), now.Add(FeedAhead), &visits)
		if f.StaffMemberID != nil {
			database.QueueRows(tx, `SELECT name FROM staff_members WHERE tenant_id = $1 AND id = $2`, []any{*f.StaffMemberID}, &staff)
		}
		return nil
	})
	if err != nil {
		return nil, apperr.Op("calendar feed", err)
	}
	if len(biz) == 0 {
		return nil, ErrNoFeed
	}
	b := &biz[0]
	loc, err := time.LoadLocation(b.TimeZone)
	if err != nil {
		return nil, apperr.Op("calendar feed", err)
	}
	name := b.Name
	if len(staff) > 0 {
		name = staff[0].Name + " – " + b.Name
	}
	c := Calendar{Method: MethodPublish, Name: name, Location: loc, Stamp: now}
	for i := range visits {
		if EventStatus(visits[i].Status, visits[i].HoldExpiresAt, now) == StatusCancelled {
			continue // a lapsed hold
		}
		c.Events = append(c.Events, visits[i].event(b, s.host, ForStaff, "", now))
	}
	return &FeedFile{Body: c.Write(), FeedID: f.FeedID, TenantID: f.TenantID}, nil
}

// FileOptions choose how one reservation's file is written.
type FileOptions struct {
	View View
	// Method: MethodPublish for a download, MethodRequest (or MethodCancel) for a message.
	Method Method
	// CustomerToken, when known, gives the customer's event its manage link; ManageURL is that
	// link as a message already made it.
	CustomerToken string
	ManageURL     string
}

// ReservationFile is one reservation's calendar file for a caller that may read it (staff of its
// business, its customer token): METHOD as asked, STATUS:CANCELLED once it will not happen (and
// METHOD:CANCEL then, when a message asked for REQUEST).
func (s *Service) ReservationFile(ctx context.Context, p *auth.Principal, id uuid.UUID, o FileOptions) ([]byte, error) {
	tenantID, err := booking.ReservationScope(p, id)
	if err != nil {
		return nil, err
	}
	return s.File(ctx, tenantID, id, o)
}

// File writes reservation id of tenantID as a calendar file (the caller has authorised it: a
// message about it, or ReservationFile).
func (s *Service) File(ctx context.Context, tenantID, id uuid.UUID, o FileOptions) ([]byte, error) {
	b, _, err := s.file(ctx, tenantID, id, o)
	return b, err
}

// file is File with the METHOD it wrote (a message's attachment names it in its content type).
func (s *Service) file(ctx context.Context, tenantID, id uuid.UUID, o FileOptions) ([]byte, Method, error) {
	var biz []Business
	var visits []Visit
	err := s.data.InTenant(ctx, tenantID, func(tx *database.Tx) error {
		queueBusiness(tx, &biz)
		queueVisit(tx, id, &visits)
		return nil
	})
	if err != nil {
		return nil, "", apperr.Op("calendar file", err)
	}
	if len(biz) == 0 || len(visits) == 0 {
		return nil, "", booking.ErrReservationNotFound.WithField("id")
	}
	b, v := &biz[0], &visits[0]
	loc, err := time.LoadLocation(b.TimeZone)
	if err != nil {
		return nil, "", apperr.Op("calendar file", err)
	}
	now := s.now()
	manage := o.ManageURL
	if o.CustomerToken != "" && o.View == ForCustomer {
		manage = messages.ManageURL(s.base, b.Slug, v.ID, o.CustomerToken)
	}
	e := v.event(b, s.host, o.View, manage, now)
	method := o.Method
	if method == "" {
		method = MethodPublish
	}
	if e.Status == StatusCancelled && method == MethodRequest {
		method = MethodCancel
	}
	if method != MethodPublish {
		// iTIP's REQUEST and CANCEL name the organizer and the attendee; without a business
		// address to organise from, the file is only published.
		if e.Organizer == "" || v.CustomerEmail == "" {
			method = MethodPublish
		} else {
			e.Attendee, e.AttendeeName = v.CustomerEmail, v.CustomerName
		}
	}
	c := Calendar{Method: method, Name: b.Name, Location: loc, Stamp: now, Events: []Event{e}}
	return c.Write(), method, nil
}

// FileName is a reservation's calendar file's name.
func FileName(id uuid.UUID) string { return "reservation-" + id.String() + ".ics" }

// FileURL is where reservation id's calendar file downloads (Handler).
func (s *Service) FileURL(id uuid.UUID) string {
	return s.base + FeedPath + "reservations/" + id.String() + ".ics"
}
