// Package imojesim is a local imoje: the REST API, a paywall, and signed notifications with
// imoje's retry schedule, plus test endpoints to drive outcomes, a controllable clock and fault
// injection. It is built from imoje's documentation; see docs/imojesim.md.
package imojesim

import (
	"context"
	"crypto/subtle"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"time"
)

// Errors returned by the Go API of the simulator.
var (
	ErrNotFound      = errors.New("imojesim: not found")
	ErrDuplicate     = errors.New("imojesim: already exists")
	ErrFinalState    = errors.New("imojesim: transaction is in a final state")
	ErrInactiveLink  = errors.New("imojesim: payment link is no longer active")
	ErrInvalidOption = errors.New("imojesim: invalid argument")
)

// Transaction and payment-link statuses.
const (
	StatusNew       = "new"
	StatusPending   = "pending"
	StatusSettled   = "settled"
	StatusRejected  = "rejected"
	StatusCancelled = "cancelled"
	StatusError     = "error"
)

func isFinal(status string) bool {
	switch status {
	case StatusSettled, StatusRejected, StatusCancelled, StatusError:
		return true
	}
	return false
}

// Simulator is a simulated imoje. It is an http.Handler; all methods are safe for concurrent use.
type Simulator struct {
	cfg     Config
	baseNow func() time.Time
	mux     *http.ServeMux
	client  *http.Client

	ctx    context.Context // cancelled by Close: aborts deliveries in flight
	cancel context.CancelFunc
	wg     sync.WaitGroup // delivery workers, retry timers, the expiry sweeper

	mu           sync.Mutex
	closed       bool
	clockOffset  time.Duration
	merchants    map[string]*merchant
	shops        map[string]*shop // by service id
	transactions map[string]*transaction
	payments     map[string]*paymentLink
	order        []string // transaction ids in creation order, for listings
	lastRefund   map[string]time.Time
	deliveries   []*delivery
	queues       map[string]*deliveryQueue
	timers       map[*time.Timer]struct{}
	faults       []*Fault
	seq          int
}

type merchant struct {
	id, token string
	shops     []*shop
}

type shop struct {
	merchant        *merchant
	serviceID       string
	serviceKey      string
	notificationURL string
	channels        []ChannelConfig
}

func (s *shop) channel(method, code string) (ChannelConfig, bool) {
	for _, c := range s.channels {
		if c.Method == method && c.Code == code {
			return c, true
		}
	}
	return ChannelConfig{}, false
}

// New starts a simulator. Call Close to stop its background deliveries.
func New(cfg Config) *Simulator {
	if cfg.TimeFactor <= 0 {
		cfg.TimeFactor = 1
	}
	if cfg.DeliveryTimeout <= 0 {
		cfg.DeliveryTimeout = 10 * time.Second
	}
	if cfg.RefundSpacing == 0 {
		cfg.RefundSpacing = 5 * time.Second
	}
	cfg.BaseURL = strings.TrimSuffix(cfg.BaseURL, "/")
	s := &Simulator{
		cfg:          cfg,
		baseNow:      cfg.Now,
		client:       cfg.HTTPClient,
		merchants:    map[string]*merchant{},
		shops:        map[string]*shop{},
		transactions: map[string]*transaction{},
		payments:     map[string]*paymentLink{},
		lastRefund:   map[string]time.Time{},
		queues:       map[string]*deliveryQueue{},
		timers:       map[*time.Timer]struct{}{},
	}
	if s.baseNow == nil {
		s.baseNow = time.Now
	}
	if s.client == nil {
		s.client = &http.Client{Timeout: cfg.DeliveryTimeout}
	}
	s.ctx, s.cancel = context.WithCancel(context.Background())
	for _, m := range cfg.Merchants {
		if _, err := s.AddMerchant(m); err != nil {
			s.logf("imojesim: merchant %s not added: %v", m.ID, err)
		}
	}
	s.routes()
	s.wg.Add(1)
	go s.sweep()
	return s
}

