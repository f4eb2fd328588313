package config

import (
	"fmt"
	"strings"
	"time"
)

// SMSAPI's own hosts: the only ones a production server sends tokens to.
var smsapiHosts = []string{"https://api.smsapi.pl", "https://api.smsapi.com"}

// SMSConfig is how text messages are sent (services/sms).
type SMSConfig struct {
	// BaseURL is SMSAPI's API (SLOTPAY_SMSAPI_BASE_URL). Empty in development mounts the built-in
	// stand-in under /_smsapi; empty in production is https://api.smsapi.pl.
	BaseURL string
	// PlatformToken is the platform's own SMSAPI token (SLOTPAY_SMSAPI_TOKEN), used by businesses
	// without a token of their own; empty: such businesses cannot turn SMS on.
	PlatformToken string
	// PlatformSender is the sender name used with the platform's token when a business set none
	// (SLOTPAY_SMS_SENDER); empty: SMSAPI's account default.
	PlatformSender string
	// Timeout bounds every call to SMSAPI (SLOTPAY_SMSAPI_TIMEOUT).
	Timeout time.Duration
}

// loadSMS reads the SMS settings.
func (c *Config) loadSMS(get func(name, def string) string) []error {
	var errs []error
	c.SMS.BaseURL = strings.TrimRight(strings.TrimSpace(get("SMSAPI_BASE_URL", "")), "/")
	c.SMS.PlatformToken = strings.TrimSpace(get("SMSAPI_TOKEN", ""))
	c.SMS.PlatformSender = get("SMS_SENDER", "")
	var err error
	if c.SMS.Timeout, err = durationIn(get("SMSAPI_TIMEOUT", "15s"), 0, 5*time.Minute); err != nil {
		errs = append(errs, fmt.Errorf("SLOTPAY_SMSAPI_TIMEOUT: %w", err))
	}
	if c.SMS.BaseURL != "" {
		if c.Env == Production && !containsString(smsapiHosts, c.SMS.BaseURL) {
			errs = append(errs, fmt.Errorf("SLOTPAY_SMSAPI_BASE_URL %q: in production only SMSAPI's own hosts (%s) receive tokens; a stand-in runs in development only", c.SMS.BaseURL, strings.Join(smsapiHosts, ", ")))
		} else if !strings.HasPrefix(c.SMS.BaseURL, "http://") && !strings.HasPrefix(c.SMS.BaseURL, "https://") {
			errs = append(errs, fmt.Errorf("SLOTPAY_SMSAPI_BASE_URL %q is not an absolute http(s) URL", c.SMS.BaseURL))
		}
	} else if c.Env == Production {
		c.SMS.BaseURL = smsapiHosts[0]
	}
	if s := c.SMS.PlatformSender; s != "" && (len(s) > 11 || strings.Trim(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.- ") != "") {
		errs = append(errs, fmt.Errorf("SLOTPAY_SMS_SENDER %q: at most 11 of A–Z a–z 0–9 - . and space (SMSAPI's rule for a sender name)", s))
	}
	return errs
}

func containsString(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}
