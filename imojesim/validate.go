package imojesim

import (
	"cmp"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/mail"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// Currencies imoje accepts.
var Currencies = []string{"PLN", "EUR", "USD", "GBP", "CHF", "SEK", "HUF", "CZK", "BGN", "RON"}

// PaymentMethods imoje knows (README §3.3).
var PaymentMethods = []string{"blik", "pbl", "card", "wallet", "imoje_paylater", "wt", "imoje_installments"}

const maxAmount = 999_999_999

// TransactionRequest is the body of POST transaction.
type TransactionRequest struct {
	Type              string          `json:"type"`
	ServiceID         string          `json:"serviceId"`
	Amount            json.Number     `json:"amount"`
	Currency          string          `json:"currency"`
	OrderID           string          `json:"orderId"`
	Title             string          `json:"title"`
	PaymentMethod     string          `json:"paymentMethod"`
	PaymentMethodCode string          `json:"paymentMethodCode"`
	SuccessReturnURL  string          `json:"successReturnUrl"`
	FailureReturnURL  string          `json:"failureReturnUrl"`
	ReturnURL         string          `json:"returnUrl,omitempty"`
	NotificationURL   string          `json:"notificationUrl,omitempty"`
	ClientIP          string          `json:"clientIp,omitempty"`
	BlikCode          string          `json:"blikCode,omitempty"`
	ValidTo           json.Number     `json:"validTo,omitempty"`
	Customer          *Customer       `json:"customer"`
	Billing           json.RawMessage `json:"billing,omitempty"`
	Shipping          json.RawMessage `json:"shipping,omitempty"`
}

// PaymentRequest is the body of POST payment (a payment link).
type PaymentRequest struct {
	ServiceID           string      `json:"serviceId"`
	Amount              json.Number `json:"amount"`
	Currency            string      `json:"currency"`
	OrderID             string      `json:"orderId"`
	Title               string      `json:"title"`
	Customer            *Customer   `json:"customer"`
	VisibleMethod       []string    `json:"visibleMethod,omitempty"`
	PreselectMethodCode string      `json:"preselectMethodCode,omitempty"`
	ReturnURL           string      `json:"returnUrl,omitempty"`
	SuccessReturnURL    string      `json:"successReturnUrl,omitempty"`
	FailureReturnURL    string      `json:"failureReturnUrl,omitempty"`
	NotificationURL     string      `json:"notificationUrl,omitempty"`
	ValidTo             json.Number `json:"validTo,omitempty"`
}

// RefundRequest is the body of POST transaction/{id}/refund.
type RefundRequest struct {
	Type      string      `json:"type"`
	ServiceID string      `json:"serviceId"`
	Amount    json.Number `json:"amount"`
	Title     string      `json:"title,omitempty"`
}

// CancelPaymentRequest is the body of POST payment/cancel.
type CancelPaymentRequest struct {
	ServiceID string `json:"serviceId"`
	PaymentID string `json:"paymentId"`
}

var errBadJSON = errors.New("request body is not valid JSON")

// DecodeRequest reads one JSON object from a request body (at most 1 MiB) into v. Trailing data
// after the object is an error, as is a body that is not a JSON object.
func DecodeRequest(r io.Reader, v any) error {
	dec := json.NewDecoder(io.LimitReader(r, 1<<20))
	dec.UseNumber()
	if err := dec.Decode(v); err != nil {
		return fmt.Errorf("%w: %v", errBadJSON, err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return fmt.Errorf("%w: data after the JSON object", errBadJSON)
	}
	return nil
}

// validation collects field errors; imoje reports all of them at once.
type validation struct{ errs []FieldError }

func (v *validation) add(field, format string, args ...any) {
	v.errs = append(v.errs, FieldError{Field: field, Message: fmt.Sprintf(format, args...)})
}

func (v *validation) ok() bool { return len(v.errs) == 0 }

func (v *validation) amount(field string, n json.Number, max int64) (int64, bool) {
	if n == "" {
		v.add(field, "is required")
		return 0, false
	}
	a, err := strconv.ParseInt(string(n), 10, 64)
	if err != nil {
		v.add(field, "must be an integer amount in minor units")
		return 0, false
	}
	if a < 1 || a > max {
		v.add(field, "must be between 1 and %d", max)
		return 0, false
	}
	return a, true
}

func (v *validation) currency(c string) {
	if c == "" {
		v.add("currency", "is required")
	} else if !slices.Contains(Currencies, c) {
		v.add("currency", "must be one of %s", strings.Join(Currencies, ", "))
	}
}

// validOrderID: ≤100 characters of A-Za-z0-9#_-./, space and U+00C0–U+02C0.
func validOrderID(id string) bool {
	if id == "" || !utf8.ValidString(id) || utf8.RuneCountInString(id) > 100 {
		return false
	}
	for _, r := range id {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9':
		case strings.ContainsRune("#_-./ ", r):
		case r >= 0xC0 && r <= 0x2C0:
		default:
			return false
		}
	}
	return true
}

func (v *validation) orderID(id string) {
	if id == "" {
		v.add("orderId", "is required")
	} else if !validOrderID(id) {
		v.add("orderId", "must be at most 100 characters of A-Z a-z 0-9 # _ - . / space and U+00C0–U+02C0")
	}
}

func (v *validation) title(t string, required bool) {
	if required && t == "" {
		v.add("title", "is required")
	}
	if utf8.RuneCountInString(t) > 255 {
		v.add("title", "must be at most 255 characters")
	}
}

func (v *validation) url(field, raw string, required bool) {
	if raw == "" {
		if required {
			v.add(field, "is required")
		}
		return
	}
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		v.add(field, "must be an absolute http or https URL")
	}
}

