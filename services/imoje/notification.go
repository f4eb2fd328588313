package imoje

import (
	"bytes"
	"crypto/sha256"
	"crypto/sha512"
	"crypto/subtle"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"hash"
	"strings"
)

// SignatureHeader is X-Imoje-Signature: merchantid=…;serviceid=…;signature=…;alg=sha256.
type SignatureHeader struct {
	MerchantID string
	ServiceID  string
	Signature  []byte // decoded from hex
	Alg        string
}

// Errors of notification handling.
var (
	ErrMalformedSignature = errors.New("malformed X-Imoje-Signature header")
	ErrBadSignature       = errors.New("notification signature does not match")
	ErrMalformedBody      = errors.New("malformed notification body")
)

var hashes = map[string]func() hash.Hash{
	"sha224": sha256.New224, "sha256": sha256.New, "sha384": sha512.New384, "sha512": sha512.New,
}

// ParseSignatureHeader reads X-Imoje-Signature. Keys are case-insensitive and may come in any order;
// every one of merchantid, serviceid, signature and alg is required, each once.
func ParseSignatureHeader(h string) (SignatureHeader, error) {
	var out SignatureHeader
	seen := map[string]bool{}
	if len(h) > 1024 {
		return out, ErrMalformedSignature
	}
	for _, part := range strings.Split(h, ";") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		k, v, ok := strings.Cut(part, "=")
		k = strings.ToLower(strings.TrimSpace(k))
		v = strings.TrimSpace(v)
		if !ok || v == "" || seen[k] {
			return out, ErrMalformedSignature
		}
		seen[k] = true
		switch k {
		case "merchantid":
			out.MerchantID = v
		case "serviceid":
			out.ServiceID = v
		case "signature":
			sig, err := hex.DecodeString(v)
			if err != nil {
				return out, ErrMalformedSignature
			}
			out.Signature = sig
		case "alg":
			out.Alg = strings.ToLower(v)
		default:
			// Unknown keys are ignored: imoje may add some.
		}
	}
	newHash, ok := hashes[out.Alg]
	if out.MerchantID == "" || out.ServiceID == "" || !ok || len(out.Signature) != newHash().Size() {
		return out, ErrMalformedSignature
	}
	return out, nil
}

// Sign computes imoje's signature: lowercase hex of HASH(body + serviceKey). It is not an HMAC: the
// key is appended to the exact bytes of the body.
func Sign(body []byte, serviceKey, alg string) (string, error) {
	newHash, ok := hashes[strings.ToLower(alg)]
	if !ok {
		return "", fmt.Errorf("unknown signature algorithm %q", alg)
	}
	h := newHash()
	h.Write(body)
	h.Write([]byte(serviceKey))
	return hex.EncodeToString(h.Sum(nil)), nil
}

// Verify checks the signature over the raw body with the shop key, in constant time.
func (s SignatureHeader) Verify(body []byte, serviceKey string) error {
	want, err := Sign(body, serviceKey, s.Alg)
	if err != nil {
		return ErrMalformedSignature
	}
	raw, _ := hex.DecodeString(want)
	if subtle.ConstantTimeCompare(raw, s.Signature) != 1 {
		return ErrBadSignature
	}
	return nil
}

// Notification is imoje's notification body: any of transaction, payment and action.
type Notification struct {
	Transaction *Transaction `json:"transaction"`
	Payment     *Payment     `json:"payment"`
	Action      *Action      `json:"action"`
}

// ParseNotification decodes a notification body strictly enough to act on it: it must be one JSON
// object carrying a transaction or a payment with an id, a service id and a known status.
func ParseNotification(body []byte) (*Notification, error) {
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	var n Notification
	if err := dec.Decode(&n); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrMalformedBody, err)
	}
	if dec.More() {
		return nil, fmt.Errorf("%w: trailing data", ErrMalformedBody)
	}
	switch {
	case n.Transaction != nil:
		t := n.Transaction
		if t.ID == "" || t.ServiceID == "" || !KnownStatus(t.Status) || (t.Type != "sale" && t.Type != "refund") || t.Amount <= 0 || t.Currency == "" {
			return nil, fmt.Errorf("%w: incomplete transaction", ErrMalformedBody)
		}
	case n.Payment != nil:
		p := n.Payment
		if p.ID == "" || p.ServiceID == "" || p.Status == "" {
			return nil, fmt.Errorf("%w: incomplete payment", ErrMalformedBody)
		}
	default:
		return nil, fmt.Errorf("%w: neither transaction nor payment", ErrMalformedBody)
	}
	return &n, nil
}

// imoje's transaction statuses.
const (
	StatusNew        = "new"
	StatusPending    = "pending"
	StatusAuthorized = "authorized"
	StatusSubmitted  = "submitted_for_settlement"
	StatusSettled    = "settled"
	StatusRejected   = "rejected"
	StatusCancelled  = "cancelled"
	StatusError      = "error"
)

// KnownStatus reports a status imoje documents.
func KnownStatus(s string) bool {
	switch s {
	case StatusNew, StatusPending, StatusAuthorized, StatusSubmitted, StatusSettled, StatusRejected, StatusCancelled, StatusError:
		return true
	}
	return false
}

// Final reports a status that never changes again.
func Final(s string) bool {
	return s == StatusSettled || s == StatusRejected || s == StatusCancelled || s == StatusError
}
