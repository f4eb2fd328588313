package imojesim

import (
	"crypto/rand"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"
)

// Config configures a Simulator. Every field is optional.
type Config struct {
	// BaseURL is the public URL prefix under which the handler is reachable, e.g.
	// http://127.0.0.1:8080/_imoje. Paywall URLs are built from it. When empty, the simulator
	// derives it from each request (scheme, Host and any prefix removed by http.StripPrefix).
	BaseURL string
	// Merchants known at start. More can be added with AddMerchant or POST /_sim/merchants.
	Merchants []MerchantConfig
	// TimeFactor scales every waiting time the simulator itself decides: the notification retry
	// schedule, the automatic BLIK confirmation and refund processing. 1 (the default) is imoje's
	// real timing; tests use e.g. 0.0001 so that a 5 minute retry takes 30 ms.
	TimeFactor float64
	// Now is the base clock; time.Now when nil. SetNow and Advance shift it.
	Now func() time.Time
	// HTTPClient sends notifications; a client with DeliveryTimeout when nil.
	HTTPClient *http.Client
	// DeliveryTimeout bounds one notification attempt (default 10 s, not scaled).
	DeliveryTimeout time.Duration
	// RefundSpacing is the minimum time between two refunds of one merchant (imoje asks for 5 s).
	// 0 means the default of 5 s; a negative value switches the check off.
	RefundSpacing time.Duration
	// StrictNotificationURLs rejects a per-request notificationUrl with localhost or an explicit
	// port, as imoje does. Off by default so tests can point notifications at httptest servers.
	StrictNotificationURLs bool
	// Logf, when set, receives one line per notification attempt and per admin change.
	Logf func(format string, args ...any)
}

// MerchantConfig is one imoje merchant account. Empty ID or Token are generated.
type MerchantConfig struct {
	ID    string       `json:"id"`
	Token string       `json:"token"`
	Shops []ShopConfig `json:"shops"`
}

// ShopConfig is one shop (service) of a merchant. Empty ServiceID or ServiceKey are generated;
// no Channels means DefaultChannels.
type ShopConfig struct {
	ServiceID       string          `json:"serviceId"`
	ServiceKey      string          `json:"serviceKey"`
	NotificationURL string          `json:"notificationUrl"`
	Channels        []ChannelConfig `json:"channels"`
}

// ChannelConfig is one payment channel of a shop: paymentMethod + paymentMethodCode with the
// currency and amount limits (minor units) within which it is offered.
type ChannelConfig struct {
	Method      string `json:"method"`
	Code        string `json:"code"`
	Currency    string `json:"currency"`
	Min         int64  `json:"min"`
	Max         int64  `json:"max"`
	Active      bool   `json:"active"`
	Online      bool   `json:"online"`
	Description string `json:"description,omitempty"`
}

// UnmarshalJSON reads a channel, treating an absent "active" or "online" as true: a channel
// listed in a config file is meant to be offered unless it says otherwise.
func (c *ChannelConfig) UnmarshalJSON(b []byte) error {
	type plain ChannelConfig
	v := struct {
		*plain
		Active *bool `json:"active"`
		Online *bool `json:"online"`
	}{plain: (*plain)(c)}
	if err := json.Unmarshal(b, &v); err != nil {
		return err
	}
	c.Active = v.Active == nil || *v.Active
	c.Online = v.Online == nil || *v.Online
	return nil
}

// DefaultChannels is the channel set of a shop configured without channels: BLIK, the common
// fast-transfer banks, cards (3-D Secure) and the four pay-later providers, all in PLN, with
// limits close to the providers' published ones.
func DefaultChannels() []ChannelConfig {
	ch := func(method, code, desc string, min, max int64) ChannelConfig {
		return ChannelConfig{Method: method, Code: code, Currency: "PLN", Min: min, Max: max, Active: true, Online: true, Description: desc}
	}
	channels := []ChannelConfig{
		ch("blik", "blik", "BLIK", 1, 5_000_000),
	}
	banks := []struct{ code, name string }{
		{"ing", "ING Bank Śląski"}, {"mtransfer", "mBank"}, {"ipko", "PKO Bank Polski"},
		{"pekao24", "Bank Pekao"}, {"bzwbk", "Santander"}, {"inteligo", "Inteligo"},
		{"millennium", "Bank Millennium"}, {"alior", "Alior Bank"}, {"creditagricole", "Credit Agricole"},
		{"citi", "Citi Handlowy"}, {"bnpparibas", "BNP Paribas"}, {"pocztowy", "Bank Pocztowy"},
	}
	for _, b := range banks {
		channels = append(channels, ch("pbl", b.code, b.name, 1, 99_999_999))
	}
	channels = append(channels,
		ch("card", "ecom3ds", "Card (Visa, Mastercard)", 1, 10_000_000),
		ch("imoje_paylater", "imoje_twisto", "Twisto — pay in 30 days", 100, 150_000),
		ch("imoje_paylater", "paypo", "PayPo — pay in 30 days", 1_000, 300_000),
		ch("imoje_paylater", "blik_paylater", "BLIK Pay Later", 3_000, 400_000),
		ch("imoje_paylater", "pragma_go", "PragmaGO — deferred payment for businesses", 50_000, 5_000_000),
	)
	return channels
}

