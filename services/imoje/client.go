// Package imoje is slotpay's side of imoje, ING Bank Śląski's payment gateway: a client for its REST
// API and the rules for its signed notifications. Field names follow imoje's documentation
// (shared/imoje/README.md).
package imoje

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// Base URLs of imoje's REST API.
const (
	ProductionBaseURL = "https://api.imoje.pl/v1/merchant"
	SandboxBaseURL    = "https://sandbox.api.imoje.pl/v1/merchant"
)

// Client calls imoje's REST API for one merchant.
type Client struct {
	BaseURL    string // …/v1/merchant
	MerchantID string
	Token      string
	HTTP       *http.Client
}

// DefaultHTTPClient bounds every imoje call; a call that takes longer is reported as unavailable.
var DefaultHTTPClient = &http.Client{Timeout: 15 * time.Second}

// Connector makes the Clients of one slotpay instance: every merchant's calls go through its HTTP
// client (DefaultHTTPClient when nil), which carries the timeout, metrics and traces. Domain code
// holds a Connector and never an HTTP client of its own.
type Connector struct {
	HTTP *http.Client
}

// Client is the API client of one merchant.
func (c Connector) Client(baseURL, merchantID, token string) *Client {
	return &Client{BaseURL: baseURL, MerchantID: merchantID, Token: token, HTTP: c.HTTP}
}

// Timeout is how long a call may take before it is reported as unavailable (one minute when the
// HTTP client sets no bound).
func (c Connector) Timeout() time.Duration {
	hc := c.HTTP
	if hc == nil {
		hc = DefaultHTTPClient
	}
	if hc.Timeout > 0 {
		return hc.Timeout
	}
	return time.Minute
}

// APIError is imoje's error answer (apiErrorResponse), or a transport failure (Status 0).
type APIError struct {
	Status  int
	Code    string
	Message string
	Errors  []FieldError
}

// FieldError is one entry of apiErrorResponse.errors.
type FieldError struct {
	Field   string `json:"field,omitempty"`
	Message string `json:"message,omitempty"`
	Code    string `json:"code,omitempty"`
}

func (e *APIError) Error() string {
	if e.Status == 0 {
		return "imoje unreachable: " + e.Message
	}
	return fmt.Sprintf("imoje answered %d %s: %s", e.Status, e.Code, e.Message)
}

// Unauthorized reports a refused token (or a token of another merchant).
func (e *APIError) Unauthorized() bool {
	return e.Status == http.StatusUnauthorized || e.Status == http.StatusForbidden
}

// Unavailable reports a failure worth retrying: no answer, a timeout or a 5xx.
func (e *APIError) Unavailable() bool { return e.Status == 0 || e.Status >= 500 }

// OutcomeUnknown reports a call imoje may have acted on without slotpay learning how: no answer
// (a timeout, a connection lost after the request was sent) or an answer that could not be read. A
// call imoje answered with an error status did not take effect.
func OutcomeUnknown(err error) bool {
	e, ok := AsAPIError(err)
	return ok && (e.Status == 0 || e.Status == http.StatusOK)
}

// AsAPIError finds an *APIError in err's chain.
func AsAPIError(err error) (*APIError, bool) {
	var e *APIError
	ok := errors.As(err, &e)
	return e, ok
}

func (c *Client) do(ctx context.Context, method, path string, in, out any) error {
	var body io.Reader
	if in != nil {
		b, err := json.Marshal(in)
		if err != nil {
			return err
		}
		body = bytes.NewReader(b)
	}
	u := strings.TrimRight(c.BaseURL, "/") + "/" + url.PathEscape(c.MerchantID) + "/" + path
	req, err := http.NewRequestWithContext(ctx, method, u, body)
	if err != nil {
		return &APIError{Message: err.Error()}
	}
	req.Header.Set("Authorization", "Bearer "+c.Token)
	req.Header.Set("Accept", "application/json")
	if in != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	hc := c.HTTP
	if hc == nil {
		hc = DefaultHTTPClient
	}
	resp, err := hc.Do(req)
	if err != nil {
		// Never echo the URL's query or headers: only the kind of failure.
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err
		}
		return &APIError{Message: err.Error()}
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return &APIError{Message: "reading the answer: " + err.Error()}
	}
	if resp.StatusCode != http.StatusOK {
		apiErr := &APIError{Status: resp.StatusCode, Message: http.StatusText(resp.StatusCode)}
		var wrapped struct {
			APIErrorResponse struct {
				Code    string       `json:"code"`
				Message string       `json:"message"`
				Errors  []FieldError `json:"errors"`
			} `json:"apiErrorResponse"`
		}
		if json.Unmarshal(raw, &wrapped) == nil && wrapped.APIErrorResponse.Message != "" {
			apiErr.Code = wrapped.APIErrorResponse.Code
			apiErr.Message = wrapped.APIErrorResponse.Message
			apiErr.Errors = wrapped.APIErrorResponse.Errors
		}
		return apiErr
	}
	if out != nil {
		if err := json.Unmarshal(raw, out); err != nil {
			return &APIError{Status: resp.StatusCode, Message: "unexpected answer: " + err.Error()}
		}
	}
	return nil
}

