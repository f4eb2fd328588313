// Package config reads slotpay's configuration from SLOTPAY_* environment variables.
package config

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/netip"
	"net/url"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/slotpay/slotpay/services/imoje"
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
	// MetricsAddr, when set, is where /metrics is served instead of on ListenAddr (which then
	// answers 404 for it), so that metrics need not be public.
	MetricsAddr string
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
	// ImojeBaseURL overrides the imoje API base for new SANDBOX methods; empty in development
	// mounts the built-in simulator under /_imoje. In production it may only name imoje's sandbox.
	ImojeBaseURL string
	// ImojeTimeout bounds every call to imoje; a payment whose creation gets no answer within it is
	// UNKNOWN until imoje says otherwise.
	ImojeTimeout time.Duration
	// ReconcileInterval is how often an instance asks imoje about payments and refunds still open,
	// ReconcileMinAge how old they must be before the first question (later ones back off from it,
	// doubling up to an hour), ReconcileBatch how many one round claims.
	ReconcileInterval time.Duration
	ReconcileMinAge   time.Duration
	ReconcileBatch    int
	// AllowedOrigins for browsers (CORS and WebSocket origin check), each scheme://host[:port] as a
	// browser sends it (lowercase, no default port, no path); "*" allows any.
	AllowedOrigins []string
	// CORSAllowedHeaders are request headers browsers may send besides web.CORSHeaders.
	CORSAllowedHeaders []string
	// DevAllowRemote lets a development server listen on a non-loopback address (its simulator's
	// admin API lists tokens and keys to whoever reaches it).
	DevAllowRemote bool
	// RateLimits are the attempt limits (SLOTPAY_RATE_LIMIT_*), shared by all instances through the
	// database.
	RateLimits ratelimit.Limits
	// TrustedProxies are the peers whose X-Forwarded-For is believed (SLOTPAY_TRUSTED_PROXIES); from
	// anyone else the client is the connection's peer address.
	TrustedProxies []netip.Prefix
	// PasswordConcurrency bounds the argon2id computations running at once (GOMAXPROCS when 0).
	PasswordConcurrency int
	// LogLevel is the least severe level logged (SLOTPAY_LOG_LEVEL: debug, info, warn or error).
	LogLevel slog.Level
	// Generated lists the secrets that were generated because none was configured (development only).
	Generated []string
	// SkipMigrations (SLOTPAY_MIGRATE=false) starts without applying migrations, for operators who
	// run `slotpay migrate up` separately: start-up then waits for every migration to be applied.
	SkipMigrations bool
	// DatabaseWait is how long start-up keeps retrying a database that is not reachable (or, with
	// SkipMigrations, not migrated yet) before giving up; zero tries once.
	DatabaseWait time.Duration
	// HealthcheckURL is what `slotpay healthcheck` asks: /readyz on the listen address unless set.
	HealthcheckURL string
	// PersistedQueries are the operations shipped with the apps, by the hex SHA-256 of their text
	// (SLOTPAY_PERSISTED_QUERIES_FILE); PersistedQueriesOnly (SLOTPAY_PERSISTED_QUERIES_ONLY)
	// accepts no other operation.
	PersistedQueries     map[string]string
	PersistedQueriesOnly bool
	// Messages configures e-mail delivery and the outbox (messages.go).
	Messages Messages
	// SMS is how text messages are sent (SLOTPAY_SMSAPI_*, SLOTPAY_SMS_SENDER; sms.go).
	SMS SMSConfig

	// settings are the variables Load read, with their effective values.
	settings []setting
}

