// Package config reads slotpay's configuration from SLOTPAY_* environment variables.
package config

import (
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"net/netip"
	"net/url"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/slotpay/slotpay/services/ratelimit"
)

// Environment is development or production; production refuses to start without secrets.
type Environment string

const (
	Development Environment = "development"
	Production  Environment = "production"
)

// Key is a named secret; the id lets keys rotate (new data uses Current, old keys still verify/decrypt).
type Key struct {
	ID     string
	Secret []byte
}

// Config is everything slotpay needs to start.
type Config struct {
	Env Environment
	// DatabaseURL is the owner connection: it creates the database and runs migrations.
	DatabaseURL string
	// AppDatabaseURL is the connection of the application role (no superuser, no table ownership,
	// no BYPASSRLS). Defaults to DatabaseURL with the user replaced by AppRole.
	AppDatabaseURL string
	AppRole        string
	ListenAddr     string
	// PublicBaseURL is where clients and imoje reach this instance (builds the notification URL).
	PublicBaseURL string
	// JWTKeys verify access tokens; JWTKeys[0] signs. Format: "kid:base64secret,kid2:base64secret".
	JWTKeys []Key
	// CredentialKeys encrypt tenant secrets (AES-256-GCM); CredentialKeys[0] encrypts.
	CredentialKeys  []Key
	JWTIssuer       string
	AccessTokenTTL  time.Duration
	RefreshTokenTTL time.Duration
	ShutdownTimeout time.Duration
	// ImojeBaseURL overrides the imoje API base for new SANDBOX/custom methods; empty in development
	// mounts the built-in simulator under /_imoje.
	ImojeBaseURL string
	// AllowedOrigins for browsers (CORS and WebSocket origin check); "*" allows any.
	AllowedOrigins []string
	// RateLimits are the attempt limits (SLOTPAY_RATE_LIMIT_*), shared by all instances through the
	// database.
	RateLimits ratelimit.Limits
	// TrustedProxies are the peers whose X-Forwarded-For is believed (SLOTPAY_TRUSTED_PROXIES); from
	// anyone else the client is the connection's peer address.
	TrustedProxies []netip.Prefix
	// PasswordConcurrency bounds the argon2id computations running at once (GOMAXPROCS when 0).
	PasswordConcurrency int
	// Generated lists the secrets that were generated because none was configured (development only).
	Generated []string
}

