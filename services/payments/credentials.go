package payments

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/slotpay/slotpay/models"
	"github.com/slotpay/slotpay/services/apperr"
	"github.com/slotpay/slotpay/services/auth"
	"github.com/slotpay/slotpay/services/database"
	"github.com/slotpay/slotpay/services/imoje"
	"github.com/slotpay/slotpay/services/secrets"
)

// Channels a tenant may offer through imoje.
const (
	ChannelBlik     = "BLIK"
	ChannelPBL      = "PBL"
	ChannelPayLater = "PAY_LATER"
	ChannelCard     = "CARD"
	// ChannelChoose sends the payer to imoje's page to choose among the offered channels.
	ChannelChoose = "CHOOSE"
)

var allChannels = []string{ChannelBlik, ChannelPBL, ChannelPayLater, ChannelCard}

// imoje's method names for our channels.
var channelMethod = map[string]string{ChannelBlik: "blik", ChannelPBL: "pbl", ChannelPayLater: "imoje_paylater", ChannelCard: "card"}

// Pay-later providers and their imoje channel codes.
var payLaterCodes = map[string]string{"TWISTO": "imoje_twisto", "PAYPO": "paypo", "BLIK_PAY_LATER": "blik_paylater", "PRAGMA_GO": "pragma_go"}

// Environments of a tenant's imoje shop.
const (
	EnvProduction = "PRODUCTION"
	EnvSandbox    = "SANDBOX"
	EnvCustom     = "CUSTOM"
)

// Sealed fields (associated data binds each ciphertext to its tenant and field).
const (
	fieldToken      = "imoje.token"
	fieldServiceKey = "imoje.serviceKey"
)

// CredentialsInput is what the tenant copies from imoje's panel.
type CredentialsInput struct {
	PaymentMethodID uuid.UUID
	Token           string
	MerchantID      string
	ServiceID       string
	ServiceKey      string
	Environment     string
	CustomBaseURL   string
	Channels        []string
}

var (
	merchantIDPattern = regexp.MustCompile(`^[a-z0-9]{4,64}$`)
	opaquePattern     = regexp.MustCompile(`^[A-Za-z0-9._~+/=-]{8,512}$`)
)

// validateCredentials normalises in and reports every bad field at once (a owner pasting four
// values from imoje's panel hears of all the wrong ones in one answer), then picks the API's base URL.
func (s *Service) validateCredentials(in *CredentialsInput) (baseURL string, err error) {
	in.Token, in.MerchantID = strings.TrimSpace(in.Token), strings.TrimSpace(in.MerchantID)
	in.ServiceID, in.ServiceKey = strings.ToLower(strings.TrimSpace(in.ServiceID)), strings.TrimSpace(in.ServiceKey)
	var problems apperr.Problems
	if !opaquePattern.MatchString(in.Token) {
		problems.Add(apperr.Input("authorizationToken", apperr.InvalidFormat, "authorization token looks wrong: copy it from Settings → API keys in imoje's panel"))
	}
	if !merchantIDPattern.MatchString(in.MerchantID) {
		problems.Add(apperr.Input("merchantId", apperr.InvalidFormat, "merchant id (Identyfikator klienta) must be lowercase letters and digits"))
	}
	if _, err := uuid.Parse(in.ServiceID); err != nil || len(in.ServiceID) != 36 {
		problems.Add(apperr.Input("shopId", apperr.InvalidFormat, "shop id (Identyfikator sklepu) must be a UUID"))
	}
	if !opaquePattern.MatchString(in.ServiceKey) {
		problems.Add(apperr.Input("shopKey", apperr.InvalidFormat, "shop key (Klucz sklepu) looks wrong: copy it from the shop's integration data"))
	}
	problems.Add(validChannels(in))
	if in.CustomBaseURL != "" && in.Environment != EnvCustom {
		problems.Add(apperr.Input("customBaseUrl", apperr.Inconsistent, "a custom base URL is only taken with environment CUSTOM"))
	}
	baseURL, err = s.credentialsBaseURL(in)
	problems.Add(err)
	return baseURL, problems.Err()
}

