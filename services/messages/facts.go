package messages

import (
	"github.com/google/uuid"

	"errors"
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/slotpay/slotpay/services/database"
)

// loadFacts reads what m's template may say, in one round trip: the business, and the reservation
// (with its service and staff member) and payment m is about. Times are written in the business's
// zone, money in m's language.
func (s *Service) loadFacts(tx *database.Tx, m *row, now time.Time) (Facts, sender, error) {
	f := Facts{}
	for k, v := range m.Data {
		f[k] = v
	}
	if m.RecipientName != nil {
		f["recipientName"] = *m.RecipientName
	}
	var (
		b struct {
			name, slug, zone, currency, locale                          string
			line1, line2, city, postal, email, phone, fromName, fromAdr *string
		}
		res struct {
			found                         bool
			startsAt, endsAt              time.Time
			holdExpires, decisionDeadline *time.Time
			status, customerName, service string
			staff                         string
			price, paid, refunded         int64
			deposit                       *int64
			currency                      string
			cancelReason, declineReason   *string
			refunding                     int64
			lastMethod                    *string
		}
		pay struct {
			found           bool
			amount          int64
			currency, chann string
			method          string
		}
	)
	tx.Queue(`SELECT name, slug, time_zone, currency, locale, address_line1, address_line2, city, postal_code, contact_email, phone,
			mail_from_name, mail_from_address FROM tenants WHERE id = $1`).
		QueryRow(func(r pgx.Row) error {
			return r.Scan(&b.name, &b.slug, &b.zone, &b.currency, &b.locale, &b.line1, &b.line2, &b.city, &b.postal, &b.email, &b.phone,
				&b.fromName, &b.fromAdr)
		})
	if m.ReservationID != nil {
		tx.Queue(`SELECT r.starts_at, r.ends_at, r.hold_expires_at, r.decision_deadline, r.status, r.customer_name, sv.name, st.name,
				r.price_amount, r.paid_amount, r.refunded_amount, r.deposit_amount, r.currency, r.cancel_reason, r.decline_reason,
				(SELECT coalesce(sum(f.amount), 0) FROM refunds f JOIN payments p ON p.tenant_id = f.tenant_id AND p.id = f.payment_id
					WHERE f.tenant_id = r.tenant_id AND p.reservation_id = r.id AND f.status <> 'FAILED'),
				(SELECT pm.display_name FROM payments p JOIN payment_methods pm ON pm.tenant_id = p.tenant_id AND pm.id = p.payment_method_id
					WHERE p.tenant_id = r.tenant_id AND p.reservation_id = r.id AND p.status IN ('SETTLED', 'PAID')
					ORDER BY p.created_at DESC LIMIT 1)
			FROM reservations r
			JOIN services sv ON sv.tenant_id = r.tenant_id AND sv.id = r.service_id
			JOIN staff_members st ON st.tenant_id = r.tenant_id AND st.id = r.staff_member_id
			WHERE r.tenant_id = $1 AND r.id = $2`, *m.ReservationID).
			QueryRow(func(r pgx.Row) error {
				err := r.Scan(&res.startsAt, &res.endsAt, &res.holdExpires, &res.decisionDeadline, &res.status, &res.customerName,
					&res.service, &res.staff, &res.price, &res.paid, &res.refunded, &res.deposit, &res.currency, &res.cancelReason, &res.declineReason,
					&res.refunding, &res.lastMethod)
				if errors.Is(err, pgx.ErrNoRows) {
					return nil
				}
				res.found = err == nil
				return err
			})
	}
	if m.PaymentID != nil {
		tx.Queue(`SELECT p.amount, p.currency, p.channel, pm.display_name FROM payments p
			JOIN payment_methods pm ON pm.tenant_id = p.tenant_id AND pm.id = p.payment_method_id
			WHERE p.tenant_id = $1 AND p.id = $2`, *m.PaymentID).
			QueryRow(func(r pgx.Row) error {
				err := r.Scan(&pay.amount, &pay.currency, &pay.chann, &pay.method)
				if errors.Is(err, pgx.ErrNoRows) {
					return nil
				}
				pay.found = err == nil
				return err
			})
	}
	if err := tx.Send(); err != nil {
		return nil, sender{}, fmt.Errorf("message facts: %w", err)
	}
	zone, err := time.LoadLocation(b.zone)
	if err != nil {
		zone = time.UTC
	}
	loc := m.Locale
	f["businessName"] = b.name
	f["businessEmail"] = deref(b.email)
	f["businessPhone"] = deref(b.phone)
	f["businessAddress"] = joinNonEmpty(", ", deref(b.line1), deref(b.line2), strings.TrimSpace(deref(b.postal)+" "+deref(b.city)))
	f["businessSlug"] = b.slug
	f["timeZone"] = b.zone
	if res.found {
		f["reservationId"] = m.ReservationID.String()
		f["customerName"] = res.customerName
		f["serviceName"] = res.service
		f["staffName"] = res.staff
		f["startsAt"] = FormatTime(res.startsAt, zone, loc)
		f["date"] = FormatDate(res.startsAt, zone, loc)
		f["time"] = FormatClock(res.startsAt, zone)
		f["endsAt"] = FormatClock(res.endsAt, zone)
		f["startsAtUTC"] = res.startsAt.UTC().Format(time.RFC3339)
		f["endsAtUTC"] = res.endsAt.UTC().Format(time.RFC3339)
		f["duration"] = strconv.Itoa(int(res.endsAt.Sub(res.startsAt).Minutes())) + " min"
		f["price"] = FormatMoney(res.price, res.currency, loc)
		f["status"] = statusText(res.status, loc)
		f["reservationStatus"] = res.status
		due := res.price - res.paid
		if res.status == "CANCELLED" || res.status == "EXPIRED" || res.status == "DECLINED" || due < 0 {
			due = 0
		}
		f["balanceDue"] = FormatMoney(due, res.currency, loc)
		if res.deposit != nil && res.paid == 0 {
			f["amountDueNow"] = FormatMoney(*res.deposit, res.currency, loc)
		} else {
			f["amountDueNow"] = FormatMoney(due, res.currency, loc)
		}
		if res.holdExpires != nil {
			f["holdDeadline"] = FormatTime(*res.holdExpires, zone, loc)
		}
		if res.decisionDeadline != nil {
			f["decisionDeadline"] = FormatTime(*res.decisionDeadline, zone, loc)
		}
		f["cancelReason"] = deref(res.cancelReason)
		f["declineReason"] = deref(res.declineReason)
		if m.Audience == Customer {
			link, err := s.manageLink(m, b.slug, res.endsAt)
			if err != nil {
				return nil, sender{}, err
			}
			f["manageLink"] = link
		} else {
			f["manageLink"] = StaffURL(s.o.PublicBaseURL, *m.ReservationID)
		}
		// The refunds under way or made (not failed), whatever imoje has settled yet.
		f["refundAmount"] = FormatMoney(res.refunding, res.currency, loc)
		f["amountPaid"] = FormatMoney(res.paid, res.currency, loc)
		f["paymentMethod"] = deref(res.lastMethod)
	}
	if pay.found {
		f["paymentAmount"] = FormatMoney(pay.amount, pay.currency, loc)
		f["paymentMethod"] = pay.method
		f["paymentChannel"] = channelText(pay.chann, loc)
	}
	snd := sender{from: deref(b.fromAdr), fromName: b.name, replyTo: deref(b.email)}
	if b.fromName != nil {
		snd.fromName = *b.fromName
	}
	return f, snd, nil
}