// Load reads the environment through getenv (os.Getenv in production code; a map in tests).
func Load(getenv func(string) string) (Config, error) {
	if getenv == nil {
		getenv = os.Getenv
	}
	get := func(name, def string) string {
		if v := strings.TrimSpace(getenv("SLOTPAY_" + name)); v != "" {
			return v
		}
		return def
	}
	c := Config{
		Env:            Environment(get("ENV", string(Development))),
		DatabaseURL:    get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/slotpay?sslmode=disable"),
		AppDatabaseURL: get("APP_DATABASE_URL", ""),
		AppRole:        get("APP_ROLE", "slotpay_app"),
		ListenAddr:     get("LISTEN_ADDR", "127.0.0.1:8080"),
		PublicBaseURL:  get("PUBLIC_BASE_URL", ""),
		JWTIssuer:      get("JWT_ISSUER", "slotpay"),
		ImojeBaseURL:   get("IMOJE_BASE_URL", ""),
	}
	if c.Env != Development && c.Env != Production {
		return c, fmt.Errorf("SLOTPAY_ENV must be development or production, not %q", c.Env)
	}
	var errs []error
	var err error
	if c.AccessTokenTTL, err = duration(get("ACCESS_TOKEN_TTL", "15m")); err != nil {
		errs = append(errs, fmt.Errorf("SLOTPAY_ACCESS_TOKEN_TTL: %w", err))
	}
	if c.RefreshTokenTTL, err = duration(get("REFRESH_TOKEN_TTL", "720h")); err != nil {
		errs = append(errs, fmt.Errorf("SLOTPAY_REFRESH_TOKEN_TTL: %w", err))
	}
	if c.ShutdownTimeout, err = duration(get("SHUTDOWN_TIMEOUT", "20s")); err != nil {
		errs = append(errs, fmt.Errorf("SLOTPAY_SHUTDOWN_TIMEOUT: %w", err))
	}
	if c.PublicBaseURL == "" {
		if c.Env == Production {
			errs = append(errs, errors.New("SLOTPAY_PUBLIC_BASE_URL is required in production"))
		}
		c.PublicBaseURL = "http://" + c.ListenAddr
	}
	if u, err := url.Parse(c.PublicBaseURL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		errs = append(errs, fmt.Errorf("SLOTPAY_PUBLIC_BASE_URL %q is not an absolute http(s) URL", c.PublicBaseURL))
	}
	c.PublicBaseURL = strings.TrimRight(c.PublicBaseURL, "/")
	for _, o := range strings.Split(get("ALLOWED_ORIGINS", ""), ",") {
		if o = strings.TrimSpace(o); o != "" {
			c.AllowedOrigins = append(c.AllowedOrigins, o)
		}
	}
	if c.AppDatabaseURL == "" {
		if c.AppDatabaseURL, err = WithUser(c.DatabaseURL, c.AppRole); err != nil {
			errs = append(errs, fmt.Errorf("SLOTPAY_DATABASE_URL: %w", err))
		}
	}
	c.RateLimits, err = rateLimits(get)
	if err != nil {
		errs = append(errs, err)
	}
	for _, p := range strings.Split(get("TRUSTED_PROXIES", ""), ",") {
		if p = strings.TrimSpace(p); p == "" {
			continue
		}
		prefix, err := parsePrefix(p)
		if err != nil {
			errs = append(errs, fmt.Errorf("SLOTPAY_TRUSTED_PROXIES: %q is not an IP address or CIDR prefix", p))
			continue
		}
		c.TrustedProxies = append(c.TrustedProxies, prefix)
	}
	if raw := get("PASSWORD_CONCURRENCY", ""); raw != "" {
		if c.PasswordConcurrency, err = strconv.Atoi(raw); err != nil || c.PasswordConcurrency < 1 || c.PasswordConcurrency > 1024 {
			errs = append(errs, fmt.Errorf("SLOTPAY_PASSWORD_CONCURRENCY: %q is not a number from 1 to 1024", raw))
		}
	}
	c.JWTKeys, err = c.keys(get("JWT_KEYS", ""), "SLOTPAY_JWT_KEYS", 32)
	if err != nil {
		errs = append(errs, err)
	}
	c.CredentialKeys, err = c.keys(get("CREDENTIAL_KEYS", ""), "SLOTPAY_CREDENTIAL_KEYS", 32)
	if err != nil {
		errs = append(errs, err)
	}
	return c, errors.Join(errs...)
}

// rateLimits reads SLOTPAY_RATE_LIMIT_*: each "N/period" or "off"; unset keeps the default.
func rateLimits(get func(name, def string) string) (ratelimit.Limits, error) {
	l := ratelimit.DefaultLimits()
	var errs []error
	for name, limit := range map[string]*ratelimit.Limit{
		"LOGIN_IP": &l.LogInIP, "LOGIN_ACCOUNT_IP": &l.LogInAccountIP, "LOGIN_ACCOUNT": &l.LogInAccount,
		"SIGNUP_IP": &l.SignUpIP, "SIGNUP_EMAIL": &l.SignUpEmail, "REFRESH_IP": &l.RefreshIP,
		"INVITATION_IP": &l.InvitationIP, "BOOKING_IP": &l.BookingIP, "BOOKING_EMAIL": &l.BookingEmail,
		"PAYMENT_IP": &l.PaymentIP, "PAYMENT_RESERVATION": &l.PaymentReservation,
	} {
		raw := get("RATE_LIMIT_"+name, "")
		if raw == "" {
			continue
		}
		parsed, err := ratelimit.ParseLimit(raw)
		if err != nil {
			errs = append(errs, fmt.Errorf("SLOTPAY_RATE_LIMIT_%s: %w", name, err))
			continue
		}
		*limit = parsed
	}
	if raw := get("RATE_LIMIT_FAILURE_COST", ""); raw != "" {
		n, err := strconv.Atoi(raw)
		if err != nil || n < 1 || n > 100 {
			errs = append(errs, fmt.Errorf("SLOTPAY_RATE_LIMIT_FAILURE_COST: %q is not a number from 1 to 100", raw))
		} else {
			l.FailureCost = n
		}
	}
	slices.SortFunc(errs, func(a, b error) int { return strings.Compare(a.Error(), b.Error()) })
	return l, errors.Join(errs...)
}