// Service is a shop as GET service/{serviceId} describes it.
type Service struct {
	ID             string          `json:"id"`
	IsActive       bool            `json:"isActive"`
	PaymentMethods []ServiceMethod `json:"paymentMethods"`
}

// ServiceMethod is one channel of a shop.
type ServiceMethod struct {
	PaymentMethod     string `json:"paymentMethod"`
	PaymentMethodCode string `json:"paymentMethodCode"`
	IsActive          bool   `json:"isActive"`
	IsOnline          bool   `json:"isOnline"`
	Currency          string `json:"currency"`
	Description       string `json:"description"`
	TransactionLimits struct {
		MinTransaction struct {
			Value int64 `json:"value"`
		} `json:"minTransaction"`
		MaxTransaction struct {
			Value int64 `json:"value"`
		} `json:"maxTransaction"`
	} `json:"transactionLimits"`
}

// Offers reports whether a payer may use this channel for amount in currency: active, online and
// within its limits.
func (m ServiceMethod) Offers(amount int64, currency string) bool {
	lim := m.TransactionLimits
	return m.IsActive && m.IsOnline && (m.Currency == "" || strings.EqualFold(m.Currency, currency)) &&
		(lim.MinTransaction.Value == 0 || amount >= lim.MinTransaction.Value) &&
		(lim.MaxTransaction.Value == 0 || amount <= lim.MaxTransaction.Value)
}

// GetService fetches a shop's channels; it also proves that token, merchant id and service id fit.
func (c *Client) GetService(ctx context.Context, serviceID string) (*Service, error) {
	var out struct {
		Service Service `json:"service"`
	}
	if err := c.do(ctx, http.MethodGet, "service/"+url.PathEscape(serviceID), nil, &out); err != nil {
		return nil, err
	}
	return &out.Service, nil
}

// Customer is the payer.
type Customer struct {
	FirstName string `json:"firstName"`
	LastName  string `json:"lastName"`
	Email     string `json:"email"`
	Phone     string `json:"phone,omitempty"`
	Locale    string `json:"locale,omitempty"`
}

// TransactionRequest is POST transaction's body.
type TransactionRequest struct {
	Type              string   `json:"type"`
	ServiceID         string   `json:"serviceId"`
	Amount            int64    `json:"amount"`
	Currency          string   `json:"currency"`
	OrderID           string   `json:"orderId"`
	Title             string   `json:"title,omitempty"`
	PaymentMethod     string   `json:"paymentMethod"`
	PaymentMethodCode string   `json:"paymentMethodCode"`
	SuccessReturnURL  string   `json:"successReturnUrl"`
	FailureReturnURL  string   `json:"failureReturnUrl"`
	NotificationURL   string   `json:"notificationUrl,omitempty"`
	ClientIP          string   `json:"clientIp,omitempty"`
	BlikCode          string   `json:"blikCode,omitempty"`
	ValidTo           int64    `json:"validTo,omitempty"`
	Customer          Customer `json:"customer"`
}

// Transaction is a sale or a refund.
type Transaction struct {
	ID                    string `json:"id"`
	Type                  string `json:"type"`
	Status                string `json:"status"`
	Source                string `json:"source"`
	Created               int64  `json:"created"`
	Modified              int64  `json:"modified"`
	NotificationURL       string `json:"notificationUrl"`
	ServiceID             string `json:"serviceId"`
	Amount                int64  `json:"amount"`
	Currency              string `json:"currency"`
	Title                 string `json:"title"`
	OrderID               string `json:"orderId"`
	PaymentMethod         string `json:"paymentMethod"`
	PaymentMethodCode     string `json:"paymentMethodCode"`
	StatusCode            string `json:"statusCode,omitempty"`
	StatusCodeDescription string `json:"statusCodeDescription,omitempty"`
	Refunds               []struct {
		Transaction Transaction `json:"transaction"`
	} `json:"refunds,omitempty"`
}

