package server

import (
	"cmp"
	"fmt"

	"github.com/slotpay/slotpay/services/config"
	"github.com/slotpay/slotpay/services/database"
	"github.com/slotpay/slotpay/services/mail"
	"github.com/slotpay/slotpay/services/messages"
	"github.com/slotpay/slotpay/services/sms"
	"github.com/slotpay/slotpay/services/tracing"
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
	if s.SMS != nil {
		channels = append(channels, sms.Channel{SMS: s.SMS})
	}
	for _, c := range opt.MessageChannels {
		channels = append(channels, c) // a later channel of a name replaces an earlier one
	}
	// The outbox runs on a pool of its own: River's polling and the deliveries are background work,
	// never counted as a request's statements (servertest's Wire) nor holding the requests' connections.
	data, err := database.Open(s.baseCtx, s.Config.AppDatabaseURL, 12, tracing.Database(opt.TracerProvider))
	if err != nil {
		return fmt.Errorf("messages: database: %w", err)
	}
	s.messagesData = data
	svc, err := messages.New(messages.Options{Data: data, Channels: channels, Tokens: s.Tokens, PublicBaseURL: s.Config.PublicBaseURL,
		PollInterval: cmp.Or(opt.MessagePollInterval, mc.PollInterval), MaxAttempts: cmp.Or(opt.MessageMaxAttempts, mc.MaxAttempts),
		RetryBase: cmp.Or(opt.MessageRetryBase, mc.RetryBase), Now: opt.Now, Log: s.Log, Limiter: s.Limits})
	if err != nil {
		data.Close()
		return err
	}
	if err := svc.Start(s.baseCtx); err != nil {
		data.Close()
		return fmt.Errorf("messages: %w", err)
	}
	s.Messages = svc
	return nil
}
