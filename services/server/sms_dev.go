package server

import (
	"cmp"
	"crypto/rand"
	"encoding/hex"
	"net/http"

	"github.com/slotpay/slotpay/services/config"
	"github.com/slotpay/slotpay/services/secrets"
	"github.com/slotpay/slotpay/services/sms"
	"github.com/slotpay/slotpay/services/tracing"
	"github.com/slotpay/slotpay/smsapisim"
)

// newSMS builds the text-message service. In development with no SLOTPAY_SMSAPI_BASE_URL the
// built-in SMSAPI stand-in is mounted under /_smsapi (s.SMSAPI) and the platform's token is one it
// accepts (generated when SLOTPAY_SMSAPI_TOKEN is empty), so every business can turn SMS on and see
// its messages on the stand-in's page. Never in production (config refuses an empty base URL there).
func (s *Server) newSMS(box *secrets.Box, opt Options) *sms.Service {
	c := s.Config.SMS
	base, token := c.BaseURL, c.PlatformToken
	if base == "" && s.Config.Env == config.Development {
		if token == "" {
			b := make([]byte, 24)
			_, _ = rand.Read(b)
			token = "dev-" + hex.EncodeToString(b)
		}
		s.SMSAPI = smsapisim.New(smsapisim.Config{Tokens: []string{token}, Now: opt.Now})
		base = s.Config.PublicBaseURL + "/_smsapi"
		s.Log.Info("development: SMSAPI stand-in mounted under /_smsapi (no SLOTPAY_SMSAPI_BASE_URL); text messages go there",
			"page", s.Config.PublicBaseURL+"/_smsapi/_sim/")
	}
	timeout := cmp.Or(c.Timeout, sms.DefaultHTTPClient.Timeout)
	return sms.NewService(s.Data, sms.Options{
		Box:           box,
		SMSAPI:        sms.SMSAPIConnector{BaseURL: base, HTTP: &http.Client{Timeout: timeout, Transport: tracing.Transport(opt.TracerProvider, nil)}},
		PlatformToken: token, PlatformSender: c.PlatformSender, Now: opt.Now,
	})
}
