package auth

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/google/uuid"

	"github.com/slotpay/slotpay/services/config"
)

var (
	key1 = config.Key{ID: "k1", Secret: []byte("0123456789abcdef0123456789abcdef")}
	key2 = config.Key{ID: "k2", Secret: []byte("fedcba9876543210fedcba9876543210")}
)

func newTokens(t *testing.T, now func() time.Time, keys ...config.Key) *Tokens {
	t.Helper()
	if len(keys) == 0 {
		keys = []config.Key{key1}
	}
	tk, err := NewTokens("slotpay", keys, 15*time.Minute, now)
	if err != nil {
		t.Fatal(err)
	}
	return tk
}

func signWith(t *testing.T, method jwt.SigningMethod, key any, kid string, claims jwt.Claims) string {
	t.Helper()
	tok := jwt.NewWithClaims(method, claims)
	if kid != "" {
		tok.Header["kid"] = kid
	}
	s, err := tok.SignedString(key)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func validClaims(now time.Time) Claims {
	return Claims{
		RegisteredClaims: jwt.RegisteredClaims{
			Issuer: "slotpay", Subject: uuid.NewString(), Audience: jwt.ClaimStrings{AudienceStaff},
			ExpiresAt: jwt.NewNumericDate(now.Add(10 * time.Minute)), IssuedAt: jwt.NewNumericDate(now),
			NotBefore: jwt.NewNumericDate(now),
		},
		TenantID: uuid.NewString(), Role: RoleAdmin,
	}
}

func TestIssueAndVerifyStaff(t *testing.T) {
	t.Parallel()
	tk := newTokens(t, nil)
	user, tenant := uuid.New(), uuid.New()
	raw, exp, err := tk.IssueStaff(user, tenant, RoleStaff)
	if err != nil {
		t.Fatal(err)
	}
	if d := time.Until(exp); d < 14*time.Minute || d > 15*time.Minute {
		t.Fatalf("lifetime %v, want about 15 minutes", d)
	}
	p, err := tk.Verify(raw)
	if err != nil {
		t.Fatal(err)
	}
	if p.Kind != KindStaff || p.UserID != user || p.TenantID != tenant || p.Role != RoleStaff {
		t.Fatalf("principal %+v", p)
	}
	parsed, _, _ := jwt.NewParser().ParseUnverified(raw, &Claims{})
	if parsed.Header["kid"] != "k1" || parsed.Header["alg"] != "HS256" {
		t.Fatalf("header %v", parsed.Header)
	}
}

func TestIssueAndVerifyCustomer(t *testing.T) {
	t.Parallel()
	tk := newTokens(t, nil)
	tenant, res := uuid.New(), uuid.New()
	raw, err := tk.IssueCustomer(tenant, res, time.Now().Add(48*time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	p, err := tk.Verify(raw)
	if err != nil {
		t.Fatal(err)
	}
	if p.Kind != KindCustomer || p.ReservationID != res || p.TenantID != tenant || p.IsStaff() {
		t.Fatalf("principal %+v", p)
	}
}

func TestVerifyRejects(t *testing.T) {
	t.Parallel()
	now := time.Now()
	tk := newTokens(t, func() time.Time { return now })
	ecKey, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	cases := map[string]func() string{
		"expired": func() string {
			c := validClaims(now.Add(-time.Hour))
			return signWith(t, jwt.SigningMethodHS256, key1.Secret, "k1", c)
		},
		"missing exp": func() string {
			c := validClaims(now)
			c.ExpiresAt = nil
			return signWith(t, jwt.SigningMethodHS256, key1.Secret, "k1", c)
		},
		"not yet valid": func() string {
			c := validClaims(now)
			c.NotBefore = jwt.NewNumericDate(now.Add(time.Hour))
			return signWith(t, jwt.SigningMethodHS256, key1.Secret, "k1", c)
		},
		"issued in the future": func() string {
			c := validClaims(now)
			c.IssuedAt = jwt.NewNumericDate(now.Add(time.Hour))
			return signWith(t, jwt.SigningMethodHS256, key1.Secret, "k1", c)
		},
		"forged signature": func() string {
			c := validClaims(now)
			return signWith(t, jwt.SigningMethodHS256, []byte("not-the-real-key-not-the-real-key"), "k1", c)
		},
		"tampered payload": func() string {
			raw := signWith(t, jwt.SigningMethodHS256, key1.Secret, "k1", validClaims(now))
			parts := strings.Split(raw, ".")
			other := strings.Split(signWith(t, jwt.SigningMethodHS256, key1.Secret, "k1", func() Claims {
				c := validClaims(now)
				c.Role = RoleOwner
				return c
			}()), ".")
			return parts[0] + "." + other[1] + "." + parts[2]
		},
		"wrong algorithm HS512": func() string {
			return signWith(t, jwt.SigningMethodHS512, key1.Secret, "k1", validClaims(now))
		},
		"wrong algorithm ES256": func() string {
			return signWith(t, jwt.SigningMethodES256, ecKey, "k1", validClaims(now))
		},
		"alg none": func() string {
			return signWith(t, jwt.SigningMethodNone, jwt.UnsafeAllowNoneSignatureType, "k1", validClaims(now))
		},
		"wrong audience": func() string {
			c := validClaims(now)
			c.Audience = jwt.ClaimStrings{"someone-else"}
			return signWith(t, jwt.SigningMethodHS256, key1.Secret, "k1", c)
		},
		"two audiences": func() string {
			c := validClaims(now)
			c.Audience = jwt.ClaimStrings{AudienceStaff, AudienceCustomer}
			return signWith(t, jwt.SigningMethodHS256, key1.Secret, "k1", c)
		},
		"wrong issuer": func() string {
			c := validClaims(now)
			c.Issuer = "evil"
			return signWith(t, jwt.SigningMethodHS256, key1.Secret, "k1", c)
		},
		"unknown kid": func() string {
			return signWith(t, jwt.SigningMethodHS256, key1.Secret, "k9", validClaims(now))
		},
		"no kid": func() string {
			return signWith(t, jwt.SigningMethodHS256, key1.Secret, "", validClaims(now))
		},
		"bad role": func() string {
			c := validClaims(now)
			c.Role = "GOD"
			return signWith(t, jwt.SigningMethodHS256, key1.Secret, "k1", c)
		},
		"bad tenant": func() string {
			c := validClaims(now)
			c.TenantID = "x"
			return signWith(t, jwt.SigningMethodHS256, key1.Secret, "k1", c)
		},
		"garbage": func() string { return "not.a.jwt" },
		"empty":   func() string { return "" },
	}
	for name, make := range cases {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			if p, err := tk.Verify(make()); err == nil {
				t.Fatalf("accepted: %+v", p)
			} else if !strings.Contains(err.Error(), "invalid or expired token") {
				t.Fatalf("error %v does not say the token is invalid", err)
			}
		})
	}
}

func TestKeyRotation(t *testing.T) {
	t.Parallel()
	old := newTokens(t, nil, key1)
	raw, _, err := old.IssueStaff(uuid.New(), uuid.New(), RoleOwner)
	if err != nil {
		t.Fatal(err)
	}
	rotated := newTokens(t, nil, key2, key1) // k2 signs, k1 still verifies
	if _, err := rotated.Verify(raw); err != nil {
		t.Fatalf("old key no longer verifies during rotation: %v", err)
	}
	fresh, _, _ := rotated.IssueStaff(uuid.New(), uuid.New(), RoleOwner)
	parsed, _, _ := jwt.NewParser().ParseUnverified(fresh, &Claims{})
	if parsed.Header["kid"] != "k2" {
		t.Fatalf("new tokens signed with %v, want k2", parsed.Header["kid"])
	}
	retired := newTokens(t, nil, key2) // k1 retired
	if _, err := retired.Verify(raw); err == nil {
		t.Fatal("token of a retired key accepted")
	}
}

func FuzzVerify(f *testing.F) {
	tk, _ := NewTokens("slotpay", []config.Key{key1}, time.Minute, nil)
	good, _, _ := tk.IssueStaff(uuid.New(), uuid.New(), RoleStaff)
	f.Add(good)
	f.Add("eyJhbGciOiJub25lIn0.e30.")
	f.Add("a.b.c")
	f.Fuzz(func(t *testing.T, raw string) {
		p, err := tk.Verify(raw)
		if err == nil && raw != good {
			// Only a token signed with the key can verify; a fuzzer cannot forge HMAC-SHA256.
			t.Fatalf("accepted a token that was not issued: %q → %+v", raw, p)
		}
	})
}
