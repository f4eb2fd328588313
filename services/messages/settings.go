package messages

import (
	"context"
	"fmt"
	"net/mail"
	"slices"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/slotpay/slotpay/services/apperr"
	"github.com/slotpay/slotpay/services/auth"
	"github.com/slotpay/slotpay/services/database"
)

// TemplateInput is a business's own wording of a kind's message in one language; an empty Body
// returns to the built-in text.
type TemplateInput struct {
	Kind    Kind
	Channel ChannelName
	Locale  string
	Subject string
	Body    string
}

// validateTemplate reports every problem of in at once, each on its input field.
func validateTemplate(in TemplateInput) (Template, error) {
	t, ok := Lookup(in.Kind, in.Channel)
	var errs []error
	if !ok {
		errs = append(errs, apperr.New(apperr.BadUserInput, fmt.Sprintf("there is no %s message of kind %s", in.Channel, in.Kind)).WithReason(apperr.NotAllowed).WithField("input.kind"))
	}
	if in.Locale != "pl" && in.Locale != "en" {
		errs = append(errs, apperr.New(apperr.BadUserInput, "the language must be pl or en").WithReason(apperr.NotAllowed).WithField("input.locale"))
	}
	if len([]rune(in.Subject)) > 300 {
		errs = append(errs, apperr.New(apperr.BadUserInput, "the subject is longer than 300 characters").WithReason(apperr.OutOfRange).WithField("input.subject"))
	}
	if strings.ContainsAny(in.Subject, "\r\n") {
		errs = append(errs, apperr.New(apperr.BadUserInput, "the subject is one line").WithReason(apperr.InvalidFormat).WithField("input.subject"))
	}
	if len([]rune(in.Body)) > 10000 {
		errs = append(errs, apperr.New(apperr.BadUserInput, "the text is longer than 10000 characters").WithReason(apperr.OutOfRange).WithField("input.body"))
	}
	if ok {
		allowed := t.allowed()
		for field, text := range map[string]string{"input.subject": in.Subject, "input.body": in.Body} {
			if bad := unknownPlaceholders(text, allowed); len(bad) > 0 {
				errs = append(errs, apperr.New(apperr.BadUserInput, fmt.Sprintf("unknown placeholder {%s}; this message knows %s",
					bad[0], "{"+strings.Join(allowed, "}, {")+"}")).WithReason(apperr.NotAllowed).WithField(field))
			}
		}
	}
	return t, apperr.Problems(errs).Err()
}

// SetTemplate stores a business's own wording (OWNER, ADMIN); an empty body deletes it.
func (s *Service) SetTemplate(ctx context.Context, p *auth.Principal, in TemplateInput) error {
	if !p.HasRole(auth.RoleOwner, auth.RoleAdmin) {
		return apperr.ErrForbidden
	}
	if _, err := validateTemplate(in); err != nil {
		return err
	}
	now := s.o.Now().UTC()
	return s.data.InTenant(ctx, p.TenantID, func(tx *database.Tx) error {
		if strings.TrimSpace(in.Body) == "" {
			tx.Queue(`DELETE FROM message_templates WHERE tenant_id = $1 AND kind = $2 AND channel = $3 AND locale = $4`,
				string(in.Kind), string(in.Channel), in.Locale)
			return nil
		}
		tx.Queue(`INSERT INTO message_templates (tenant_id, kind, channel, locale, subject, body, updated_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7)
			ON CONFLICT (tenant_id, kind, channel, locale) DO UPDATE SET subject = EXCLUDED.subject, body = EXCLUDED.body, updated_at = EXCLUDED.updated_at`,
			string(in.Kind), string(in.Channel), in.Locale, nullable(strings.TrimSpace(in.Subject)), in.Body, now)
		return nil
	})
}

// sampleFacts are the preview's example values of the common and reservation placeholders.
func sampleFacts(locale string, now time.Time) Facts {
	zone, _ := time.LoadLocation("Europe/Warsaw")
	start := time.Date(now.Year(), now.Month(), now.Day(), 9, 0, 0, 0, time.UTC).AddDate(0, 0, 7)
	f := Facts{"businessName": "Salon Ewa", "businessEmail": "kontakt@salon-ewa.example", "businessPhone": "+48 600 100 200",
		"businessAddress": "ul. Długa 1, 00-001 Warszawa", "recipientName": "Jan Kowalski", "customerName": "Jan Kowalski",
		"serviceName": "Strzyżenie", "staffName": "Anna", "startsAt": FormatTime(start, zone, locale), "date": FormatDate(start, zone, locale),
		"time": FormatClock(start, zone), "endsAt": FormatClock(start.Add(time.Hour), zone), "duration": "60 min",
		"price": FormatMoney(12000, "PLN", locale), "manageLink": "https://slotpay.example/b/salon-ewa/r/…",
		"status": statusText("CONFIRMED", locale), "balanceDue": FormatMoney(0, "PLN", locale),
		"holdDeadline": FormatTime(now.Add(30*time.Minute), zone, locale), "amountDueNow": FormatMoney(12000, "PLN", locale),
		"amountPaid": FormatMoney(12000, "PLN", locale), "paymentMethod": "BLIK", "refundAmount": FormatMoney(12000, "PLN", locale),
		"cancelReason": "", "declineReason": "", "decisionDeadline": FormatTime(now.Add(24*time.Hour), zone, locale),
		"notificationUrl": "https://slotpay.example/payment-imoje", "since": "", "link": "https://slotpay.example/…"}
	return f
}