// Load reads the environment through getenv (os.Getenv in production code; a map in tests).
func Load(getenv func(string) string) (Config, error) {
	if getenv == nil {
		getenv = os.Getenv
	}
	var read []setting
	// get is the only way Load reads a setting: what it records is the list of settings (Names) and
	// the effective configuration (LogValue). Read every setting unconditionally.
	get := func(name, def string) string {
		v := lookup(getenv, name, def)
		if !slices.ContainsFunc(read, func(s setting) bool { return s.name == "SLOTPAY_"+name }) {
			read = append(read, setting{"SLOTPAY_" + name, v})
		}
		return v
	}
	c := Config{
		Env:            Environment(get("ENV", string(Development))),
		DatabaseURL:    get("DATABASE_URL", DefaultDatabaseURL),
		AppDatabaseURL: get("APP_DATABASE_URL", ""),
		AppRole:        get("APP_ROLE", "slotpay_app"),
		ListenAddr:     get("LISTEN_ADDR", DefaultListenAddr),
		MetricsAddr:    get("METRICS_ADDR", ""),
		PublicBaseURL:  get("PUBLIC_BASE_URL", ""),
		JWTIssuer:      get("JWT_ISSUER", "slotpay"),
		ImojeBaseURL:   get("IMOJE_BASE_URL", ""),
	}
	if c.Env != Development && c.Env != Production {
		return c, fmt.Errorf("SLOTPAY_ENV must be development or production, not %q", c.Env)
	}
	var errs []error
	var err error
	if c.LogLevel, err = LogLevel(get("LOG_LEVEL", "info")); err != nil {
		errs = append(errs, fmt.Errorf("SLOTPAY_LOG_LEVEL: %w", err))
	}
	errs = append(errs, c.loadDurations(get)...)
	errs = append(errs, c.loadStartup(get)...)
	errs = append(errs, c.loadHTTP(get)...)
	errs = append(errs, c.loadLimits(get)...)
	errs = append(errs, c.loadMessages(get)...)
	errs = append(errs, c.loadSMS(get)...)
	if c.AppDatabaseURL == "" {
		if c.AppDatabaseURL, err = WithUser(c.DatabaseURL, c.AppRole); err != nil {
			errs = append(errs, fmt.Errorf("SLOTPAY_DATABASE_URL: %w", err))
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
	c.settings = read
	return c, errors.Join(errs...)
}

// loadDurations reads the durations and the reconciliation batch. Every duration has a range: zero
// or negative lifetimes and timeouts are refused, and so are values too large to be anything but a
// slip of the unit.
func (c *Config) loadDurations(get func(name, def string) string) []error {
	var errs []error
	for _, d := range []struct {
		name, def string
		into      *time.Duration
		low, high time.Duration
	}{
		{"ACCESS_TOKEN_TTL", "15m", &c.AccessTokenTTL, 0, 24 * time.Hour},
		{"REFRESH_TOKEN_TTL", "720h", &c.RefreshTokenTTL, 0, 366 * 24 * time.Hour},
		{"SHUTDOWN_TIMEOUT", "20s", &c.ShutdownTimeout, 0, 10 * time.Minute},
		{"IMOJE_TIMEOUT", "15s", &c.ImojeTimeout, 0, 5 * time.Minute},
		{"RECONCILE_INTERVAL", "15s", &c.ReconcileInterval, time.Second, 24 * time.Hour}, // not a busy loop against imoje
		{"RECONCILE_MIN_AGE", "45s", &c.ReconcileMinAge, 0, 24 * time.Hour},
	} {
		var err error
		if *d.into, err = durationIn(get(d.name, d.def), d.low, d.high); err != nil {
			errs = append(errs, fmt.Errorf("SLOTPAY_%s: %w", d.name, err))
		}
	}
	if c.RefreshTokenTTL > 0 && c.RefreshTokenTTL < c.AccessTokenTTL {
		errs = append(errs, fmt.Errorf("SLOTPAY_REFRESH_TOKEN_TTL (%s) must not be shorter than SLOTPAY_ACCESS_TOKEN_TTL (%s)", c.RefreshTokenTTL, c.AccessTokenTTL))
	}
	var err error
	if c.ReconcileBatch, err = strconv.Atoi(get("RECONCILE_BATCH", "100")); err != nil || c.ReconcileBatch <= 0 || c.ReconcileBatch > 10000 {
		errs = append(errs, fmt.Errorf("SLOTPAY_RECONCILE_BATCH: %q is not a whole number from 1 to 10000", get("RECONCILE_BATCH", "100")))
	}
	return errs
}

// loadHTTP reads what the HTTP surface answers to: addresses, the public base URL, browser
// origins and headers, imoje's base URL, persisted queries.
func (c *Config) loadHTTP(get func(name, def string) string) []error {
	var errs []error
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
	for _, o := range splitList(get("ALLOWED_ORIGINS", "")) {
		origin, err := Origin(o)
		if err != nil {
			errs = append(errs, fmt.Errorf("SLOTPAY_ALLOWED_ORIGINS: %w", err))
		}
		c.AllowedOrigins = append(c.AllowedOrigins, origin)
	}
	for _, h := range splitList(get("CORS_ALLOWED_HEADERS", "")) {
		if !isHeaderName(h) {
			errs = append(errs, fmt.Errorf("SLOTPAY_CORS_ALLOWED_HEADERS: %q is not a header name", h))
		}
		c.CORSAllowedHeaders = append(c.CORSAllowedHeaders, h)
	}
	if c.ImojeBaseURL != "" {
		if err := checkImojeBaseURL(c.Env, c.ImojeBaseURL); err != nil {
			errs = append(errs, err)
		}
		c.ImojeBaseURL = strings.TrimRight(c.ImojeBaseURL, "/")
	}
	var err error
	if c.DevAllowRemote, err = boolSetting(get, "DEV_ALLOW_REMOTE", false); err != nil {
		errs = append(errs, err)
	}
	if c.PersistedQueriesOnly, err = boolSetting(get, "PERSISTED_QUERIES_ONLY", false); err != nil {
		errs = append(errs, err)
	}
	if file := get("PERSISTED_QUERIES_FILE", ""); file != "" {
		if c.PersistedQueries, err = readPersistedQueries(file); err != nil {
			errs = append(errs, fmt.Errorf("SLOTPAY_PERSISTED_QUERIES_FILE: %w", err))
		}
	} else if c.PersistedQueriesOnly {
		errs = append(errs, errors.New("SLOTPAY_PERSISTED_QUERIES_ONLY=true needs SLOTPAY_PERSISTED_QUERIES_FILE (the operations to accept)"))
	}
	if c.Env == Development && !c.DevAllowRemote && !Loopback(c.ListenAddr) {
		errs = append(errs, fmt.Errorf("SLOTPAY_LISTEN_ADDR %q is not a loopback address: a development server (whose imoje simulator lists tokens and keys) listens on 127.0.0.1 or localhost unless SLOTPAY_DEV_ALLOW_REMOTE=true", c.ListenAddr))
	}
	if c.MetricsAddr != "" {
		if err := checkMetricsAddr(c.MetricsAddr, c.ListenAddr); err != nil {
			errs = append(errs, err)
		}
	}
	return errs
}

// loadLimits reads the attempt limits, whose proxies' X-Forwarded-For is believed, and the
// password-hashing bound.
func (c *Config) loadLimits(get func(name, def string) string) []error {
	var errs []error
	var err error
	if c.RateLimits, err = rateLimits(get); err != nil {
		errs = append(errs, err)
	}
	for _, p := range splitList(get("TRUSTED_PROXIES", "")) {
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
	return errs
}

// boolSetting reads SLOTPAY_<name> as true or false (def when unset); anything else is an error.
func boolSetting(get func(name, def string) string, name string, def bool) (bool, error) {
	switch v := get(name, strconv.FormatBool(def)); v {
	case "true", "false":
		return v == "true", nil
	default:
		return def, fmt.Errorf("SLOTPAY_%s must be true or false, not %q", name, v)
	}
}

// splitList splits a comma-separated setting, dropping blank entries.
func splitList(raw string) []string {
	var out []string
	for _, v := range strings.Split(raw, ",") {
		if v = strings.TrimSpace(v); v != "" {
			out = append(out, v)
		}
	}
	return out
}

// LogLevel reads a log level: debug, info, warn or error (any case).
func LogLevel(s string) (slog.Level, error) {
	switch strings.ToLower(s) {
	case "debug":
		return slog.LevelDebug, nil
	case "info":
		return slog.LevelInfo, nil
	case "warn":
		return slog.LevelWarn, nil
	case "error":
		return slog.LevelError, nil
	}
	return slog.LevelInfo, fmt.Errorf("%q is not a log level: debug, info, warn or error", s)
}

// checkMetricsAddr: SLOTPAY_METRICS_ADDR is host:port (the host may be empty: every interface),
// with a port of its own; the main listener's address would serve both on one port.
func checkMetricsAddr(addr, listen string) error {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return fmt.Errorf("SLOTPAY_METRICS_ADDR %q is not host:port", addr)
	}
	if n, err := strconv.Atoi(port); err != nil || n < 1 || n > 65535 {
		return fmt.Errorf("SLOTPAY_METRICS_ADDR %q: the port must be a number from 1 to 65535", addr)
	}
	if host != "" && host != "localhost" && net.ParseIP(host) == nil {
		return fmt.Errorf("SLOTPAY_METRICS_ADDR %q: the host must be an IP address or localhost", addr)
	}
	if lhost, lport, err := net.SplitHostPort(listen); err == nil && lport == port && (lhost == host || anyHost(lhost) || anyHost(host)) {
		return fmt.Errorf("SLOTPAY_METRICS_ADDR %q takes SLOTPAY_LISTEN_ADDR's port: give metrics a port of their own, or leave it empty to serve /metrics on the main listener", addr)
	}
	return nil
}

func anyHost(h string) bool { return h == "" || h == "0.0.0.0" || h == "::" }

// checkImojeBaseURL: in production the server talks to imoje's own sandbox host only (the value
// replaces the SANDBOX base); any http(s) URL, e.g. a simulator, in development.
func checkImojeBaseURL(env Environment, raw string) error {
	if env == Production {
		if _, sandbox := imoje.OfficialBaseURL(raw); !sandbox {
			return fmt.Errorf("SLOTPAY_IMOJE_BASE_URL %q: in production only imoje's sandbox API (%s or https://api.sandbox.pay.ing.pl/v1/merchant) may replace the sandbox base; a simulator runs in development only", raw, imoje.SandboxBaseURL)
		}
		return nil
	}
	if u, err := url.Parse(raw); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return fmt.Errorf("SLOTPAY_IMOJE_BASE_URL %q is not an absolute http(s) URL", raw)
	}
	return nil
}

// Origin returns a browser origin as browsers send it in the Origin header (scheme://host[:port],
// lowercase, without a default port), so that it is compared exactly: scheme, host and port. "*" is
// kept as is.
func Origin(raw string) (string, error) {
	if raw == "*" {
		return raw, nil
	}
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Hostname() == "" || u.User != nil ||
		(u.Path != "" && u.Path != "/") || u.RawQuery != "" || u.Fragment != "" {
		return raw, fmt.Errorf("origin %q is not scheme://host[:port], e.g. https://app.example.com", raw)
	}
	host, port := strings.ToLower(u.Hostname()), u.Port()
	if (u.Scheme == "https" && port == "443") || (u.Scheme == "http" && port == "80") {
		port = ""
	}
	if strings.Contains(host, ":") {
		host = "[" + host + "]"
	}
	if port != "" {
		host += ":" + port
	}
	return strings.ToLower(u.Scheme) + "://" + host, nil
}

// Loopback reports whether a listen address binds only the loopback interface: a loopback IP or
// localhost with a port. An empty host (":8080") binds every interface.
func Loopback(addr string) bool {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return false
	}
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
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
		"CALENDAR_FEED": &l.CalendarFeed, "MY_BOOKINGS_IP": &l.MyBookingsIP, "MY_BOOKINGS_EMAIL": &l.MyBookingsEmail,
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

// durationIn is a positive duration within [low, high].
func durationIn(s string, low, high time.Duration) (time.Duration, error) {
	d, err := duration(s)
	switch {
	case err != nil:
	case d <= 0:
		err = fmt.Errorf("%q must be positive", s)
	case d < low:
		err = fmt.Errorf("%q must be at least %s", s, low)
	case d > high:
		err = fmt.Errorf("%q must be at most %s", s, high)
	}
	return d, err
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

// isHeaderName: h is an HTTP field name (an RFC 9110 token).
func isHeaderName(h string) bool {
	for _, r := range h {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("!#$%&'*+-.^_`|~", r)) {
			return false
		}
	}
	return h != ""
}

// readPersistedQueries reads a file of persisted operations (PersistedQueries).
func readPersistedQueries(path string) (map[string]string, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	return PersistedQueries(b)
}

// PersistedQueries decodes persisted operations: a JSON object of each operation's text by the
// lowercase hex SHA-256 of that text (what Apollo's persistedQuery extension sends), or Apollo's
// persisted query manifest (format "apollo-persisted-query-manifest", version 1: operations with
// id and body), every hash checked against its text.
func PersistedQueries(data []byte) (map[string]string, error) {
	var ops map[string]string
	if err := json.Unmarshal(data, &ops); err != nil {
		var manifest struct {
			Format     string `json:"format"`
			Version    int    `json:"version"`
			Operations []struct {
				ID   string `json:"id"`
				Body string `json:"body"`
			} `json:"operations"`
		}
		if json.Unmarshal(data, &manifest) != nil || manifest.Format != "apollo-persisted-query-manifest" || manifest.Version != 1 {
			return nil, errors.New("neither a JSON object of query text by SHA-256 nor an Apollo persisted query manifest (version 1)")
		}
		ops = make(map[string]string, len(manifest.Operations))
		for _, op := range manifest.Operations {
			ops[op.ID] = op.Body
		}
	}
	for hash, query := range ops {
		sum := sha256.Sum256([]byte(query))
		if hash != hex.EncodeToString(sum[:]) {
			return nil, fmt.Errorf("%q is not the SHA-256 of its query (lowercase hex)", hash)
		}
	}
	return ops, nil
}