// validChannels checks and sorts the channels to offer.
func validChannels(in *CredentialsInput) error {
	if len(in.Channels) == 0 {
		return apperr.Input("channels", apperr.Required, "choose at least one channel to offer")
	}
	for i, c := range in.Channels {
		if !slices.Contains(allChannels, c) {
			return apperr.Input(fmt.Sprintf("channels[%d]", i), apperr.NotAllowed, "unknown channel "+c)
		}
	}
	slices.Sort(in.Channels)
	in.Channels = slices.Compact(in.Channels)
	return nil
}

// credentialsBaseURL is the imoje API the credentials are for.
func (s *Service) credentialsBaseURL(in *CredentialsInput) (string, error) {
	switch in.Environment {
	case EnvProduction:
		return imoje.ProductionBaseURL, nil
	case EnvSandbox, "":
		in.Environment = EnvSandbox
		if s.o.DefaultImojeBaseURL != "" {
			return s.o.DefaultImojeBaseURL, nil
		}
		return imoje.SandboxBaseURL, nil
	case EnvCustom:
		// A custom URL makes the server send the tenant's token, and report the answer, wherever
		// the tenant chooses; and lets a fake imoje "confirm" a shop that is not the tenant's.
		if !s.o.AllowCustomImoje {
			return "", apperr.Input("environment", apperr.NotAllowed, "a custom imoje URL is accepted only by a development server: choose PRODUCTION or SANDBOX")
		}
		u, err := url.Parse(in.CustomBaseURL)
		if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || u.User != nil {
			return "", apperr.Input("customBaseUrl", apperr.InvalidFormat, "custom base URL must be an absolute http(s) URL such as http://127.0.0.1:8089/v1/merchant")
		}
		return strings.TrimRight(in.CustomBaseURL, "/"), nil
	}
	return "", apperr.Input("environment", apperr.NotAllowed, "environment must be PRODUCTION or SANDBOX (CUSTOM in development)")
}

// SaveImojeCredentials checks the four values with imoje (GET service/{shopId} proves that token,
// merchant and shop fit together), then stores them sealed with the shop's channels. Nothing is
// stored when imoje refuses them.
func (s *Service) SaveImojeCredentials(ctx context.Context, p *auth.Principal, in CredentialsInput) (*models.PaymentMethod, error) {
	baseURL, err := s.validateCredentials(&in)
	if err != nil {
		return nil, err
	}
	var method models.PaymentMethod
	if err := s.db.InTenant(ctx, p.TenantID, func(tx *database.Tx) error { return lockMethod(tx, p.TenantID, in.PaymentMethodID, &method) }); err != nil {
		if errors.Is(err, ErrMethodNotFound) {
			return nil, ErrMethodNotFound.WithField("paymentMethodId")
		}
		return nil, wrap("save imoje credentials", err)
	}
	if method.Kind != models.MethodImoje {
		return nil, apperr.Invalid("paymentMethodId", "credentials belong to an IMOJE payment method")
	}
	client := s.o.Imoje.Client(baseURL, in.MerchantID, in.Token)
	shop, err := client.GetService(ctx, in.ServiceID)
	if err != nil {
		return nil, explainCredentialError(err)
	}
	if !strings.EqualFold(shop.ID, in.ServiceID) {
		return nil, apperr.Invalid("shopId", "imoje answered for another shop")
	}
	if !shop.IsActive {
		return nil, apperr.Invalid("shopId", "this shop is not active in imoje")
	}
	for _, c := range in.Channels {
		if !shopHas(shop, channelMethod[c]) {
			return nil, apperr.Invalid("channels", "the shop has no active "+c+" channel in imoje; switch it on in the panel or do not offer it")
		}
	}
	// imoje accepted the claimant's token for the shop: only now may a holder be asked to make way.
	if err := s.releaseStaleClaim(ctx, p.TenantID, in.MerchantID, uuid.MustParse(in.ServiceID)); err != nil {
		return nil, wrap("save imoje credentials", err)
	}
	shopChannels, _ := json.Marshal(shop.PaymentMethods)
	tokenSealed, err := s.box.Seal(p.TenantID, fieldToken, in.Token)
	if err != nil {
		return nil, wrap("seal token", err)
	}
	keySealed, err := s.box.Seal(p.TenantID, fieldServiceKey, in.ServiceKey)
	if err != nil {
		return nil, wrap("seal shop key", err)
	}
	now := s.now()
	cred := models.ImojeCredentials{
		TenantID: p.TenantID, PaymentMethodID: method.ID, MerchantID: in.MerchantID, ServiceID: uuid.MustParse(in.ServiceID),
		Environment: in.Environment, APIBaseURL: baseURL, TokenSealed: tokenSealed, TokenHint: secrets.Hint(in.Token),
		ServiceKeySealed: keySealed, ServiceKeyHint: secrets.Hint(in.ServiceKey), OfferedChannels: in.Channels,
		ShopChannels: shopChannels, VerifiedAt: now, NextRefundAt: time.Time{}, CreatedAt: now, UpdatedAt: now,
	}
	err = s.db.InTenant(ctx, p.TenantID, func(tx *database.Tx) error {
		res := tx.Gorm().Model(&models.ImojeCredentials{}).Where("tenant_id = ? AND payment_method_id = ?", p.TenantID, method.ID).
			Updates(map[string]any{"merchant_id": cred.MerchantID, "service_id": cred.ServiceID, "environment": cred.Environment,
				"api_base_url": cred.APIBaseURL, "token_sealed": cred.TokenSealed, "token_hint": cred.TokenHint,
				"service_key_sealed": cred.ServiceKeySealed, "service_key_hint": cred.ServiceKeyHint,
				"offered_channels": mustJSON(cred.OfferedChannels), "shop_channels": cred.ShopChannels, "verified_at": now, "updated_at": now})
		if res.Error == nil && res.RowsAffected == 0 {
			cred.NextRefundAt = now
			res = tx.Gorm().Create(&cred)
		}
		if ok, c := isUnique(res.Error); ok && c == "imoje_credentials_shop_key" {
			return ErrShopTaken.WithField("shopId").Wrap(res.Error)
		}
		return res.Error
	})
	if err != nil {
		return nil, wrap("save imoje credentials", err)
	}
	return s.Method(ctx, p.TenantID, method.ID)
}