// Close stops retry timers, aborts deliveries in flight and waits for background goroutines.
func (s *Simulator) Close() {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return
	}
	s.closed = true
	for t := range s.timers {
		if t.Stop() {
			s.wg.Done() // the timer's goroutine will never run
		}
	}
	clear(s.timers)
	for _, d := range s.deliveries {
		switch d.State {
		case DeliveryQueued, DeliveryScheduled, DeliveryRetrying, DeliveryHeld:
			d.State, d.NextAttemptAt = DeliveryFailed, time.Time{} // nothing will send it any more
		}
	}
	s.mu.Unlock()
	s.cancel()
	s.wg.Wait()
}

// ServeHTTP serves the REST API, the paywall and the /_sim/ test endpoints.
func (s *Simulator) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.mux.ServeHTTP(w, r)
}

// Handler returns the simulator as an http.Handler.
func (s *Simulator) Handler() http.Handler { return s }

func (s *Simulator) logf(format string, args ...any) {
	if s.cfg.Logf != nil {
		s.cfg.Logf(format, args...)
	}
}

// Now is the simulator's clock: the base clock shifted by SetNow and Advance.
func (s *Simulator) Now() time.Time {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.nowLocked()
}

func (s *Simulator) nowLocked() time.Time {
	return s.baseNow().Add(s.clockOffset).UTC()
}

// SetNow moves the clock so that it reads t now (it keeps running from there), then expires
// whatever became due.
func (s *Simulator) SetNow(t time.Time) {
	s.mu.Lock()
	s.clockOffset = t.Sub(s.baseNow())
	s.expireDueLocked()
	s.mu.Unlock()
}

// Advance moves the clock forward by d, then expires whatever became due.
func (s *Simulator) Advance(d time.Duration) {
	s.mu.Lock()
	s.clockOffset += d
	s.expireDueLocked()
	s.mu.Unlock()
}

// scaled applies the time factor to one of imoje's waiting times.
func (s *Simulator) scaled(d time.Duration) time.Duration {
	return time.Duration(float64(d) * s.cfg.TimeFactor)
}

// sweep expires payment links and transactions at their validTo even when nobody calls the API.
func (s *Simulator) sweep() {
	defer s.wg.Done()
	tick := time.NewTicker(250 * time.Millisecond)
	defer tick.Stop()
	for {
		select {
		case <-s.ctx.Done():
			return
		case <-tick.C:
			s.mu.Lock()
			s.expireDueLocked()
			s.mu.Unlock()
		}
	}
}

// afterFunc runs f after d unless the simulator is closed first. Called with s.mu held.
func (s *Simulator) afterFuncLocked(d time.Duration, f func()) {
	if s.closed {
		return
	}
	s.wg.Add(1)
	var t *time.Timer
	t = time.AfterFunc(d, func() {
		defer s.wg.Done()
		s.mu.Lock()
		delete(s.timers, t)
		closed := s.closed
		s.mu.Unlock()
		if !closed {
			f()
		}
	})
	s.timers[t] = struct{}{}
}

// AddMerchant adds a merchant with its shops; empty credentials are generated. It returns the
// merchant as stored, with every generated value filled in.
func (s *Simulator) AddMerchant(m MerchantConfig) (MerchantConfig, error) {
	m.Shops = append([]ShopConfig(nil), m.Shops...)
	fillMerchantDefaults(&m)
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.merchants[m.ID]; ok {
		return MerchantConfig{}, fmt.Errorf("merchant %s: %w", m.ID, ErrDuplicate)
	}
	seen := map[string]bool{}
	for _, sh := range m.Shops {
		if _, ok := s.shops[sh.ServiceID]; ok || seen[sh.ServiceID] {
			return MerchantConfig{}, fmt.Errorf("shop %s: %w", sh.ServiceID, ErrDuplicate)
		}
		seen[sh.ServiceID] = true
	}
	mer := &merchant{id: m.ID, token: m.Token}
	s.merchants[m.ID] = mer
	for _, sh := range m.Shops {
		s.addShopLocked(mer, sh)
	}
	s.logf("imojesim: merchant %s added with %d shop(s)", m.ID, len(m.Shops))
	return m, nil
}

