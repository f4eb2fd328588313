package config

import (
	"errors"
	"fmt"
	"net/mail"
	"strconv"
	"time"
)

// Messages is how e-mails leave and how the outbox runs (SLOTPAY_SMTP_*, SLOTPAY_MAIL_*,
// SLOTPAY_MESSAGES_*).
type Messages struct {
	// SMTPHost is the SMTP server; empty: no e-mail is sent (development keeps them at /_mail,
	// production leaves them QUEUED until a configured instance runs).
	SMTPHost string
	SMTPPort int
	// SMTPSecurity is starttls (default), tls or none.
	SMTPSecurity string
	SMTPUsername string
	SMTPPassword string
	// MailFrom is the platform's sender address for businesses that set none; MailFromName its name.
	MailFrom     string
	MailFromName string
	// PollInterval is how often the relay looks for due messages; MaxAttempts how often a message
	// is tried; RetryBase the first retry's delay (doubling, at most 6 h).
	PollInterval time.Duration
	MaxAttempts  int
	RetryBase    time.Duration
}

func (c *Config) loadMessages(get func(name, def string) string) []error {
	var errs []error
	m := &c.Messages
	m.SMTPHost = get("SMTP_HOST", "")
	m.SMTPSecurity = get("SMTP_SECURITY", "starttls")
	switch m.SMTPSecurity {
	case "starttls", "tls", "none":
	default:
		errs = append(errs, fmt.Errorf("SLOTPAY_SMTP_SECURITY must be starttls, tls or none, not %q", m.SMTPSecurity))
	}
	if raw := get("SMTP_PORT", ""); raw != "" {
		n, err := strconv.Atoi(raw)
		if err != nil || n < 1 || n > 65535 {
			errs = append(errs, fmt.Errorf("SLOTPAY_SMTP_PORT: %q is not a port number", raw))
		}
		m.SMTPPort = n
	}
	m.SMTPUsername = get("SMTP_USERNAME", "")
	m.SMTPPassword = get("SMTP_PASSWORD", "")
	if (m.SMTPUsername == "") != (m.SMTPPassword == "") {
		errs = append(errs, errors.New("SLOTPAY_SMTP_USERNAME and SLOTPAY_SMTP_PASSWORD go together"))
	}
	m.MailFrom = get("MAIL_FROM", "")
	m.MailFromName = get("MAIL_FROM_NAME", "slotpay")
	if m.MailFrom != "" {
		if a, err := mail.ParseAddress(m.MailFrom); err != nil || a.Address != m.MailFrom {
			errs = append(errs, fmt.Errorf("SLOTPAY_MAIL_FROM %q is not a plain e-mail address", m.MailFrom))
		}
	} else if m.SMTPHost != "" {
		errs = append(errs, errors.New("SLOTPAY_SMTP_HOST needs SLOTPAY_MAIL_FROM (the platform's sender address)"))
	}
	var err error
	if m.PollInterval, err = durationIn(get("MESSAGES_POLL_INTERVAL", "1s"), 0, time.Minute); err != nil {
		errs = append(errs, fmt.Errorf("SLOTPAY_MESSAGES_POLL_INTERVAL: %w", err))
	}
	if m.RetryBase, err = durationIn(get("MESSAGES_RETRY_BASE", "30s"), 0, time.Hour); err != nil {
		errs = append(errs, fmt.Errorf("SLOTPAY_MESSAGES_RETRY_BASE: %w", err))
	}
	raw := get("MESSAGES_MAX_ATTEMPTS", "8")
	if m.MaxAttempts, err = strconv.Atoi(raw); err != nil || m.MaxAttempts < 1 || m.MaxAttempts > 25 {
		errs = append(errs, fmt.Errorf("SLOTPAY_MESSAGES_MAX_ATTEMPTS: %q is not a number from 1 to 25", raw))
	}
	return errs
}