func mustJSON(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

func shopHas(shop *imoje.Service, method string) bool {
	for _, m := range shop.PaymentMethods {
		if m.PaymentMethod == method && m.IsActive {
			return true
		}
	}
	return false
}

// explainCredentialError says which of the four values imoje did not accept, without echoing any.
func explainCredentialError(err error) error {
	e, ok := imoje.AsAPIError(err)
	switch {
	case !ok || e.Unavailable():
		return ErrImojeUnavailable.Wrap(err)
	case e.Unauthorized():
		return apperr.Invalid("authorizationToken", "imoje refused the authorization token for this merchant id: check both in the panel").Wrap(err)
	case e.Status == 404 || e.Status == 422:
		return apperr.Invalid("shopId", "imoje does not know this shop for this merchant: check the shop id (Identyfikator sklepu)").Wrap(err)
	}
	return ErrImojeRefused.Wrap(err)
}

// ImojeSetup is what the panel shows about a tenant's imoje method: never the secrets themselves.
type ImojeSetup struct {
	Configured         bool
	MerchantID         string
	ShopID             string
	Environment        string
	TokenHint          string
	ShopKeyHint        string
	Channels           []string
	ShopChannels       []imoje.ServiceMethod
	NotificationURL    string
	LastNotificationAt *time.Time
	VerifiedAt         *time.Time
	// Warnings say what looks wrong (or is worth knowing), each with a stable code a client acts
	// on (and translates) and an English sentence; SetupWarnings are their sentences.
	Warnings      []SetupWarning
	SetupWarnings []string
}

// SetupWarning is one thing the setup page should say about a tenant's imoje integration.
type SetupWarning struct {
	Code    string
	Message string
}

// The codes of SetupWarning.
const (
	// WarnCredentialsMissing: the method has no credentials; customers cannot pay online.
	WarnCredentialsMissing = "CREDENTIALS_MISSING"
	// WarnNotificationsNeverReceived: payments are pending for long and imoje never notified: the
	// notification URL in imoje's panel is most likely wrong.
	WarnNotificationsNeverReceived = "NOTIFICATIONS_NEVER_RECEIVED"
	// WarnNotificationsStopped: payments are pending for long with no notification since the last one.
	WarnNotificationsStopped = "NOTIFICATIONS_STOPPED"
	// WarnCustomURLNotCalled: the credentials name a custom imoje URL this server does not call.
	WarnCustomURLNotCalled = "CUSTOM_URL_NOT_CALLED"
	// WarnSandbox: the shop is imoje's sandbox; payments are not real.
	WarnSandbox = "SANDBOX"
)

func (s *ImojeSetup) warn(code, message string) {
	s.Warnings = append(s.Warnings, SetupWarning{Code: code, Message: message})
	s.SetupWarnings = append(s.SetupWarnings, message)
}

// Setup describes a method's imoje integration and what looks wrong with it.
func (s *Service) Setup(ctx context.Context, m *models.PaymentMethod) (*ImojeSetup, error) {
	out := &ImojeSetup{NotificationURL: s.NotificationURL()}
	if m.Kind != models.MethodImoje {
		return nil, nil
	}
	c := m.Imoje
	if c == nil {
		out.warn(WarnCredentialsMissing, "imoje credentials are not saved yet: customers cannot pay online")
		return out, nil
	}
	out.Configured = true
	out.MerchantID, out.ShopID, out.Environment = c.MerchantID, c.ServiceID.String(), c.Environment
	out.TokenHint, out.ShopKeyHint, out.Channels = c.TokenHint, c.ServiceKeyHint, c.OfferedChannels
	out.LastNotificationAt = c.LastNotificationAt
	verified := c.VerifiedAt
	out.VerifiedAt = &verified
	_ = json.Unmarshal(c.ShopChannels, &out.ShopChannels)
	// A payment pending (or of unknown outcome) for long with no notification ever received: the
	// notification URL in imoje's panel is most likely wrong.
	var silent int64
	err := s.db.InTenant(ctx, m.TenantID, func(tx *database.Tx) error {
		q := tx.Gorm().Model(&models.Payment{}).Where("tenant_id = ? AND payment_method_id = ? AND status IN ('PENDING', 'UNKNOWN') AND created_at <= ?",
			m.TenantID, m.ID, s.now().Add(-s.o.NotificationSilence))
		if c.LastNotificationAt != nil {
			q = q.Where("created_at > ?", *c.LastNotificationAt)
		}
		return q.Count(&silent).Error
	})
	if err != nil {
		return nil, wrap("imoje setup", err)
	}
	if silent > 0 {
		if c.LastNotificationAt == nil {
			out.warn(WarnNotificationsNeverReceived, "payments have been pending for more than 15 minutes and no notification from imoje was ever received: check the notification URL in imoje's panel (Shops → Details → Integration data) is exactly "+out.NotificationURL)
		} else {
			out.warn(WarnNotificationsStopped, "payments have been pending for more than 15 minutes with no notification since "+c.LastNotificationAt.UTC().Format(time.RFC3339)+": check the notification URL in imoje's panel is exactly "+out.NotificationURL)
		}
	}
	if !s.baseURLAllowed(c.APIBaseURL) {
		out.warn(WarnCustomURLNotCalled, "these credentials name a custom imoje URL, which this server does not call: save them again with environment PRODUCTION or SANDBOX")
	}
	if c.Environment == EnvSandbox {
		out.warn(WarnSandbox, "sandbox: payments are not real")
	}
	return out, nil
}

var errCustomImoje = errors.New("imoje credentials name a custom API URL, which only a development server calls")

// baseURLAllowed: a production server calls only imoje's own hosts (and the sandbox replacement it
// was configured with, which the configuration checked is imoje's too).
func (s *Service) baseURLAllowed(baseURL string) bool {
	if s.o.AllowCustomImoje || (baseURL != "" && baseURL == s.o.DefaultImojeBaseURL) {
		return true
	}
	official, _ := imoje.OfficialBaseURL(baseURL)
	return official
}

// client opens a tenant's sealed credentials into an imoje client (inside the tenant's transaction).
func (s *Service) client(c *models.ImojeCredentials) (*imoje.Client, string, error) {
	token, err := s.box.Open(c.TenantID, fieldToken, c.TokenSealed)
	if err != nil {
		return nil, "", err
	}
	key, err := s.box.Open(c.TenantID, fieldServiceKey, c.ServiceKeySealed)
	if err != nil {
		return nil, "", err
	}
	if !s.baseURLAllowed(c.APIBaseURL) {
		// Saved before custom URLs were refused in production: never called, the tenant saves the
		// credentials again (Setup says so).
		return nil, "", ErrNoImoje.Wrap(errCustomImoje)
	}
	return s.o.Imoje.Client(c.APIBaseURL, c.MerchantID, token), key, nil
}