// parsePrefix reads a CIDR prefix or a single address (a /32 or /128).
func parsePrefix(s string) (netip.Prefix, error) {
	if strings.Contains(s, "/") {
		p, err := netip.ParsePrefix(s)
		return p.Masked(), err
	}
	a, err := netip.ParseAddr(s)
	if err != nil {
		return netip.Prefix{}, err
	}
	a = a.Unmap()
	return netip.PrefixFrom(a, a.BitLen()), nil
}

// keys parses "kid:base64,kid:base64"; empty generates a random key in development only.
func (c *Config) keys(raw, name string, minLen int) ([]Key, error) {
	if raw == "" {
		if c.Env == Production {
			return nil, fmt.Errorf("%s is required in production", name)
		}
		secret := make([]byte, 32)
		if _, err := rand.Read(secret); err != nil {
			return nil, err
		}
		c.Generated = append(c.Generated, name)
		return []Key{{ID: "dev-" + hex.EncodeToString(secret[:4]), Secret: secret}}, nil
	}
	var out []Key
	seen := map[string]bool{}
	for _, part := range strings.Split(raw, ",") {
		id, b64, ok := strings.Cut(strings.TrimSpace(part), ":")
		if !ok || id == "" {
			return nil, fmt.Errorf("%s: each key is kid:base64secret", name)
		}
		secret, err := base64.StdEncoding.DecodeString(b64)
		if err != nil {
			if secret, err = base64.RawURLEncoding.DecodeString(b64); err != nil {
				return nil, fmt.Errorf("%s: key %q is not base64", name, id)
			}
		}
		if len(secret) < minLen {
			return nil, fmt.Errorf("%s: key %q must be at least %d bytes", name, id, minLen)
		}
		if seen[id] {
			return nil, fmt.Errorf("%s: key id %q appears twice", name, id)
		}
		seen[id] = true
		out = append(out, Key{ID: id, Secret: secret})
	}
	return out, nil
}

func duration(s string) (time.Duration, error) {
	if d, err := time.ParseDuration(s); err == nil {
		return d, nil
	}
	secs, err := strconv.Atoi(s)
	if err != nil {
		return 0, fmt.Errorf("%q is not a duration", s)
	}
	return time.Duration(secs) * time.Second, nil
}

// WithUser returns a postgres URL with its user replaced (and password dropped).
func WithUser(dbURL, user string) (string, error) {
	u, err := url.Parse(dbURL)
	if err != nil {
		return "", err
	}
	u.User = url.User(user)
	return u.String(), nil
}

// WithDatabase returns a postgres URL pointing at another database.
func WithDatabase(dbURL, name string) (string, error) {
	u, err := url.Parse(dbURL)
	if err != nil {
		return "", err
	}
	u.Path = "/" + name
	return u.String(), nil
}

// DatabaseName is the database a postgres URL names.
func DatabaseName(dbURL string) (string, error) {
	u, err := url.Parse(dbURL)
	if err != nil {
		return "", err
	}
	name := strings.TrimPrefix(u.Path, "/")
	if name == "" {
		return "", errors.New("the URL names no database")
	}
	return name, nil
}
