package config

import (
	"fmt"
	"net"
	"net/url"
	"strings"
	"time"
)

// loadStartup reads the settings of start-up and of the operator commands.
func (c *Config) loadStartup(get func(name, def string) string) []error {
	var errs []error
	migrate, err := boolSetting(get, "MIGRATE", true)
	if err != nil {
		errs = append(errs, err)
	}
	c.SkipMigrations = !migrate
	raw := get("DATABASE_WAIT", "60s")
	if c.DatabaseWait, err = duration(raw); err == nil && (c.DatabaseWait < 0 || c.DatabaseWait > time.Hour) {
		err = fmt.Errorf("%q must be from 0 (try once) to 1h", raw)
	}
	if err != nil {
		errs = append(errs, fmt.Errorf("SLOTPAY_DATABASE_WAIT: %w", err))
	}
	if c.HealthcheckURL, err = healthcheckURL(get("HEALTHCHECK_URL", ""), c.ListenAddr); err != nil {
		errs = append(errs, err)
	}
	return errs
}

// Defaults that the operator commands share with Load.
const (
	DefaultDatabaseURL = "postgres://postgres@127.0.0.1:5432/slotpay?sslmode=disable"
	DefaultListenAddr  = "127.0.0.1:8080"
)

// lookup reads one setting: the variable's value, trimmed, or def when it is unset or blank.
func lookup(getenv func(string) string, name, def string) string {
	if v := strings.TrimSpace(getenv(Prefix + name)); v != "" {
		return v
	}
	return def
}

// OwnerDatabaseURL is SLOTPAY_DATABASE_URL as Load reads it. `slotpay migrate` needs nothing else
// (a migration job need not carry the server's secrets), so it does not Load the whole configuration.
func OwnerDatabaseURL(getenv func(string) string) string {
	return lookup(getenv, "DATABASE_URL", DefaultDatabaseURL)
}

// HealthcheckURL is what `slotpay healthcheck` asks, as Load reads it (SLOTPAY_HEALTHCHECK_URL, else
// /readyz on SLOTPAY_LISTEN_ADDR), without the rest of the configuration.
func HealthcheckURL(getenv func(string) string) (string, error) {
	return healthcheckURL(lookup(getenv, "HEALTHCHECK_URL", ""), lookup(getenv, "LISTEN_ADDR", DefaultListenAddr))
}

func healthcheckURL(raw, listenAddr string) (string, error) {
	if raw == "" {
		return ReadinessURL(listenAddr), nil
	}
	if u, err := url.Parse(raw); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return "", fmt.Errorf("SLOTPAY_HEALTHCHECK_URL %q is not an absolute http(s) URL", raw)
	}
	return raw, nil
}

// ReadinessURL is /readyz on a listen address, asked from the same host: an address listening on
// every interface (0.0.0.0, [::] or no host) is reached on loopback.
func ReadinessURL(listenAddr string) string {
	host, port, err := net.SplitHostPort(listenAddr)
	if err != nil {
		return "http://" + listenAddr + "/readyz"
	}
	if ip := net.ParseIP(host); host == "" || (ip != nil && ip.IsUnspecified()) {
		host = "127.0.0.1"
		if ip != nil && ip.To4() == nil {
			host = "::1"
		}
	}
	return "http://" + net.JoinHostPort(host, port) + "/readyz"
}
