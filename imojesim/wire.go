package imojesim

import (
	"bytes"
	"encoding/json"
	"net/http"
)

// The wire types below carry imoje's field names, and their field order is the order in which
// imoje writes them (notification-example.json), so an encoded notification is byte-for-byte
// what imoje would send for the same data.

// Transaction is imoje's transaction object (a sale or a refund).
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
	// Refunds is present only in GET transaction/{id} of a sale.
	Refunds []RefundEntry `json:"refunds,omitzero"`
}

// RefundEntry wraps a refund in GET transaction/{id}: "refunds":[{"transaction":{…}}].
type RefundEntry struct {
	Transaction Transaction `json:"transaction"`
}

// Action tells the shop where to send the payer.
type Action struct {
	Type           string `json:"type"`
	URL            string `json:"url"`
	Method         string `json:"method"`
	ContentType    string `json:"contentType"`
	ContentBodyRaw string `json:"contentBodyRaw"`
}

// PaymentSummary is the payment link object as imoje puts it into a notification.
type PaymentSummary struct {
	ID              string `json:"id"`
	Title           string `json:"title"`
	Amount          int64  `json:"amount"`
	Status          string `json:"status"`
	Created         int64  `json:"created"`
	OrderID         string `json:"orderId"`
	Currency        string `json:"currency"`
	Modified        int64  `json:"modified"`
	ServiceID       string `json:"serviceId"`
	NotificationURL string `json:"notificationUrl"`
}

// Payment is the payment link object of the REST API (POST payment, GET payment/{id}).
type Payment struct {
	ID                  string        `json:"id"`
	URL                 string        `json:"url"`
	ServiceID           string        `json:"serviceId"`
	OrderID             string        `json:"orderId"`
	Title               string        `json:"title"`
	Amount              int64         `json:"amount"`
	Currency            string        `json:"currency"`
	Status              string        `json:"status"`
	IsActive            bool          `json:"isActive"`
	Created             int64         `json:"created"`
	Modified            int64         `json:"modified"`
	ValidTo             int64         `json:"validTo,omitempty"`
	NotificationURL     string        `json:"notificationUrl"`
	ReturnURL           string        `json:"returnUrl,omitempty"`
	SuccessReturnURL    string        `json:"successReturnUrl,omitempty"`
	FailureReturnURL    string        `json:"failureReturnUrl,omitempty"`
	VisibleMethod       []string      `json:"visibleMethod,omitempty"`
	PreselectMethodCode string        `json:"preselectMethodCode,omitempty"`
	Customer            *Customer     `json:"customer,omitempty"`
	Transactions        []Transaction `json:"transactions,omitzero"`
}

// Customer is the payer as the shop describes them.
type Customer struct {
	FirstName string `json:"firstName"`
	LastName  string `json:"lastName"`
	Email     string `json:"email"`
	Phone     string `json:"phone,omitempty"`
	CID       string `json:"cid,omitempty"`
	Locale    string `json:"locale,omitempty"`
}

// Notification is the body of a notification. When a payment link expires or is cancelled only
// Payment is set; a refund carries Transaction with Type "refund".
type Notification struct {
	Transaction *Transaction    `json:"transaction,omitempty"`
	Payment     *PaymentSummary `json:"payment,omitempty"`
	Action      *Action         `json:"action,omitempty"`
}

// Service is the body of GET service/{serviceId}.
type Service struct {
	ID             string          `json:"id"`
	IsActive       bool            `json:"isActive"`
	PaymentMethods []ServiceMethod `json:"paymentMethods"`
}

// ServiceMethod is one channel in GET service/{serviceId}.
type ServiceMethod struct {
	PaymentMethod     string            `json:"paymentMethod"`
	PaymentMethodCode string            `json:"paymentMethodCode"`
	IsActive          bool              `json:"isActive"`
	IsOnline          bool              `json:"isOnline"`
	Currency          string            `json:"currency"`
	Description       string            `json:"description"`
	TransactionLimits TransactionLimits `json:"transactionLimits"`
}

// TransactionLimits are a channel's amount limits in minor units.
type TransactionLimits struct {
	MinTransaction LimitValue `json:"minTransaction"`
	MaxTransaction LimitValue `json:"maxTransaction"`
}

// LimitValue wraps one limit: {"value": 100}.
type LimitValue struct {
	Value int64 `json:"value"`
}

// APIError is imoje's error body: {"apiErrorResponse":{…}}.
type APIError struct {
	Code     string            `json:"code"`
	Message  string            `json:"message"`
	Instance map[string]string `json:"instance"`
	Errors   []FieldError      `json:"errors"`
}

// FieldError names one invalid request field.
type FieldError struct {
	Field   string `json:"field"`
	Message string `json:"message"`
}

// EncodeNotification encodes a notification as imoje does: compact JSON, no HTML escaping, no
// trailing newline.
func EncodeNotification(n Notification) ([]byte, error) {
	return marshalCompact(n)
}

func marshalCompact(v any) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n")), nil
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	body, err := marshalCompact(v)
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/json; charset=UTF-8")
	w.WriteHeader(status)
	w.Write(body)
}

func writeAPIError(w http.ResponseWriter, r *http.Request, status int, code, message string, errs ...FieldError) {
	if errs == nil {
		errs = []FieldError{}
	}
	writeJSON(w, status, map[string]APIError{"apiErrorResponse": {
		Code:     code,
		Message:  message,
		Instance: map[string]string{"method": r.Method, "path": r.URL.Path},
		Errors:   errs,
	}})
}
