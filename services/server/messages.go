package server

import (
	"cmp"
	"fmt"

	"github.com/slotpay/slotpay/services/config"
	"github.com/slotpay/slotpay/services/mail"
	"github.com/slotpay/slotpay/services/messages"
)

// startMessages builds and starts the outbox: e-mail over the configured SMTP server, or (in
// development without one) the in-memory catcher listed at /_mail; River runs on the application
// pool until Close.
func (s *Server) startMessages(opt Options) error {
	mc := s.Config.Messages
	var channels []messages.Channel
	switch {
	case mc.SMTPHost != "":
		smtp, err := mail.NewSMTP(mail.Config{Host: mc.SMTPHost, Port: mc.SMTPPort, Security: mail.Security(mc.SMTPSecurity),
			Username: mc.SMTPUsername, Password: mc.SMTPPassword, From: mc.MailFrom, FromName: mc.MailFromName})
		if err != nil {
			return err
		}
		channels = append(channels, smtp)
	case s.Config.Env == config.Development:
		s.MailCatcher = &mail.Catcher{From: cmp.Or(mc.MailFrom, "no-reply@slotpay.localhost"), FromName: mc.MailFromName}
		channels = append(channels, s.MailCatcher)
		s.Log.Info("no SMTP server configured (SLOTPAY_SMTP_HOST): e-mails are kept at " + s.Config.PublicBaseURL + "/_mail/")
	default:
		s.Log.Warn("no SMTP server configured (SLOTPAY_SMTP_HOST): e-mails stay queued")
	}
	for _, c := range opt.MessageChannels {
		channels = append(channels, c) // a later channel of a name replaces an earlier one
	}
	svc, err := messages.New(messages.Options{Data: s.Data, Channels: channels, Tokens: s.Tokens, PublicBaseURL: s.Config.PublicBaseURL,
		PollInterval: cmp.Or(opt.MessagePollInterval, mc.PollInterval), MaxAttempts: cmp.Or(opt.MessageMaxAttempts, mc.MaxAttempts),
		RetryBase: cmp.Or(opt.MessageRetryBase, mc.RetryBase), Now: opt.Now, Log: s.Log})
	if err != nil {
		return err
	}
	if err := svc.Start(s.baseCtx); err != nil {
		return fmt.Errorf("messages: %w", err)
	}
	s.Messages = svc
	return nil
}