// notificationURL checks a per-request notificationUrl; imoje refuses localhost and explicit
// ports there, which the simulator enforces only with Config.StrictNotificationURLs.
func (v *validation) notificationURL(raw string, strict bool) {
	v.url("notificationUrl", raw, false)
	if raw == "" || !strict {
		return
	}
	if u, err := url.Parse(raw); err == nil && (u.Port() != "" || strings.EqualFold(u.Hostname(), "localhost")) {
		v.add("notificationUrl", "must not use localhost or an explicit port")
	}
}

func (v *validation) validTo(n json.Number, now time.Time) time.Time {
	if n == "" {
		return time.Time{}
	}
	sec, err := strconv.ParseInt(string(n), 10, 64)
	if err != nil {
		v.add("validTo", "must be a unix time in seconds")
		return time.Time{}
	}
	t := time.Unix(sec, 0).UTC()
	if t.Before(now.Add(60 * time.Second)) {
		v.add("validTo", "must be at least 60 seconds in the future")
	}
	return t
}

func (v *validation) customer(c *Customer) {
	if c == nil {
		v.add("customer", "is required")
		return
	}
	if strings.TrimSpace(c.FirstName) == "" {
		v.add("customer.firstName", "is required")
	}
	if strings.TrimSpace(c.LastName) == "" {
		v.add("customer.lastName", "is required")
	}
	if c.Email == "" {
		v.add("customer.email", "is required")
	} else if a, err := mail.ParseAddress(c.Email); err != nil || a.Address != c.Email {
		v.add("customer.email", "must be an e-mail address")
	}
}

// shopOf finds the shop of serviceId among the merchant's shops; a shop of another merchant is
// the same as none.
func (v *validation) shopOf(m *merchant, serviceID string) *shop {
	if serviceID == "" {
		v.add("serviceId", "is required")
		return nil
	}
	for _, sh := range m.shops {
		if sh.serviceID == serviceID {
			return sh
		}
	}
	v.add("serviceId", "does not belong to the merchant")
	return nil
}

func (v *validation) channel(sh *shop, method, code, currency string, amount int64, amountOK bool) {
	ch, ok := sh.channel(method, code)
	switch {
	case !ok:
		v.add("paymentMethodCode", "%q is not a channel of method %q in this service", code, method)
	case !ch.Active || !ch.Online:
		v.add("paymentMethodCode", "channel %q is not active", code)
	case currency != "" && ch.Currency != currency:
		v.add("currency", "channel %q accepts only %s", code, ch.Currency)
	case amountOK && !withinLimits(ch, amount):
		v.add("amount", "channel %q accepts amounts from %d to %d", code, ch.Min, ch.Max)
	}
}

func validIP(s string) bool { return net.ParseIP(s) != nil }

