// Package customers holds a business's customers: one record per person, created or matched on
// every booking by normalised e-mail, then phone, within the business only (normalize.go, link.go,
// joined to the booking's own transaction by services/booking), and the staff's reads and changes
// of them: a searchable list, one customer with statistics, edits and merging two records.
package customers

import (
	"context"
	"fmt"
	"github.com/slotpay/slotpay/services/paging"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/slotpay/slotpay/models"
	"github.com/slotpay/slotpay/services/apperr"
	"github.com/slotpay/slotpay/services/auth"
	"github.com/slotpay/slotpay/services/database"
	"github.com/slotpay/slotpay/services/tenancy"
)

// Errors of this domain.
var (
	ErrCustomerNotFound = apperr.New(apperr.NotFound, "customer not found")
	ErrEmailTaken       = apperr.New(apperr.Conflict, "another customer of this business has this e-mail address; merge the two instead")
	ErrMergeWithItself  = apperr.New(apperr.BadUserInput, "a customer cannot be merged with itself").WithReason(apperr.Inconsistent)
)

// Service reads and changes customers.
type Service struct {
	data *database.DB
	now  func() time.Time
}

// NewService builds the service; now is the clock (time.Now when nil).
func NewService(data *database.DB, now func() time.Time) *Service {
	if now == nil {
		now = time.Now
	}
	return &Service{data: data, now: now}
}

// Limits of a customer's fields.
const (
	MaxNotes     = 5000
	MaxTags      = 50
	MaxTagLength = 50
)

func staff(p *auth.Principal) error {
	if !p.IsStaff() {
		return apperr.ErrForbidden
	}
	return nil
}

// Customer is one customer of the caller's business; another business's id is NOT_FOUND.
func (s *Service) Customer(ctx context.Context, p *auth.Principal, id uuid.UUID) (*models.Customer, error) {
	if err := staff(p); err != nil {
		return nil, err
	}
	found, err := s.ByIDs(ctx, p.TenantID, []uuid.UUID{id})
	if err != nil {
		return nil, err
	}
	c, ok := found[id]
	if !ok {
		return nil, ErrCustomerNotFound.WithField("id")
	}
	return &c, nil
}

// ByIDs reads customers of one business by id (the GraphQL loaders' batch read).
func (s *Service) ByIDs(ctx context.Context, tenantID uuid.UUID, ids []uuid.UUID) (map[uuid.UUID]models.Customer, error) {
	out := map[uuid.UUID]models.Customer{}
	err := s.data.InTenant(ctx, tenantID, func(tx *database.Tx) error {
		clear(out)
		database.QueueRowsByKey(tx, `SELECT `+database.Columns[models.Customer]()+` FROM customers WHERE tenant_id = $1 AND id = ANY($2)`,
			[]any{ids}, func(c models.Customer) uuid.UUID { return c.ID }, out)
		return nil
	})
	return out, wrap("customers", err)
}

// customerOrder is the list's one ordering: by name, case-insensitively (customers_name_idx), the
// id breaking ties.
var customerOrder = paging.By("customers.name", "lower(name)", paging.Text, false,
	func(c *models.Customer) (any, uuid.UUID) { return strings.ToLower(c.Name), c.ID })

// List is the business's customers by name, a page at a time (services/paging: first/after,
// last/before, the total when asked); search (at most 200 characters) matches any part of the name
// or e-mail, case-insensitively, and the digits of the phone (so "600 100" finds +48600100200).
func (s *Service) List(ctx context.Context, p *auth.Principal, search string, args paging.Args) (*paging.Page[models.Customer], error) {
	if err := staff(p); err != nil {
		return nil, err
	}
	var problems apperr.Problems
	req, err := paging.Parse(args, customerOrder.Ordering)
	problems.Add(err)
	search = strings.ToLower(strings.TrimSpace(search))
	if utf8.RuneCountInString(search) > 200 {
		problems.Add(apperr.Input("search", apperr.TooLong, "must be at most 200 characters").With("max", 200))
	}
	if err := problems.Err(); err != nil {
		return nil, err
	}
	var where paging.Filter
	where.Where("tenant_id = $1")
	if search != "" {
		like := "%" + escapeLike(search) + "%"
		const text = "(lower(name) || ' ' || email_normalized || ' ' || coalesce(phone_normalized, '')) LIKE ?"
		if digits := digitsOf(search); len(digits) >= 3 {
			where.Where("("+text+" OR phone_normalized LIKE ?)", like, "%"+digits+"%")
		} else {
			where.Where(text, like)
		}
	}
	var page paging.Page[models.Customer]
	err = s.data.InTenant(ctx, p.TenantID, func(tx *database.Tx) error {
		paging.QueuePage(tx, "customers", where, customerOrder, req, &page)
		return nil
	})
	if err != nil {
		return nil, wrap("customers", err)
	}
	return &page, nil
}

