// Package mail is the EMAIL channel of services/messages: multipart text + HTML e-mails with
// RFC 5322 headers (Message-ID, Date, UTF-8 subjects) and attachments, sent over SMTP with
// github.com/wneessen/go-mail. In development without an SMTP server the Catcher keeps the same
// messages in memory for the /_mail page.
package mail

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	gomail "github.com/wneessen/go-mail"

	"github.com/slotpay/slotpay/services/messages"
)

// Security is how the SMTP connection is protected.
type Security string

// Securities.
const (
	// StartTLS upgrades a plain connection (port 587) and refuses a server that cannot.
	StartTLS Security = "starttls"
	// TLS connects over TLS from the start (port 465).
	TLS Security = "tls"
	// None sends in the clear (a local relay or catcher only).
	None Security = "none"
)

// Config is the platform's SMTP server and default sender.
type Config struct {
	Host     string
	Port     int
	Security Security
	Username string
	Password string
	// From is the platform's sender address, used for businesses that set none; FromName its name
	// when the business has none either.
	From     string
	FromName string
	Timeout  time.Duration
	// HELO is the name the client greets with (the From address's domain when empty).
	HELO string
}

// SMTP delivers e-mails through one SMTP server.
type SMTP struct{ cfg Config }

// NewSMTP is the SMTP channel for cfg.
func NewSMTP(cfg Config) (*SMTP, error) {
	if cfg.Host == "" {
		return nil, errors.New("mail: no SMTP host")
	}
	if cfg.From == "" {
		return nil, errors.New("mail: no platform From address")
	}
	if cfg.Port == 0 {
		switch cfg.Security {
		case TLS:
			cfg.Port = 465
		case None:
			cfg.Port = 25
		default:
			cfg.Port = 587
		}
	}
	if cfg.Timeout == 0 {
		cfg.Timeout = 30 * time.Second
	}
	return &SMTP{cfg: cfg}, nil
}

// Name is EMAIL.
func (s *SMTP) Name() messages.ChannelName { return messages.Email }

// Deliver sends d; the e-mail's Message-ID is the provider reference. An SMTP refusal of the
// recipient or content (5xx) is permanent, a 4xx is retried, and a connection lost after the
// message's data was sent leaves the outcome unknown (the server may have taken it).
func (s *SMTP) Deliver(ctx context.Context, d *messages.Delivery) (string, error) {
	msg, id, err := Build(d, s.cfg.From, s.cfg.FromName)
	if err != nil {
		return "", fmt.Errorf("%w: %w", messages.ErrPermanent, err)
	}
	opts := []gomail.Option{gomail.WithPort(s.cfg.Port), gomail.WithTimeout(s.cfg.Timeout)}
	switch s.cfg.Security {
	case TLS:
		opts = append(opts, gomail.WithSSL())
	case None:
		opts = append(opts, gomail.WithTLSPolicy(gomail.NoTLS))
	default:
		opts = append(opts, gomail.WithTLSPolicy(gomail.TLSMandatory))
	}
	if s.cfg.Username != "" {
		opts = append(opts, gomail.WithSMTPAuth(gomail.SMTPAuthPlain), gomail.WithUsername(s.cfg.Username), gomail.WithPassword(s.cfg.Password))
	}
	helo := s.cfg.HELO
	if helo == "" {
		helo = domainOf(s.cfg.From)
	}
	opts = append(opts, gomail.WithHELO(helo))
	c, err := gomail.NewClient(s.cfg.Host, opts...)
	if err != nil {
		return "", fmt.Errorf("%w: smtp client: %w", messages.ErrPermanent, err)
	}
	if err := c.DialAndSendWithContext(ctx, msg); err != nil {
		return "", classify(err)
	}
	return id, nil
}

// classify maps a send error to the outbox's outcomes: a 5xx reply is permanent, a 4xx reply or a
// connection that failed before the data went out is retried, and a failure while the data was
// being closed without a reply leaves the outcome unknown.
func classify(err error) error {
	var se *gomail.SendError
	if !errors.As(err, &se) {
		return err // dial, TLS, authentication: nothing was sent
	}
	switch code := se.ErrorCode(); {
	case code >= 500:
		return fmt.Errorf("%w: %w", messages.ErrPermanent, err)
	case code >= 400 || se.IsTemp():
		return err
	}
	switch se.Reason {
	case gomail.ErrGetSender, gomail.ErrGetRcpts, gomail.ErrNoUnencoded:
		return fmt.Errorf("%w: %w", messages.ErrPermanent, err)
	case gomail.ErrSMTPDataClose:
		return fmt.Errorf("%w: %w", messages.ErrOutcomeUnknown, err)
	}
	return err
}

// Build is d as an e-mail: From the business's address (else from, the platform's) with its name,
// Reply-To the business's contact address, a Message-ID made of the message's id and the sender's
// domain (returned too), Date, a UTF-8 subject, text/plain with its text/html alternative and the
// attachments.
func Build(d *messages.Delivery, from, fromName string) (*gomail.Msg, string, error) {
	m := gomail.NewMsg(gomail.WithCharset(gomail.CharsetUTF8), gomail.WithEncoding(gomail.EncodingQP))
	addr, name := d.From, d.FromName
	if addr == "" {
		addr = from
	}
	if name == "" {
		name = fromName
	}
	if err := m.FromFormat(name, addr); err != nil {
		return nil, "", fmt.Errorf("from %q: %w", addr, err)
	}
	if err := m.AddToFormat(d.RecipientName, d.Recipient); err != nil {
		return nil, "", fmt.Errorf("recipient: %w", err)
	}
	if d.ReplyTo != "" && !strings.EqualFold(d.ReplyTo, addr) {
		if err := m.ReplyToFormat(name, d.ReplyTo); err != nil {
			return nil, "", fmt.Errorf("reply-to: %w", err)
		}
	}
	id := d.ID.String() + "@" + domainOf(addr)
	m.SetMessageIDWithValue(id)
	m.SetDate()
	m.Subject(d.Subject)
	m.SetBodyString(gomail.TypeTextPlain, d.Text)
	if d.HTML != "" {
		m.AddAlternativeString(gomail.TypeTextHTML, d.HTML)
	}
	for _, a := range d.Attachments {
		ct := gomail.ContentType(a.ContentType)
		if ct == "" {
			ct = gomail.TypeAppOctetStream
		}
		if err := m.AttachReader(a.Name, bytes.NewReader(a.Content), gomail.WithFileContentType(ct)); err != nil {
			return nil, "", fmt.Errorf("attachment %s: %w", a.Name, err)
		}
	}
	return m, "<" + id + ">", nil
}

func domainOf(addr string) string {
	if i := strings.LastIndexByte(addr, '@'); i >= 0 {
		return strings.Trim(addr[i+1:], "> ")
	}
	return "localhost"
}
