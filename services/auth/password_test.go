package auth

import (
	"context"
	"strings"
	"testing"
)

var cheap = Argon2Params{Memory: 64, Time: 1, Threads: 1, SaltLen: 16, KeyLen: 32}

func TestPasswordHashAndVerify(t *testing.T) {
	t.Parallel()
	h, err := HashPassword(context.Background(), "correct horse battery", DefaultArgon2)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(h, "$argon2id$v=19$m=19456,t=2,p=1$") {
		t.Fatalf("hash %q does not use OWASP's argon2id parameters", h)
	}
	if ok, err := VerifyPassword(context.Background(), "correct horse battery", h); !ok || err != nil {
		t.Fatalf("right password refused: %v", err)
	}
	if ok, _ := VerifyPassword(context.Background(), "correct horse batterY", h); ok {
		t.Fatal("wrong password accepted")
	}
	h2, _ := HashPassword(context.Background(), "correct horse battery", DefaultArgon2)
	if h == h2 {
		t.Fatal("two hashes of one password are equal: salt missing")
	}
}

func TestVerifyMalformedHash(t *testing.T) {
	t.Parallel()
	for _, h := range []string{"", "plain", "$argon2i$v=19$m=1,t=1,p=1$c2FsdA$aGFzaA", "$argon2id$v=18$m=1,t=1,p=1$c2FsdA$aGFzaA", "$argon2id$v=19$m=x$c2FsdA$aGFzaA", "$argon2id$v=19$m=64,t=1,p=1$!!$aGFzaA", "$argon2id$v=19$m=64,t=1,p=1$c2FsdA$"} {
		if ok, err := VerifyPassword(context.Background(), "x", h); ok || err == nil {
			t.Errorf("%q: ok=%v err=%v", h, ok, err)
		}
	}
}

func TestPasswordStrength(t *testing.T) {
	t.Parallel()
	cases := []struct {
		pw, email string
		ok        bool
	}{
		{"short", "", false},
		{"password123", "", false},
		{"aaaaaaaaaaaa", "", false},
		{"ala@example.com", "ala@example.com", false},
		{strings.Repeat("ab", 65), "", false},
		{"correct horse battery", "ala@example.com", true},
		{"zażółć gęślą", "", true},
	}
	for _, c := range cases {
		err := CheckPasswordStrength(c.pw, c.email, "input.password")
		if (err == nil) != c.ok {
			t.Errorf("%q: err=%v, want ok=%v", c.pw, err, c.ok)
		}
	}
}

func FuzzVerifyPassword(f *testing.F) {
	h, _ := HashPassword(context.Background(), "pw", cheap)
	f.Add("pw", h)
	f.Add("x", "$argon2id$v=19$m=1,t=1,p=1$$")
	f.Fuzz(func(t *testing.T, pw, encoded string) {
		if strings.Contains(encoded, "m=") && len(encoded) > 0 {
			// Keep the fuzzer from asking argon2 for gigabytes: parameters come from our own hashes.
			if !strings.HasPrefix(encoded, "$argon2id$v=19$m=64,t=1,p=1$") {
				return
			}
		}
		_, _ = VerifyPassword(context.Background(), pw, encoded)
	})
}
