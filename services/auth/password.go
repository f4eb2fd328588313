// Package auth holds the parts of authentication that do not depend on storage: password hashing,
// access tokens, and the principal carried in a request's context.
package auth

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
	"sync/atomic"
	"unicode/utf8"

	"golang.org/x/crypto/argon2"

	"github.com/slotpay/slotpay/services/apperr"
)

// Argon2Params are argon2id's cost parameters. The defaults are OWASP's recommended minimum
// configuration for argon2id: m = 19 MiB, t = 2, p = 1.
type Argon2Params struct {
	Memory  uint32 // KiB
	Time    uint32
	Threads uint8
	SaltLen uint32
	KeyLen  uint32
}

// DefaultArgon2 is OWASP's argon2id recommendation.
var DefaultArgon2 = Argon2Params{Memory: 19 * 1024, Time: 2, Threads: 1, SaltLen: 16, KeyLen: 32}

// HashPassword returns a PHC-format argon2id hash: $argon2id$v=19$m=…,t=…,p=…$salt$hash. It waits
// for a place in the password pool (or for ctx to end).
func HashPassword(ctx context.Context, password string, p Argon2Params) (string, error) {
	salt := make([]byte, p.SaltLen)
	if _, err := rand.Read(salt); err != nil {
		return "", err
	}
	release, err := passwordPool.acquire(ctx)
	if err != nil {
		return "", err
	}
	key := argon2.IDKey([]byte(password), salt, p.Time, p.Memory, p.Threads, p.KeyLen)
	release()
	b64 := base64.RawStdEncoding
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s", argon2.Version, p.Memory, p.Time, p.Threads,
		b64.EncodeToString(salt), b64.EncodeToString(key)), nil
}

var errBadHash = errors.New("malformed password hash")

// passwordChecks counts argon2id verifications (a metric; tests use it to prove an unknown e-mail
// costs one verification, exactly like a wrong password).
var passwordChecks atomic.Int64

// PasswordChecks is the number of argon2id verifications this process has computed.
func PasswordChecks() int64 { return passwordChecks.Load() }

// VerifyPassword compares password with a PHC argon2id hash in constant time, using the hash's own
// parameters (so parameters can be raised without invalidating old hashes). It waits for a place in
// the password pool (or for ctx to end).
func VerifyPassword(ctx context.Context, password, encoded string) (bool, error) {
	parts := strings.Split(encoded, "$")
	if len(parts) != 6 || parts[1] != "argon2id" {
		return false, errBadHash
	}
	var version int
	if _, err := fmt.Sscanf(parts[2], "v=%d", &version); err != nil || version != argon2.Version {
		return false, errBadHash
	}
	var p Argon2Params
	if _, err := fmt.Sscanf(parts[3], "m=%d,t=%d,p=%d", &p.Memory, &p.Time, &p.Threads); err != nil {
		return false, errBadHash
	}
	b64 := base64.RawStdEncoding
	salt, err := b64.DecodeString(parts[4])
	if err != nil {
		return false, errBadHash
	}
	want, err := b64.DecodeString(parts[5])
	if err != nil || len(want) == 0 {
		return false, errBadHash
	}
	release, err := passwordPool.acquire(ctx)
	if err != nil {
		return false, err
	}
	passwordChecks.Add(1)
	got := argon2.IDKey([]byte(password), salt, p.Time, p.Memory, p.Threads, uint32(len(want)))
	release()
	return subtle.ConstantTimeCompare(got, want) == 1, nil
}

// commonPasswords is a short deny-list of the most used passwords that pass the length rule.
var commonPasswords = map[string]bool{
	"password123": true, "password1234": true, "1234567890": true, "qwertyuiop": true,
	"12345678910": true, "iloveyou123": true, "1q2w3e4r5t": true, "qwerty1234": true,
	"passwordpassword": true, "administrator": true, "0123456789": true, "abcdefghij": true,
	"zaq12wsxcde": true, "haslo12345": true, "slotpay123": true,
}

// CheckPasswordStrength enforces NIST-style rules: 10 to 128 characters, not a common password,
// not one repeated character, not the e-mail address.
func CheckPasswordStrength(password, email, field string) error {
	n := utf8.RuneCountInString(password)
	switch {
	case n < 10:
		return apperr.Input(field, apperr.TooShort, "password must be at least 10 characters long").With("min", 10)
	case n > 128:
		return apperr.Input(field, apperr.TooLong, "password must be at most 128 characters long").With("max", 128)
	case commonPasswords[strings.ToLower(password)]:
		return apperr.Input(field, apperr.NotAllowed, "password is too common")
	case strings.Count(password, string([]rune(password)[0])) == n:
		return apperr.Input(field, apperr.NotAllowed, "password must not be one repeated character")
	case email != "" && strings.EqualFold(password, email):
		return apperr.Input(field, apperr.NotAllowed, "password must not be the e-mail address")
	}
	return nil
}
