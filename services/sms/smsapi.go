package sms

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// SMSAPI.pl's HTTP API (https://www.smsapi.pl/docs, "2. Pojedynczy SMS"): POST <base>/sms.do with
// `Authorization: Bearer <token>` (an OAuth token generated in the customer panel) and the form
// fields to, message, from, format=json. Also sent:
//   - encoding=utf-8: the message's character set (the API also takes windows-1250 and others);
//   - idx=<message key> with check_idx=1: SMSAPI then refuses a second message with the same idx
//     (error 53) instead of sending it, so a retry after a lost answer never sends twice;
//   - details=1: the answer then also carries the message's length and parts.
//
// normalize (SMSAPI's own removal of Polish diacritics) is not used: Transliterate does it here, so
// that the logged text and part count are what was sent (see transliterate.go).
//
// The answer with format=json is {"count":1,"list":[{"id":"…","points":0.16,"number":"48600100200",
// "date_sent":…,"submitted_number":"+48600100200","status":"QUEUE","parts":1,…}]} (the fields as in
// SMSAPI's official Go client, github.com/smsapi/smsapi-go, smsapi/sms.go SmsResponse), or an error
// {"error":13,"message":"…","invalid_numbers":[…]} (smsapi-go smsapi/error.go ErrorResponse). The
// official clients read the JSON whatever the HTTP status and treat any non-zero "error" as a
// failure (smsapi-go CheckError), which is what parseSMSAPIResponse does too.

// SMSAPI's hosts: smsapi.pl for Polish accounts, smsapi.com for international ones.
const (
	SMSAPIBaseURL              = "https://api.smsapi.pl"
	SMSAPIInternationalBaseURL = "https://api.smsapi.com"
)

// maxAnswer bounds how much of SMSAPI's answer is read.
const maxAnswer = 64 << 10

// smsapiCodes maps SMSAPI's error codes (the "Kody błędów" table, https://www.smsapi.pl/statusy-wiadomosci
// and the docs' section "Kody błędów"; the English wording follows the older documentation's
// Appendix 2 "Error codes") to who must act and whether a retry may help. Codes not listed here are
// permanent refusals (KindRejected): retrying what SMSAPI refused for a reason we do not know risks
// sending, and billing, the same text many times.
var smsapiCodes = map[int]struct {
	kind      Kind
	retryable bool
}{
	// 8 "Błąd w odwołaniu (Prosimy zgłosić)" — an error in the request, "please report": listed
	// among SMSAPI's system errors, retried (idx makes the retry safe).
	8:  {KindUnavailable, true},
	11: {KindMessage, false},    // message too long or empty (or nounicode with special characters)
	12: {KindMessage, false},    // over 160 characters with single=1
	13: {KindRecipient, false},  // no valid numbers: invalid, landline, or on the blacklist
	14: {KindSender, false},     // wrong sender name (not registered or not approved)
	17: {KindMessage, false},    // FLASH with special characters
	18: {KindRejected, false},   // wrong number of parameters
	19: {KindRejected, false},   // too many messages in one request
	32: {KindRecipient, false},  // foreign numbers blocked for this account (or Eco/MMS/VMS abroad)
	33: {KindRecipient, false},  // no valid numbers
	52: {KindUnavailable, true}, // too many attempts to one number (at most 10 in 60 s): later is fine
	// 53 "Nieunikalny parametr idx": with check_idx=1 a message with this idx was already accepted.
	// Not an error for us: it is the duplicate a retry must not send (parseSMSAPIResponse).
	57:  {KindRecipient, false},   // the number is on the account's blacklist
	101: {KindCredentials, false}, // wrong or missing authorisation (the token)
	102: {KindCredentials, false}, // wrong login or password
	103: {KindAccount, false},     // no points left on the account
	105: {KindAccount, false},     // IP address not allowed (the account's API IP filter)
	110: {KindAccount, false},     // the service (SMS) is not enabled on the account
	200: {KindUnavailable, true},  // "Nieudana próba wysłania wiadomości, prosimy ponowić odwołanie": retry
	201: {KindUnavailable, true},  // internal system error
	202: {KindUnavailable, true},  // too many simultaneous requests, please call again
	// 203 ("too many requests, try later") appears in later versions of the table as we remember it,
	// but we could not find it in a source: treated as retryable, marked uncertain.
	203: {KindUnavailable, true},
	999: {KindUnavailable, true}, // internal system error
}