// DemoConfig returns a configuration with one demo merchant and one shop with freshly generated
// credentials and the default channels.
func DemoConfig() Config {
	m := MerchantConfig{Shops: []ShopConfig{{}}}
	fillMerchantDefaults(&m)
	return Config{Merchants: []MerchantConfig{m}, TimeFactor: 1}
}

// fileConfig is the JSON config file format; see docs/imojesim.md.
type fileConfig struct {
	BaseURL                string           `json:"baseUrl"`
	TimeFactor             float64          `json:"timeFactor"`
	RefundSpacing          *Duration        `json:"refundSpacing"`
	DeliveryTimeout        *Duration        `json:"deliveryTimeout"`
	StrictNotificationURLs bool             `json:"strictNotificationUrls"`
	Merchants              []MerchantConfig `json:"merchants"`
}

// LoadConfig reads the JSON config file format documented in docs/imojesim.md. Unknown fields are
// rejected so that a typo does not silently fall back to a default.
func LoadConfig(r io.Reader) (Config, error) {
	dec := json.NewDecoder(r)
	dec.DisallowUnknownFields()
	var fc fileConfig
	if err := dec.Decode(&fc); err != nil {
		return Config{}, fmt.Errorf("imojesim config: %w", err)
	}
	if fc.TimeFactor < 0 {
		return Config{}, fmt.Errorf("imojesim config: timeFactor must be positive")
	}
	cfg := Config{
		BaseURL:                fc.BaseURL,
		TimeFactor:             fc.TimeFactor,
		Merchants:              fc.Merchants,
		StrictNotificationURLs: fc.StrictNotificationURLs,
	}
	if fc.RefundSpacing != nil {
		cfg.RefundSpacing = time.Duration(*fc.RefundSpacing)
		if cfg.RefundSpacing == 0 {
			cfg.RefundSpacing = -1 // an explicit 0 in the file means "no spacing"
		}
	}
	if fc.DeliveryTimeout != nil {
		cfg.DeliveryTimeout = time.Duration(*fc.DeliveryTimeout)
	}
	return cfg, nil
}

// Duration is a time.Duration that reads and writes JSON as a Go duration string ("1.5s"); a bare
// number is read as milliseconds.
type Duration time.Duration

func (d Duration) MarshalJSON() ([]byte, error) {
	return json.Marshal(time.Duration(d).String())
}

func (d *Duration) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err == nil {
		v, err := time.ParseDuration(s)
		if err != nil {
			return err
		}
		*d = Duration(v)
		return nil
	}
	var ms float64
	if err := json.Unmarshal(b, &ms); err != nil {
		return fmt.Errorf("duration must be a string like \"2s\" or a number of milliseconds")
	}
	*d = Duration(time.Duration(ms * float64(time.Millisecond)))
	return nil
}

func fillMerchantDefaults(m *MerchantConfig) {
	if m.ID == "" {
		m.ID = randomString(20, "abcdefghijklmnopqrstuvwxyz0123456789")
	}
	if m.Token == "" {
		m.Token = randomString(64, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789")
	}
	for i := range m.Shops {
		fillShopDefaults(&m.Shops[i])
	}
}

func fillShopDefaults(s *ShopConfig) {
	if s.ServiceID == "" {
		s.ServiceID = newUUID()
	}
	if s.ServiceKey == "" {
		s.ServiceKey = randomString(36, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789")
	}
	if len(s.Channels) == 0 {
		s.Channels = DefaultChannels()
	}
	for i := range s.Channels {
		s.Channels[i].Currency = strings.ToUpper(s.Channels[i].Currency)
		if s.Channels[i].Currency == "" {
			s.Channels[i].Currency = "PLN"
		}
	}
}

func randomString(n int, alphabet string) string {
	b := make([]byte, n)
	rand.Read(b)
	for i := range b {
		b[i] = alphabet[int(b[i])%len(alphabet)]
	}
	return string(b)
}

// newUUID returns a random (version 4) UUID; imoje's ids are UUIDs.
func newUUID() string {
	var b [16]byte
	rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}