func digitsOf(s string) string {
	var b strings.Builder
	for _, r := range s {
		switch {
		case r >= '0' && r <= '9':
			b.WriteRune(r)
		case r == ' ' || r == '-' || r == '+' || r == '(' || r == ')' || r == '.':
		default:
			return "" // not a phone number
		}
	}
	return b.String()
}

func escapeLike(s string) string {
	return strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(s)
}

// Stats sums up the reservations of customers of one business and the money of their payments:
// visits (every reservation), completed, no-shows, cancelled, the money received and refunded in
// the business's currency, and the first and last start of a visit that took or will take place
// (CONFIRMED or COMPLETED).
func (s *Service) Stats(ctx context.Context, tenantID uuid.UUID, ids []uuid.UUID) (map[uuid.UUID]models.CustomerStats, error) {
	var rows []models.CustomerStats
	err := s.data.InTenant(ctx, tenantID, func(tx *database.Tx) error {
		rows = nil
		database.QueueRows(tx, `SELECT c.id AS customer_id,
				count(r.id)::int AS visit_count,
				count(r.id) FILTER (WHERE r.status = 'COMPLETED')::int AS completed_count,
				count(r.id) FILTER (WHERE r.status = 'NO_SHOW')::int AS no_show_count,
				count(r.id) FILTER (WHERE r.status = 'CANCELLED')::int AS cancelled_count,
				coalesce(sum(m.paid), 0)::bigint AS amount_paid,
				coalesce(sum(m.refunded), 0)::bigint AS amount_refunded,
				t.currency,
				min(r.starts_at) FILTER (WHERE r.status IN ('CONFIRMED', 'COMPLETED')) AS first_visit_at,
				max(r.starts_at) FILTER (WHERE r.status IN ('CONFIRMED', 'COMPLETED')) AS last_visit_at
			FROM customers c
			JOIN tenants t ON t.id = c.tenant_id
			LEFT JOIN reservations r ON r.tenant_id = c.tenant_id AND r.customer_id = c.id
			LEFT JOIN LATERAL (
				SELECT sum(p.amount) FILTER (WHERE p.paid_at IS NOT NULL) AS paid, sum(p.refunded_amount) AS refunded
				FROM payments p WHERE p.tenant_id = r.tenant_id AND p.reservation_id = r.id AND p.currency = t.currency
			) m ON true
			WHERE c.tenant_id = $1 AND c.id = ANY($2)
			GROUP BY c.id, t.currency`, []any{ids}, &rows)
		return nil
	})
	if err != nil {
		return nil, wrap("customer stats", err)
	}
	out := make(map[uuid.UUID]models.CustomerStats, len(rows))
	for _, r := range rows {
		out[r.CustomerID] = r
	}
	return out, nil
}

// Consents changes marketing consents; nil stays as it is.
type Consents struct {
	MarketingEmail *bool
	MarketingSms   *bool
}

// Update changes a customer; nil fields stay as they are, an empty text clears an optional one.
type Update struct {
	Name, Email, Phone, Locale, Notes *string
	Tags                              *[]string
	Consents                          Consents
}

// apply validates u onto c at now, reporting every problem at once.
func (u Update) apply(c *models.Customer, now time.Time) error {
	var problems apperr.Problems
	if u.Name != nil {
		name, err := tenancy.ValidateName(*u.Name, "name")
		problems.Add(err)
		c.Name = name
	}
	if u.Email != nil {
		email, err := tenancy.NormalizeEmail(*u.Email, "email")
		problems.Add(err)
		c.Email, c.EmailNormalized = email, NormalizeEmail(email)
	}
	if u.Phone != nil {
		phone, err := ValidatePhone(*u.Phone, "phone")
		problems.Add(err)
		c.Phone, c.PhoneNormalized = nil, nil
		if phone != "" {
			n := NormalizePhone(phone)
			c.Phone, c.PhoneNormalized = &phone, &n
		}
	}
	if u.Locale != nil {
		c.Locale = nil
		if l := strings.TrimSpace(*u.Locale); l != "" {
			locale, err := tenancy.ValidateLocale(l, "locale")
			problems.Add(err)
			c.Locale = &locale
		}
	}
	if u.Notes != nil {
		c.Notes = nil
		notes := strings.TrimSpace(*u.Notes)
		if utf8.RuneCountInString(notes) > MaxNotes {
			problems.Add(apperr.Input("notes", apperr.TooLong, fmt.Sprintf("must be at most %d characters", MaxNotes)).With("max", MaxNotes))
		}
		if notes != "" {
			c.Notes = &notes
		}
	}
	if u.Tags != nil {
		tags, err := validTags(*u.Tags)
		problems.Add(err)
		c.Tags = tags
	}
	setConsent(&c.MarketingEmail, &c.MarketingEmailAt, u.Consents.MarketingEmail, now)
	setConsent(&c.MarketingSms, &c.MarketingSmsAt, u.Consents.MarketingSms, now)
	c.UpdatedAt = now
	return problems.Err()
}

