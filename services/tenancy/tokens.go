package tenancy

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"strings"

	"github.com/google/uuid"
)

// Opaque tokens (refresh tokens, invitation tokens) carry their tenant in the clear so the row can be
// found under row-level security, plus 32 random bytes; only the SHA-256 of the whole token is stored.
//
//	<prefix>_<base64url(tenant uuid[16] || secret[32])>
func newOpaqueToken(prefix string, tenantID uuid.UUID) (token string, hash []byte) {
	buf := make([]byte, 48)
	copy(buf, tenantID[:])
	if _, err := rand.Read(buf[16:]); err != nil {
		panic(err) // crypto/rand never fails on supported platforms
	}
	token = prefix + "_" + base64.RawURLEncoding.EncodeToString(buf)
	return token, hashToken(token)
}

// parseOpaqueToken returns the tenant a token names; ok is false for anything malformed.
func parseOpaqueToken(prefix, token string) (tenantID uuid.UUID, hash []byte, ok bool) {
	rest, found := strings.CutPrefix(token, prefix+"_")
	if !found || len(rest) != 64 {
		return uuid.Nil, nil, false
	}
	buf, err := base64.RawURLEncoding.DecodeString(rest)
	if err != nil || len(buf) != 48 {
		return uuid.Nil, nil, false
	}
	copy(tenantID[:], buf[:16])
	return tenantID, hashToken(token), true
}

func hashToken(token string) []byte {
	sum := sha256.Sum256([]byte(token))
	return sum[:]
}
