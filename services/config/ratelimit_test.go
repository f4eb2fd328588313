package config

import (
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/slotpay/slotpay/services/ratelimit"
)

func env(m map[string]string) func(string) string { return func(k string) string { return m[k] } }

func TestRateLimitConfiguration(t *testing.T) {
	t.Parallel()
	c, err := Load(env(nil))
	if err != nil {
		t.Fatal(err)
	}
	if c.RateLimits != ratelimit.DefaultLimits() || c.TrustedProxies != nil || c.PasswordConcurrency != 0 {
		t.Fatalf("defaults: %+v %v %d", c.RateLimits, c.TrustedProxies, c.PasswordConcurrency)
	}
	c, err = Load(env(map[string]string{
		"SLOTPAY_RATE_LIMIT_LOGIN_ACCOUNT_IP": "3/10m", "SLOTPAY_RATE_LIMIT_BOOKING_IP": "off",
		"SLOTPAY_RATE_LIMIT_FAILURE_COST": "4", "SLOTPAY_TRUSTED_PROXIES": "10.0.0.0/8, 192.0.2.7, ::ffff:198.51.100.1",
		"SLOTPAY_PASSWORD_CONCURRENCY": "3",
	}))
	if err != nil {
		t.Fatal(err)
	}
	if c.RateLimits.LogInAccountIP != (ratelimit.Limit{N: 3, Per: 10 * time.Minute}) || !c.RateLimits.BookingIP.Off() ||
		c.RateLimits.FailureCost != 4 || c.RateLimits.LogInIP != ratelimit.DefaultLimits().LogInIP {
		t.Fatalf("limits %+v", c.RateLimits)
	}
	want := []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8"), netip.MustParsePrefix("192.0.2.7/32"), netip.MustParsePrefix("198.51.100.1/32")}
	if len(c.TrustedProxies) != 3 || c.TrustedProxies[0] != want[0] || c.TrustedProxies[1] != want[1] || c.TrustedProxies[2] != want[2] {
		t.Fatalf("trusted proxies %v", c.TrustedProxies)
	}
	if c.PasswordConcurrency != 3 {
		t.Fatalf("password concurrency %d", c.PasswordConcurrency)
	}
	for name, value := range map[string]string{
		"SLOTPAY_RATE_LIMIT_LOGIN_IP": "lots", "SLOTPAY_RATE_LIMIT_PAYMENT_IP": "0/1m",
		"SLOTPAY_RATE_LIMIT_FAILURE_COST": "0", "SLOTPAY_TRUSTED_PROXIES": "proxy.internal",
		"SLOTPAY_PASSWORD_CONCURRENCY": "-2",
	} {
		_, err := Load(env(map[string]string{name: value}))
		if err == nil || !strings.Contains(err.Error(), name) {
			t.Errorf("%s=%q: %v, want an error naming the variable", name, value, err)
		}
	}
}