// setConsent records a consent given now (kept with its first date when given again) or withdrawn.
func setConsent(given *bool, at **time.Time, to *bool, now time.Time) {
	switch {
	case to == nil:
	case *to && !*given:
		*given, *at = true, &now
	case !*to:
		*given, *at = false, nil
	}
}

// ValidatePhone is the rule for a phone number as typed (a booking's, a customer's): digits,
// spaces, dashes, dots, parentheses and a leading +, 6 to 15 digits. It returns the number trimmed,
// as written ("" for none); NormalizePhone is its matching form.
func ValidatePhone(s, field string) (string, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return "", nil
	}
	digits := 0
	for i, r := range s {
		switch {
		case r >= '0' && r <= '9':
			digits++
		case r == ' ' || r == '-' || r == '.' || r == '(' || r == ')':
		case r == '+' && i == 0:
		default:
			return "", apperr.Input(field, apperr.InvalidFormat, "phone number may contain only digits, spaces, dashes and a leading +")
		}
	}
	if digits < 6 {
		return "", apperr.Input(field, apperr.TooShort, "phone number must have 6 to 15 digits").With("min", 6)
	}
	if digits > 15 || len(s) > 32 {
		return "", apperr.Input(field, apperr.TooLong, "phone number must have 6 to 15 digits").With("max", 15)
	}
	return s, nil
}

// validTags trims, drops blanks and repeats (case-insensitively, keeping the first writing) and
// checks the limits.
func validTags(in []string) ([]string, error) {
	var problems apperr.Problems
	out := []string{}
	seen := map[string]bool{}
	for i, t := range in {
		t = strings.TrimSpace(t)
		if t == "" || seen[strings.ToLower(t)] {
			continue
		}
		if utf8.RuneCountInString(t) > MaxTagLength {
			problems.Add(apperr.Input(fmt.Sprintf("tags.%d", i), apperr.TooLong, fmt.Sprintf("must be at most %d characters", MaxTagLength)).With("max", MaxTagLength))
		}
		seen[strings.ToLower(t)] = true
		out = append(out, t)
	}
	if len(out) > MaxTags {
		problems.Add(apperr.Input("tags", apperr.TooLong, fmt.Sprintf("at most %d tags", MaxTags)).With("max", MaxTags))
	}
	return out, problems.Err()
}

// UpdateCustomer changes a customer of the caller's business (staff). Every input error is
// reported at once and nothing is written; an e-mail another customer has is CONFLICT (merge them).
func (s *Service) UpdateCustomer(ctx context.Context, p *auth.Principal, id uuid.UUID, u Update) (*models.Customer, error) {
	if err := staff(p); err != nil {
		return nil, err
	}
	var c models.Customer
	err := s.data.InTenant(ctx, p.TenantID, func(tx *database.Tx) error {
		locked, err := lockCustomers(tx, id)
		if err != nil {
			return err
		}
		c = locked[0]
		if err := u.apply(&c, s.now().UTC()); err != nil {
			return err
		}
		queueSave(tx, &c)
		return nil
	})
	if err != nil {
		return nil, wrap("update customer", emailTaken(err))
	}
	return &c, nil
}

func queueSave(tx *database.Tx, c *models.Customer) {
	database.QueueUpdateRow(tx, "customers", c.ID, map[string]any{"name": c.Name, "email": c.Email, "email_normalized": c.EmailNormalized,
		"phone": c.Phone, "phone_normalized": c.PhoneNormalized, "locale": c.Locale, "notes": c.Notes, "tags": c.Tags,
		"marketing_email": c.MarketingEmail, "marketing_email_at": c.MarketingEmailAt, "marketing_sms": c.MarketingSms,
		"marketing_sms_at": c.MarketingSmsAt, "sms_opted_out_at": c.SmsOptedOutAt, "sms_opt_out_source": c.SmsOptOutSource,
		"created_at": c.CreatedAt, "updated_at": c.UpdatedAt})
}