// AddShop adds a shop to an existing merchant; empty credentials are generated.
func (s *Simulator) AddShop(merchantID string, sh ShopConfig) (ShopConfig, error) {
	sh.Channels = append([]ChannelConfig(nil), sh.Channels...)
	fillShopDefaults(&sh)
	s.mu.Lock()
	defer s.mu.Unlock()
	mer, ok := s.merchants[merchantID]
	if !ok {
		return ShopConfig{}, fmt.Errorf("merchant %s: %w", merchantID, ErrNotFound)
	}
	if _, ok := s.shops[sh.ServiceID]; ok {
		return ShopConfig{}, fmt.Errorf("shop %s: %w", sh.ServiceID, ErrDuplicate)
	}
	s.addShopLocked(mer, sh)
	return sh, nil
}

func (s *Simulator) addShopLocked(mer *merchant, sh ShopConfig) {
	x := &shop{
		merchant:        mer,
		serviceID:       sh.ServiceID,
		serviceKey:      sh.ServiceKey,
		notificationURL: sh.NotificationURL,
		channels:        append([]ChannelConfig(nil), sh.Channels...),
	}
	mer.shops = append(mer.shops, x)
	s.shops[x.serviceID] = x
}

// SetNotificationURL changes a shop's notification URL (imoje's "Adres notyfikacji"), e.g. once
// the receiving test server has started.
func (s *Simulator) SetNotificationURL(serviceID, url string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	sh, ok := s.shops[serviceID]
	if !ok {
		return fmt.Errorf("shop %s: %w", serviceID, ErrNotFound)
	}
	sh.notificationURL = url
	return nil
}

// SetToken replaces a merchant's authorization token, as generating a new API key in imoje's panel
// does: the old token is refused from then on.
func (s *Simulator) SetToken(merchantID, token string) error {
	if token == "" {
		return errors.New("imojesim: empty token")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	m, ok := s.merchants[merchantID]
	if !ok {
		return fmt.Errorf("merchant %s: %w", merchantID, ErrNotFound)
	}
	m.token = token
	return nil
}

// Merchants returns the configured merchants with their credentials.
func (s *Simulator) Merchants() []MerchantConfig {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []MerchantConfig
	for _, m := range s.merchants {
		mc := MerchantConfig{ID: m.id, Token: m.token}
		for _, sh := range m.shops {
			mc.Shops = append(mc.Shops, ShopConfig{
				ServiceID: sh.serviceID, ServiceKey: sh.serviceKey,
				NotificationURL: sh.notificationURL,
				Channels:        append([]ChannelConfig(nil), sh.channels...),
			})
		}
		out = append(out, mc)
	}
	sortMerchants(out)
	return out
}

// authorize checks the bearer token against the merchant of the path. An unknown merchant and a
// wrong token look the same from outside, as do a token of another merchant.
func (s *Simulator) authorize(r *http.Request) (*merchant, bool) {
	token, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	if !ok || token == "" {
		return nil, false
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	m, found := s.merchants[r.PathValue("merchantId")]
	if !found {
		return nil, false
	}
	if subtle.ConstantTimeCompare([]byte(strings.TrimSpace(token)), []byte(m.token)) != 1 {
		return nil, false
	}
	return m, true
}

// baseURL is Config.BaseURL or, when empty, derived from the request so that the handler also
// works mounted under http.StripPrefix: the stripped prefix is what RequestURI has in front of
// URL.Path.
func (s *Simulator) baseURL(r *http.Request) string {
	if s.cfg.BaseURL != "" || r == nil {
		return s.cfg.BaseURL
	}
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	reqPath, _, _ := strings.Cut(r.RequestURI, "?")
	prefix := strings.TrimSuffix(reqPath, r.URL.Path)
	if prefix == reqPath {
		prefix = ""
	}
	return scheme + "://" + r.Host + strings.TrimSuffix(prefix, "/")
}
