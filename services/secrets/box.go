// Package secrets encrypts tenants' stored secrets (imoje tokens and shop keys) with AES-256-GCM.
// Each sealed value names the key that sealed it, so keys rotate: the first configured key seals,
// every configured key opens. The tenant and the field are bound in as associated data, so a value
// copied to another tenant's row, or to another column, does not open.
package secrets

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"

	"github.com/google/uuid"

	"github.com/slotpay/slotpay/services/config"
)

// ErrCannotOpen hides why a value did not open (wrong key, tampering, wrong tenant or field).
var ErrCannotOpen = errors.New("secret cannot be decrypted")

// Box seals and opens secrets.
type Box struct {
	keys []config.Key
	aead map[string]cipher.AEAD
}

// NewBox builds a box; every key must be 32 bytes (AES-256).
func NewBox(keys []config.Key) (*Box, error) {
	if len(keys) == 0 {
		return nil, errors.New("no credential encryption key")
	}
	b := &Box{keys: keys, aead: map[string]cipher.AEAD{}}
	for _, k := range keys {
		if len(k.Secret) != 32 {
			return nil, fmt.Errorf("credential key %q must be exactly 32 bytes", k.ID)
		}
		if strings.ContainsAny(k.ID, ":") {
			return nil, fmt.Errorf("credential key id %q must not contain ':'", k.ID)
		}
		block, err := aes.NewCipher(k.Secret)
		if err != nil {
			return nil, err
		}
		gcm, err := cipher.NewGCM(block)
		if err != nil {
			return nil, err
		}
		b.aead[k.ID] = gcm
	}
	return b, nil
}

func associatedData(tenantID uuid.UUID, field string) []byte {
	return []byte("slotpay/v1/" + tenantID.String() + "/" + field)
}

// Seal encrypts plaintext for one tenant's field: "v1:<kid>:<base64(nonce||ciphertext)>".
func (b *Box) Seal(tenantID uuid.UUID, field, plaintext string) (string, error) {
	k := b.keys[0]
	gcm := b.aead[k.ID]
	nonce := make([]byte, gcm.NonceSize(), gcm.NonceSize()+len(plaintext)+gcm.Overhead())
	if _, err := rand.Read(nonce); err != nil {
		return "", err
	}
	sealed := gcm.Seal(nonce, nonce, []byte(plaintext), associatedData(tenantID, field))
	return "v1:" + k.ID + ":" + base64.RawStdEncoding.EncodeToString(sealed), nil
}

// Open decrypts a value sealed for the same tenant and field by any configured key.
func (b *Box) Open(tenantID uuid.UUID, field, sealed string) (string, error) {
	parts := strings.SplitN(sealed, ":", 3)
	if len(parts) != 3 || parts[0] != "v1" {
		return "", ErrCannotOpen
	}
	gcm, ok := b.aead[parts[1]]
	if !ok {
		return "", fmt.Errorf("%w: key %q is not configured", ErrCannotOpen, parts[1])
	}
	raw, err := base64.RawStdEncoding.DecodeString(parts[2])
	if err != nil || len(raw) < gcm.NonceSize()+gcm.Overhead() {
		return "", ErrCannotOpen
	}
	plain, err := gcm.Open(nil, raw[:gcm.NonceSize()], raw[gcm.NonceSize():], associatedData(tenantID, field))
	if err != nil {
		return "", ErrCannotOpen
	}
	return string(plain), nil
}

// KeyID is the key a sealed value names (for re-encryption after rotation).
func KeyID(sealed string) string {
	parts := strings.SplitN(sealed, ":", 3)
	if len(parts) != 3 {
		return ""
	}
	return parts[1]
}

// Hint is what the API may show of a secret: its last four characters.
func Hint(secret string) string {
	r := []rune(secret)
	if len(r) <= 4 {
		return strings.Repeat("•", len(r))
	}
	return "••••" + string(r[len(r)-4:])
}
