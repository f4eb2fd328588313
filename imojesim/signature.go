package imojesim

import (
	"crypto/sha256"
	"crypto/sha512"
	"crypto/subtle"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"sort"
	"strings"
)

// SignatureHeaderName is the header imoje puts its notification signature in.
const SignatureHeaderName = "X-Imoje-Signature"

// ErrBadSignature is returned by VerifyNotification when the signature does not match.
var ErrBadSignature = errors.New("imoje signature mismatch")

func newHash(alg string) (hash.Hash, error) {
	switch alg {
	case "sha224":
		return sha256.New224(), nil
	case "sha256":
		return sha256.New(), nil
	case "sha384":
		return sha512.New384(), nil
	case "sha512":
		return sha512.New(), nil
	}
	return nil, fmt.Errorf("unsupported signature algorithm %q", alg)
}

// Sign computes imoje's notification signature: lowercase hex of HASH_alg(body + serviceKey).
// imoje simply appends the key to the raw body bytes; it is not an HMAC, and it is computed
// over the exact bytes sent, so a re-encoded body does not verify.
func Sign(body []byte, serviceKey, alg string) (string, error) {
	h, err := newHash(alg)
	if err != nil {
		return "", err
	}
	h.Write(body)
	h.Write([]byte(serviceKey))
	return hex.EncodeToString(h.Sum(nil)), nil
}

// SignatureHeader is the parsed value of X-Imoje-Signature:
// merchantid={merchantId};serviceid={serviceId};signature={hex};alg={alg}.
type SignatureHeader struct {
	MerchantID string
	ServiceID  string
	Signature  string
	Alg        string
}

// String formats the header value exactly as imoje sends it.
func (h SignatureHeader) String() string {
	return "merchantid=" + h.MerchantID + ";serviceid=" + h.ServiceID + ";signature=" + h.Signature + ";alg=" + h.Alg
}

// ParseSignatureHeader parses an X-Imoje-Signature value. Keys are matched case-insensitively,
// their order does not matter, and all four must be present exactly once.
func ParseSignatureHeader(value string) (SignatureHeader, error) {
	var h SignatureHeader
	seen := map[string]bool{}
	for part := range strings.SplitSeq(strings.TrimSpace(value), ";") {
		key, val, ok := strings.Cut(strings.TrimSpace(part), "=")
		if !ok {
			return SignatureHeader{}, fmt.Errorf("signature header: malformed part %q", part)
		}
		key = strings.ToLower(strings.TrimSpace(key))
		val = strings.TrimSpace(val)
		if seen[key] {
			return SignatureHeader{}, fmt.Errorf("signature header: duplicate %q", key)
		}
		seen[key] = true
		switch key {
		case "merchantid":
			h.MerchantID = val
		case "serviceid":
			h.ServiceID = val
		case "signature":
			h.Signature = strings.ToLower(val)
		case "alg":
			h.Alg = strings.ToLower(val)
		default:
			return SignatureHeader{}, fmt.Errorf("signature header: unknown key %q", key)
		}
	}
	if h.MerchantID == "" || h.ServiceID == "" || h.Signature == "" || h.Alg == "" {
		return SignatureHeader{}, errors.New("signature header: merchantid, serviceid, signature and alg are all required")
	}
	if _, err := newHash(h.Alg); err != nil {
		return SignatureHeader{}, fmt.Errorf("signature header: %w", err)
	}
	if _, err := hex.DecodeString(h.Signature); err != nil {
		return SignatureHeader{}, fmt.Errorf("signature header: signature is not hex: %w", err)
	}
	return h, nil
}

// VerifyNotification checks an X-Imoje-Signature header value against the raw body and the
// shop's service key, in constant time. It returns the parsed header so the caller can also check
// that merchantid/serviceid belong to the shop whose key it used.
func VerifyNotification(body []byte, headerValue, serviceKey string) (SignatureHeader, error) {
	h, err := ParseSignatureHeader(headerValue)
	if err != nil {
		return SignatureHeader{}, err
	}
	want, err := Sign(body, serviceKey, h.Alg)
	if err != nil {
		return SignatureHeader{}, err
	}
	if subtle.ConstantTimeCompare([]byte(want), []byte(h.Signature)) != 1 {
		return h, ErrBadSignature
	}
	return h, nil
}

// FormSignature signs the fields of a browser form posted to imoje's paywall (README §7):
// all fields except "signature", nested maps flattened as parent[child], sorted by name,
// joined as name=value with "&" and no URL-encoding; hex(sha256(joined + serviceKey)) + ";sha256".
// Values may be strings, numbers, booleans or nested map[string]any / map[string]string.
func FormSignature(fields map[string]any, serviceKey string) string {
	flat := map[string]string{}
	flattenFormFields("", fields, flat)
	delete(flat, "signature")
	names := make([]string, 0, len(flat))
	for name := range flat {
		names = append(names, name)
	}
	sort.Strings(names)
	var b strings.Builder
	for i, name := range names {
		if i > 0 {
			b.WriteByte('&')
		}
		b.WriteString(name)
		b.WriteByte('=')
		b.WriteString(flat[name])
	}
	sum := sha256.Sum256([]byte(b.String() + serviceKey))
	return hex.EncodeToString(sum[:]) + ";sha256"
}

func flattenFormFields(prefix string, fields map[string]any, out map[string]string) {
	for name, value := range fields {
		key := name
		if prefix != "" {
			key = prefix + "[" + name + "]"
		}
		switch v := value.(type) {
		case map[string]any:
			flattenFormFields(key, v, out)
		case map[string]string:
			nested := make(map[string]any, len(v))
			for k, s := range v {
				nested[k] = s
			}
			flattenFormFields(key, nested, out)
		case nil:
			out[key] = ""
		default:
			out[key] = fmt.Sprint(v)
		}
	}
}