// smsapiDuplicate is SMSAPI's "idx not unique" (check_idx=1): the message was accepted before.
const smsapiDuplicate = 53

// SMSAPIConnector builds SMSAPI clients sharing one HTTP client (with its timeout).
type SMSAPIConnector struct {
	// BaseURL is SMSAPIBaseURL, or a stand-in's (smsapisim) in development and tests.
	BaseURL string
	HTTP    *http.Client
}

// Client is a Provider sending with one account's token.
func (c SMSAPIConnector) Client(token string) *SMSAPI {
	return &SMSAPI{BaseURL: c.BaseURL, Token: token, HTTP: c.HTTP}
}

// SMSAPI is a Provider speaking SMSAPI.pl's HTTP API with one account's token.
type SMSAPI struct {
	BaseURL string
	Token   string
	HTTP    *http.Client
}

var _ Provider = (*SMSAPI)(nil)

// DefaultHTTPClient bounds every call to SMSAPI.
var DefaultHTTPClient = &http.Client{Timeout: 15 * time.Second}

// Send sends one message. Errors are *Error (with Retryable) except a cancelled context.
func (c *SMSAPI) Send(ctx context.Context, m Message) (Receipt, error) {
	form := url.Values{
		"to":       {strings.TrimPrefix(m.To, "+")},
		"message":  {m.Text},
		"format":   {"json"},
		"encoding": {"utf-8"},
		"details":  {"1"},
	}
	if m.From != "" {
		form.Set("from", m.From)
	}
	if m.Key != "" {
		form.Set("idx", m.Key)
		form.Set("check_idx", "1")
	}
	base := strings.TrimRight(c.BaseURL, "/")
	if base == "" {
		base = SMSAPIBaseURL
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, base+"/sms.do", strings.NewReader(form.Encode()))
	if err != nil {
		return Receipt{}, &Error{Kind: KindRejected, Message: "bad SMSAPI base URL", cause: err}
	}
	req.Header.Set("Authorization", "Bearer "+c.Token)
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Accept", "application/json")
	httpc := c.HTTP
	if httpc == nil {
		httpc = DefaultHTTPClient
	}
	resp, err := httpc.Do(req)
	if err != nil {
		if ctx.Err() != nil && errors.Is(err, context.Canceled) {
			return Receipt{}, ctx.Err()
		}
		// The request may or may not have reached SMSAPI: the retry carries the same idx.
		return Receipt{}, &Error{Kind: KindUnavailable, Retryable: true, Message: "SMSAPI did not answer", cause: err}
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxAnswer))
	if err != nil {
		return Receipt{}, &Error{Kind: KindUnavailable, Retryable: true, Message: "SMSAPI's answer was cut off", cause: err}
	}
	return parseSMSAPIResponse(resp.StatusCode, body)
}

// smsapiAnswer is both shapes of sms.do's JSON answer. error is a number in sms.do's answers; the
// newer REST endpoints answer a string code ("invalid_request_data"), accepted too.
type smsapiAnswer struct {
	Error   json.RawMessage `json:"error"`
	Message string          `json:"message"`
	Count   int             `json:"count"`
	List    []struct {
		ID              string          `json:"id"`
		Number          string          `json:"number"`
		SubmittedNumber string          `json:"submitted_number"`
		Status          string          `json:"status"`
		Parts           int             `json:"parts"`
		Error           json.RawMessage `json:"error"`
		Message         string          `json:"message"`
	} `json:"list"`
}