// manageLink is the customer's link to their reservation: the booking page with the reservation's
// customer access token in the fragment (never sent to a server, so never in an access log).
func (s *Service) manageLink(m *row, slug string, endsAt time.Time) (string, error) {
	if s.o.Tokens == nil {
		return "", errors.New("message facts: no customer tokens")
	}
	tok, err := s.o.Tokens.IssueCustomer(m.TenantID, *m.ReservationID, endsAt.Add(s.o.CustomerTokenTTL))
	if err != nil {
		return "", fmt.Errorf("manage link: %w", err)
	}
	return ManageURL(s.o.PublicBaseURL, slug, *m.ReservationID, tok), nil
}

// ManageURL is the customer's manage page of a reservation: the booking widget's page
// /b/<slug>/r/<id> under base, the capability in the fragment (never sent to a server, so never in
// an access log). Every customer link to a reservation (e-mails, calendar files) is this one.
func ManageURL(base, slug string, id uuid.UUID, customerToken string) string {
	return strings.TrimRight(base, "/") + "/b/" + url.PathEscape(slug) + "/r/" + id.String() + "#token=" + url.QueryEscape(customerToken)
}

// StaffURL is a reservation's page in the staff panel (/panel/#/reservations/<id>).
func StaffURL(base string, id uuid.UUID) string {
	return strings.TrimRight(base, "/") + "/panel/#/reservations/" + id.String()
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

func joinNonEmpty(sep string, parts ...string) string {
	var out []string
	for _, p := range parts {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return strings.Join(out, sep)
}

var statusTexts = map[string][2]string{
	"REQUESTED":       {"oczekuje na potwierdzenie", "awaiting confirmation"},
	"PENDING_PAYMENT": {"oczekuje na płatność", "awaiting payment"},
	"CONFIRMED":       {"potwierdzona", "confirmed"},
	"CANCELLED":       {"odwołana", "cancelled"},
	"COMPLETED":       {"zakończona", "completed"},
	"NO_SHOW":         {"nieobecność", "no-show"},
	"EXPIRED":         {"wygasła", "expired"},
	"DECLINED":        {"odrzucona", "declined"},
}

func statusText(st, locale string) string {
	t, ok := statusTexts[st]
	if !ok {
		return st
	}
	if locale == "en" {
		return t[1]
	}
	return t[0]
}

var channelTexts = map[string][2]string{
	"BLIK": {"BLIK", "BLIK"}, "PBL": {"szybki przelew", "fast bank transfer"}, "PAY_LATER": {"płatność odroczona", "pay later"},
	"CARD": {"karta", "card"}, "CHOOSE": {"płatność online", "online payment"},
}

func channelText(c, locale string) string {
	t, ok := channelTexts[c]
	if !ok {
		return c
	}
	if locale == "en" {
		return t[1]
	}
	return t[0]
}