// newTransactionLocked validates POST transaction and builds the transaction without storing it.
func (s *Simulator) newTransactionLocked(m *merchant, req TransactionRequest, actionBase string) (*transaction, []FieldError) {
	var v validation
	now := s.nowLocked()
	if req.Type != "sale" {
		v.add("type", `must be "sale"`)
	}
	sh := v.shopOf(m, req.ServiceID)
	amount, amountOK := v.amount("amount", req.Amount, maxAmount)
	v.currency(req.Currency)
	v.orderID(req.OrderID)
	v.title(req.Title, false)
	switch {
	case req.PaymentMethod == "":
		v.add("paymentMethod", "is required")
	case !slices.Contains(PaymentMethods, req.PaymentMethod):
		v.add("paymentMethod", "must be one of %s", strings.Join(PaymentMethods, ", "))
	case req.PaymentMethod == "card":
		// imoje blocks card data through the API for merchants without PCI DSS certification;
		// cards go through a payment link.
		v.add("paymentMethod", "card payments through the API require PCI DSS certification; use a payment link")
	case req.PaymentMethodCode == "":
		v.add("paymentMethodCode", "is required")
	case sh != nil:
		v.channel(sh, req.PaymentMethod, req.PaymentMethodCode, req.Currency, amount, amountOK)
	}
	v.url("successReturnUrl", req.SuccessReturnURL, true)
	v.url("failureReturnUrl", req.FailureReturnURL, true)
	v.url("returnUrl", req.ReturnURL, false)
	v.notificationURL(req.NotificationURL, s.cfg.StrictNotificationURLs)
	if req.ClientIP != "" && !validIP(req.ClientIP) {
		v.add("clientIp", "must be an IP address")
	}
	if req.BlikCode != "" {
		switch {
		case req.PaymentMethod != "blik":
			v.add("blikCode", "is allowed only with paymentMethod blik")
		case !isBlikCode(req.BlikCode):
			v.add("blikCode", "must be 6 digits")
		}
		if req.ClientIP == "" {
			v.add("clientIp", "is required with blikCode")
		}
	}
	validTo := v.validTo(req.ValidTo, now)
	v.customer(req.Customer)
	if !v.ok() {
		return nil, v.errs
	}
	id := newUUID()
	t := &transaction{
		id: id, typ: "sale", status: StatusNew, source: "api", created: now, modified: now,
		shop: sh, notificationURL: cmp.Or(req.NotificationURL, sh.notificationURL),
		amount: amount, currency: req.Currency, title: req.Title, orderID: req.OrderID,
		method: req.PaymentMethod, code: req.PaymentMethodCode,
		successURL: req.SuccessReturnURL, failureURL: req.FailureReturnURL, returnURL: req.ReturnURL,
		customer: *req.Customer, blikCode: req.BlikCode, clientIP: req.ClientIP, validTo: validTo,
		actionURL: actionBase + "/paywall/" + id,
	}
	if t.blikCode != "" {
		// With the code given in the shop the payer is already confirming in the banking app.
		t.status = StatusPending
	}
	return t, nil
}

// newPaymentLocked validates POST payment and builds the payment link without storing it.
func (s *Simulator) newPaymentLocked(m *merchant, req PaymentRequest, base string) (*paymentLink, []FieldError) {
	var v validation
	now := s.nowLocked()
	sh := v.shopOf(m, req.ServiceID)
	amount, _ := v.amount("amount", req.Amount, maxAmount)
	v.currency(req.Currency)
	v.orderID(req.OrderID)
	v.title(req.Title, false)
	v.customer(req.Customer)
	for i, method := range req.VisibleMethod {
		if !slices.Contains(PaymentMethods, method) {
			v.add(fmt.Sprintf("visibleMethod[%d]", i), "must be one of %s", strings.Join(PaymentMethods, ", "))
		}
	}
	if req.PreselectMethodCode != "" && sh != nil {
		if !slices.ContainsFunc(sh.channels, func(c ChannelConfig) bool { return c.Code == req.PreselectMethodCode }) {
			v.add("preselectMethodCode", "%q is not a channel of this service", req.PreselectMethodCode)
		}
	}
	v.url("returnUrl", req.ReturnURL, false)
	v.url("successReturnUrl", req.SuccessReturnURL, false)
	v.url("failureReturnUrl", req.FailureReturnURL, false)
	v.notificationURL(req.NotificationURL, s.cfg.StrictNotificationURLs)
	validTo := v.validTo(req.ValidTo, now)
	if !v.ok() {
		return nil, v.errs
	}
	id := newUUID()
	return &paymentLink{
		id: id, status: StatusNew, created: now, modified: now, validTo: validTo, shop: sh,
		amount: amount, currency: req.Currency, orderID: req.OrderID, title: req.Title,
		customer: *req.Customer, visibleMethod: slices.Clone(req.VisibleMethod), preselect: req.PreselectMethodCode,
		returnURL: req.ReturnURL, successURL: req.SuccessReturnURL, failureURL: req.FailureReturnURL,
		notificationURL: cmp.Or(req.NotificationURL, sh.notificationURL),
		url:             base + "/paywall/" + id,
	}, nil
}

func badRequest(w http.ResponseWriter, r *http.Request, err error) {
	writeAPIError(w, r, http.StatusBadRequest, "BAD_REQUEST", err.Error())
}