// parseSMSAPIResponse reads sms.do's answer to one message: a Receipt, or an *Error.
func parseSMSAPIResponse(status int, body []byte) (Receipt, error) {
	var a smsapiAnswer
	decodeErr := json.Unmarshal(bytes.TrimSpace(body), &a)
	if decodeErr == nil {
		if code, ok := errorCode(a.Error); ok {
			return refusal(code, a.Message)
		}
	}
	switch {
	case status == http.StatusTooManyRequests || status >= 500:
		return Receipt{}, &Error{Kind: KindUnavailable, Retryable: true, Code: "HTTP " + strconv.Itoa(status), Message: "SMSAPI is unavailable"}
	case status == http.StatusUnauthorized || status == http.StatusForbidden:
		return Receipt{}, &Error{Kind: KindCredentials, Code: "HTTP " + strconv.Itoa(status), Message: "SMSAPI refused the token"}
	case status < 200 || status > 299:
		return Receipt{}, &Error{Kind: KindRejected, Code: "HTTP " + strconv.Itoa(status), Message: "SMSAPI refused the request"}
	case decodeErr != nil:
		// A 2xx that is not the JSON asked for: SMSAPI may or may not have taken the message, and
		// the retry's idx settles which.
		return Receipt{}, &Error{Kind: KindUnavailable, Retryable: true, Message: "SMSAPI's answer is not JSON", cause: decodeErr}
	case len(a.List) == 0:
		return Receipt{}, &Error{Kind: KindUnavailable, Retryable: true, Message: "SMSAPI's answer lists no message"}
	}
	item := a.List[0]
	if code, ok := errorCode(item.Error); ok {
		return refusal(code, item.Message)
	}
	if item.ID == "" {
		return Receipt{}, &Error{Kind: KindUnavailable, Retryable: true, Message: "SMSAPI's answer has no message id"}
	}
	return Receipt{ProviderID: item.ID, Parts: item.Parts, Status: item.Status}, nil
}

// errorCode reads an "error" member: a non-zero number, a numeric string, or another non-empty
// string (code -1).
func errorCode(raw json.RawMessage) (int, bool) {
	if len(raw) == 0 || string(raw) == "null" {
		return 0, false
	}
	var n json.Number
	if err := json.Unmarshal(raw, &n); err == nil {
		if i, err := n.Int64(); err == nil {
			return int(i), i != 0
		}
		return -1, true
	}
	var s string
	if err := json.Unmarshal(raw, &s); err == nil {
		if s == "" || s == "0" {
			return 0, false
		}
		if i, err := strconv.Atoi(s); err == nil {
			return i, true
		}
		return -1, true
	}
	return -1, true
}

func refusal(code int, message string) (Receipt, error) {
	if code == smsapiDuplicate {
		return Receipt{Duplicate: true, Status: "DUPLICATE"}, nil
	}
	if len(message) > 300 {
		message = strings.ToValidUTF8(message[:300], "")
	}
	c, ok := smsapiCodes[code]
	if !ok {
		c.kind = KindRejected
	}
	if message == "" {
		message = "SMSAPI refused the message"
	}
	return Receipt{}, &Error{Kind: c.kind, Retryable: c.retryable, Code: fmt.Sprint(code), Message: message}
}

// Profile is the account a token belongs to (GET <base>/profile, as smsapi-go's ProfileApi.Details):
// asking it proves SMSAPI accepts the token, before a business's token is stored. Points is the
// account's balance.
type Profile struct {
	Name     string  `json:"name"`
	Username string  `json:"username"`
	Points   float64 `json:"points"`
}

// Profile asks SMSAPI whose token c has. A refused token is KindCredentials; no answer is retryable.
func (c *SMSAPI) Profile(ctx context.Context) (Profile, error) {
	base := strings.TrimRight(c.BaseURL, "/")
	if base == "" {
		base = SMSAPIBaseURL
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, base+"/profile", nil)
	if err != nil {
		return Profile{}, &Error{Kind: KindRejected, Message: "bad SMSAPI base URL", cause: err}
	}
	req.Header.Set("Authorization", "Bearer "+c.Token)
	req.Header.Set("Accept", "application/json")
	httpc := c.HTTP
	if httpc == nil {
		httpc = DefaultHTTPClient
	}
	resp, err := httpc.Do(req)
	if err != nil {
		return Profile{}, &Error{Kind: KindUnavailable, Retryable: true, Message: "SMSAPI did not answer", cause: err}
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, maxAnswer))
	switch {
	case resp.StatusCode == http.StatusUnauthorized || resp.StatusCode == http.StatusForbidden:
		return Profile{}, &Error{Kind: KindCredentials, Code: "HTTP " + strconv.Itoa(resp.StatusCode), Message: "SMSAPI refused the token"}
	case resp.StatusCode != http.StatusOK:
		return Profile{}, &Error{Kind: KindUnavailable, Retryable: true, Code: "HTTP " + strconv.Itoa(resp.StatusCode), Message: "SMSAPI could not answer"}
	}
	var p Profile
	if err := json.Unmarshal(body, &p); err != nil {
		return Profile{}, &Error{Kind: KindUnavailable, Retryable: true, Message: "SMSAPI's profile is not JSON", cause: err}
	}
	return p, nil
}