// lockCustomers reads customers of tx's business FOR UPDATE, in the order of ids (locked in id
// order, so two merges of one pair cannot deadlock); a missing one is NOT_FOUND on its field.
func lockCustomers(tx *database.Tx, ids ...uuid.UUID) ([]models.Customer, error) {
	var rows []models.Customer
	database.QueueRows(tx, `SELECT `+database.Columns[models.Customer]()+` FROM customers WHERE tenant_id = $1 AND id = ANY($2) ORDER BY id FOR UPDATE`,
		[]any{ids}, &rows)
	if err := tx.Send(); err != nil {
		return nil, err
	}
	out := make([]models.Customer, len(ids))
	for i, id := range ids {
		j := slices.IndexFunc(rows, func(c models.Customer) bool { return c.ID == id })
		if j < 0 {
			return nil, ErrCustomerNotFound.WithField(idField(len(ids), i))
		}
		out[i] = rows[j]
	}
	return out, nil
}

func idField(n, i int) string {
	switch {
	case n == 1:
		return "id"
	case i == 0:
		return "keepId"
	}
	return "mergeId"
}

// MergeCustomers folds the customer mergeID into keepID (staff), in one transaction: every
// reservation of the merged record moves to the kept one, tags are united, notes joined (the
// kept record's first), a consent given on either is kept with its earliest date, the kept
// record's phone and locale are filled from the merged one when it has none, an opt-out from text
// messages on either holds for the kept one, and the merged
// record is deleted. Both must be the caller's business's (NOT_FOUND otherwise, as if absent).
func (s *Service) MergeCustomers(ctx context.Context, p *auth.Principal, keepID, mergeID uuid.UUID) (*models.Customer, error) {
	if err := staff(p); err != nil {
		return nil, err
	}
	if keepID == mergeID {
		return nil, ErrMergeWithItself.WithField("mergeId")
	}
	var kept models.Customer
	err := s.data.InTenant(ctx, p.TenantID, func(tx *database.Tx) error {
		pair, err := lockCustomers(tx, keepID, mergeID)
		if err != nil {
			return err
		}
		kept = merged(pair[0], pair[1], s.now().UTC())
		tx.Queue(`UPDATE reservations SET customer_id = $2 WHERE tenant_id = $1 AND customer_id = $3`, keepID, mergeID)
		tx.Queue(`DELETE FROM customers WHERE tenant_id = $1 AND id = $2`, mergeID).Exec(func(tag pgconn.CommandTag) error {
			if tag.RowsAffected() != 1 {
				return fmt.Errorf("delete merged customer: %d rows", tag.RowsAffected())
			}
			return nil
		})
		queueSave(tx, &kept)
		return nil
	})
	if err != nil {
		return nil, wrap("merge customers", err)
	}
	return &kept, nil
}

// merged is keep with what other adds (see MergeCustomers); pure.
func merged(keep, other models.Customer, now time.Time) models.Customer {
	out := keep
	out.Tags, _ = validTags(append(slices.Clone(keep.Tags), other.Tags...))
	if len(out.Tags) > MaxTags {
		out.Tags = out.Tags[:MaxTags]
	}
	switch {
	case other.Notes == nil:
	case keep.Notes == nil:
		out.Notes = other.Notes
	default:
		joined := *keep.Notes + "\n\n" + *other.Notes
		if r := []rune(joined); len(r) > MaxNotes {
			joined = string(r[:MaxNotes])
		}
		out.Notes = &joined
	}
	out.MarketingEmail, out.MarketingEmailAt = mergedConsent(keep.MarketingEmail, keep.MarketingEmailAt, other.MarketingEmail, other.MarketingEmailAt)
	out.MarketingSms, out.MarketingSmsAt = mergedConsent(keep.MarketingSms, keep.MarketingSmsAt, other.MarketingSms, other.MarketingSmsAt)
	// An opt-out from text messages on either record holds for the person (the earliest is kept).
	if other.SmsOptedOutAt != nil && (out.SmsOptedOutAt == nil || other.SmsOptedOutAt.Before(*out.SmsOptedOutAt)) {
		out.SmsOptedOutAt, out.SmsOptOutSource = other.SmsOptedOutAt, other.SmsOptOutSource
	}
	if out.Phone == nil {
		out.Phone, out.PhoneNormalized = other.Phone, other.PhoneNormalized
	}
	if out.Locale == nil {
		out.Locale = other.Locale
	}
	if other.CreatedAt.Before(out.CreatedAt) {
		out.CreatedAt = other.CreatedAt
	}
	out.UpdatedAt = now
	return out
}

func mergedConsent(a bool, aAt *time.Time, b bool, bAt *time.Time) (bool, *time.Time) {
	switch {
	case a && b && aAt != nil && bAt != nil && bAt.Before(*aAt):
		return true, bAt
	case a:
		return true, aAt
	case b:
		return true, bAt
	}
	return false, nil
}

func emailTaken(err error) error {
	if ok, name := database.IsCode(err, database.CodeUniqueViolation); ok && name == "customers_email_key" {
		return ErrEmailTaken.WithField("email").Wrap(err)
	}
	return err
}

func wrap(op string, err error) error { return apperr.Op(op, err) }