// Preview renders in (or, with an empty body, the business's current wording or the built-in one)
// with sample values (staff).
func (s *Service) Preview(ctx context.Context, p *auth.Principal, in TemplateInput) (Rendered, error) {
	if !p.HasRole(logReaders...) {
		return Rendered{}, apperr.ErrForbidden
	}
	t, err := validateTemplate(in)
	if err != nil {
		return Rendered{}, err
	}
	w := Wording{Subject: in.Subject, Body: in.Body}
	if strings.TrimSpace(in.Body) == "" {
		err := s.data.InTenant(ctx, p.TenantID, func(tx *database.Tx) error {
			var err error
			w, err = wordingOf(tx, t, in.Locale)
			return err
		})
		if err != nil {
			return Rendered{}, err
		}
	}
	f := sampleFacts(in.Locale, s.o.Now())
	for k, v := range t.Sample {
		f[k] = v
	}
	return Render(w, f), nil
}

// Settings are a business's message settings.
type Settings struct {
	FromName       *string
	FromAddress    *string
	ReminderOffset []int // minutes before the visit
}

// SettingsOf reads the business's message settings (staff).
func (s *Service) SettingsOf(ctx context.Context, p *auth.Principal) (*Settings, error) {
	if !p.HasRole(logReaders...) {
		return nil, apperr.ErrForbidden
	}
	var out Settings
	err := s.data.InTenant(ctx, p.TenantID, func(tx *database.Tx) error {
		tx.Queue(`SELECT mail_from_name, mail_from_address, reminder_offsets_minutes FROM tenants WHERE id = $1`).
			QueryRow(func(r pgx.Row) error { return r.Scan(&out.FromName, &out.FromAddress, &out.ReminderOffset) })
		return nil
	})
	return &out, err
}

// SettingsInput changes the message settings; nil fields stay, an empty text clears.
type SettingsInput struct {
	FromName       *string
	FromAddress    *string
	ReminderOffset []int // nil: unchanged; empty: no reminders
}

// UpdateSettings changes the message settings (OWNER, ADMIN), reporting every bad field at once.
// New offsets apply to reminders scheduled from then on.
func (s *Service) UpdateSettings(ctx context.Context, p *auth.Principal, in SettingsInput) (*Settings, error) {
	if !p.HasRole(auth.RoleOwner, auth.RoleAdmin) {
		return nil, apperr.ErrForbidden
	}
	var errs []error
	if in.FromName != nil && len([]rune(strings.TrimSpace(*in.FromName))) > 200 {
		errs = append(errs, apperr.New(apperr.BadUserInput, "the sender name is longer than 200 characters").WithReason(apperr.OutOfRange).WithField("input.fromName"))
	}
	if in.FromAddress != nil && *in.FromAddress != "" {
		if a, err := mail.ParseAddress(*in.FromAddress); err != nil || a.Address != *in.FromAddress {
			errs = append(errs, apperr.New(apperr.BadUserInput, "the sender address is not a plain e-mail address").WithReason(apperr.InvalidFormat).WithField("input.fromAddress"))
		}
	}
	if in.ReminderOffset != nil {
		if len(in.ReminderOffset) > 5 {
			errs = append(errs, apperr.New(apperr.BadUserInput, "at most 5 reminders").WithReason(apperr.OutOfRange).WithField("input.reminderOffsetsMinutes"))
		}
		for i, o := range in.ReminderOffset {
			if o < 1 || o > 43200 {
				errs = append(errs, apperr.New(apperr.BadUserInput, "a reminder is 1 minute to 30 days before the visit").WithReason(apperr.OutOfRange).
					WithField(fmt.Sprintf("input.reminderOffsetsMinutes.%d", i)))
			}
		}
	}
	if err := apperr.Problems(errs).Err(); err != nil {
		return nil, err
	}
	offsets := slices.Clone(in.ReminderOffset)
	slices.Sort(offsets)
	offsets = slices.Compact(offsets)
	err := s.data.InTenant(ctx, p.TenantID, func(tx *database.Tx) error {
		if in.FromName != nil {
			tx.Queue(`UPDATE tenants SET mail_from_name = $2 WHERE id = $1`, nullable(strings.TrimSpace(*in.FromName)))
		}
		if in.FromAddress != nil {
			tx.Queue(`UPDATE tenants SET mail_from_address = $2 WHERE id = $1`, nullable(*in.FromAddress))
		}
		if in.ReminderOffset != nil {
			if offsets == nil {
				offsets = []int{}
			}
			tx.Queue(`UPDATE tenants SET reminder_offsets_minutes = $2 WHERE id = $1`, offsets)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return s.SettingsOf(ctx, p)
}
