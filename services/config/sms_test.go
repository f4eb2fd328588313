package config

import (
	"strings"
	"testing"
)

func TestSMSSettings(t *testing.T) {
	t.Parallel()
	env := func(kv ...string) func(string) string {
		m := map[string]string{"SLOTPAY_ENV": "production", "SLOTPAY_PUBLIC_BASE_URL": "https://api.example.pl",
			"SLOTPAY_JWT_KEYS": "k1:MDEyMzQ1Njc4OTAxMjM0NTY3ODkwMTIzNDU2Nzg5MDE=", "SLOTPAY_CREDENTIAL_KEYS": "k1:MDEyMzQ1Njc4OTAxMjM0NTY3ODkwMTIzNDU2Nzg5MDE="}
		for i := 0; i+1 < len(kv); i += 2 {
			m[kv[i]] = kv[i+1]
		}
		return func(k string) string { return m[k] }
	}
	c, err := Load(env())
	if err != nil || c.SMS.BaseURL != "https://api.smsapi.pl" || c.SMS.PlatformToken != "" {
		t.Fatalf("production default: %+v %v", c.SMS, err)
	}
	if _, err := Load(env("SLOTPAY_SMSAPI_BASE_URL", "http://127.0.0.1:9999")); err == nil || !strings.Contains(err.Error(), "SLOTPAY_SMSAPI_BASE_URL") {
		t.Fatalf("a stand-in URL in production: %v", err)
	}
	if c, err := Load(env("SLOTPAY_SMSAPI_BASE_URL", "https://api.smsapi.com/")); err != nil || c.SMS.BaseURL != "https://api.smsapi.com" {
		t.Fatalf("smsapi.com: %+v %v", c.SMS, err)
	}
	if _, err := Load(env("SLOTPAY_SMS_SENDER", "Zdrój")); err == nil || !strings.Contains(err.Error(), "SLOTPAY_SMS_SENDER") {
		t.Fatalf("a Polish sender: %v", err)
	}
	c, err = Load(env("SLOTPAY_SMSAPI_TOKEN", "secret-token-1234"))
	if err != nil || c.SMS.PlatformToken != "secret-token-1234" {
		t.Fatalf("token: %v", err)
	}
	if got := Mask("SLOTPAY_SMSAPI_TOKEN", "secret-token-1234"); got != "***" {
		t.Fatalf("the platform token is logged as %q", got)
	}
}