// Action tells where to send the payer.
type Action struct {
	Type           string `json:"type"`
	URL            string `json:"url"`
	Method         string `json:"method"`
	ContentType    string `json:"contentType"`
	ContentBodyRaw string `json:"contentBodyRaw"`
}

// CreateTransaction starts a direct transaction (BLIK, fast transfer, pay later).
func (c *Client) CreateTransaction(ctx context.Context, in TransactionRequest) (*Transaction, *Action, error) {
	in.Type = "sale"
	var out struct {
		Transaction Transaction `json:"transaction"`
		Action      *Action     `json:"action"`
	}
	if err := c.do(ctx, http.MethodPost, "transaction", in, &out); err != nil {
		return nil, nil, err
	}
	return &out.Transaction, out.Action, nil
}

// GetTransaction asks imoje for a transaction's current state (with its refunds).
func (c *Client) GetTransaction(ctx context.Context, id string) (*Transaction, error) {
	var out struct {
		Transaction Transaction `json:"transaction"`
	}
	if err := c.do(ctx, http.MethodGet, "transaction/"+url.PathEscape(id), nil, &out); err != nil {
		return nil, err
	}
	return &out.Transaction, nil
}

// PaymentRequest is POST payment's body (a payment link).
type PaymentRequest struct {
	ServiceID           string   `json:"serviceId"`
	Amount              int64    `json:"amount"`
	Currency            string   `json:"currency"`
	OrderID             string   `json:"orderId"`
	Title               string   `json:"title,omitempty"`
	VisibleMethod       []string `json:"visibleMethod,omitempty"`
	PreselectMethodCode string   `json:"preselectMethodCode,omitempty"`
	ReturnURL           string   `json:"returnUrl,omitempty"`
	SuccessReturnURL    string   `json:"successReturnUrl,omitempty"`
	FailureReturnURL    string   `json:"failureReturnUrl,omitempty"`
	NotificationURL     string   `json:"notificationUrl,omitempty"`
	ValidTo             int64    `json:"validTo,omitempty"`
	Customer            Customer `json:"customer"`
}

// Payment is a payment link.
type Payment struct {
	ID           string        `json:"id"`
	URL          string        `json:"url"`
	ServiceID    string        `json:"serviceId"`
	OrderID      string        `json:"orderId"`
	Title        string        `json:"title"`
	Amount       int64         `json:"amount"`
	Currency     string        `json:"currency"`
	Status       string        `json:"status"`
	IsActive     bool          `json:"isActive"`
	Created      int64         `json:"created"`
	Modified     int64         `json:"modified"`
	ValidTo      int64         `json:"validTo,omitempty"`
	Transactions []Transaction `json:"transactions,omitempty"`
}

// CreatePayment creates a payment link (cards, or letting the payer choose on imoje's page).
func (c *Client) CreatePayment(ctx context.Context, in PaymentRequest) (*Payment, error) {
	var out struct {
		Payment Payment `json:"payment"`
	}
	if err := c.do(ctx, http.MethodPost, "payment", in, &out); err != nil {
		return nil, err
	}
	return &out.Payment, nil
}

// GetPayment fetches a payment link with its transactions (imoje answers it flat, unwrapped).
func (c *Client) GetPayment(ctx context.Context, id string) (*Payment, error) {
	var out Payment
	if err := c.do(ctx, http.MethodGet, "payment/"+url.PathEscape(id), nil, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// CancelPayment cancels a payment link.
func (c *Client) CancelPayment(ctx context.Context, serviceID, paymentID string) error {
	return c.do(ctx, http.MethodPost, "payment/cancel", map[string]string{"serviceId": serviceID, "paymentId": paymentID}, nil)
}

// Refund asks imoje to refund amount of a settled transaction.
func (c *Client) Refund(ctx context.Context, transactionID, serviceID string, amount int64, title string) (*Transaction, error) {
	in := map[string]any{"type": "refund", "serviceId": serviceID, "amount": amount}
	if title != "" {
		in["title"] = title
	}
	var out struct {
		Transaction Transaction `json:"transaction"`
	}
	if err := c.do(ctx, http.MethodPost, "transaction/"+url.PathEscape(transactionID)+"/refund", in, &out); err != nil {
		return nil, err
	}
	return &out.Transaction, nil
}
