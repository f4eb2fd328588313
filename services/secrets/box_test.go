package secrets

import (
	"errors"
	"strings"
	"testing"

	"github.com/google/uuid"

	"github.com/slotpay/slotpay/services/config"
)

func key(id string, fill byte) config.Key {
	return config.Key{ID: id, Secret: []byte(strings.Repeat(string(fill), 32))}
}

func TestSealOpenRotateAndBind(t *testing.T) {
	t.Parallel()
	old, _ := NewBox([]config.Key{key("k1", 'a')})
	tenant := uuid.New()
	sealed, err := old.Seal(tenant, "imoje.token", "super-secret-token-1234")
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(sealed, "super-secret") || !strings.HasPrefix(sealed, "v1:k1:") {
		t.Fatalf("sealed %q", sealed)
	}
	again, _ := old.Seal(tenant, "imoje.token", "super-secret-token-1234")
	if again == sealed {
		t.Fatal("two seals are equal: nonce reused")
	}
	if got, err := old.Open(tenant, "imoje.token", sealed); err != nil || got != "super-secret-token-1234" {
		t.Fatalf("%q %v", got, err)
	}
	// Rotation: k2 seals, k1 still opens.
	rotated, _ := NewBox([]config.Key{key("k2", 'b'), key("k1", 'a')})
	if got, err := rotated.Open(tenant, "imoje.token", sealed); err != nil || got != "super-secret-token-1234" {
		t.Fatalf("rotated box cannot open old value: %v", err)
	}
	fresh, _ := rotated.Seal(tenant, "imoje.token", "x")
	if KeyID(fresh) != "k2" {
		t.Fatalf("new values sealed with %q", KeyID(fresh))
	}
	// Bound to tenant and field; tampering and retired keys fail.
	tampered := sealed[:len(sealed)-2] + "AA"
	retired, _ := NewBox([]config.Key{key("k2", 'b')})
	for name, open := range map[string]func() error{
		"other tenant": func() error { _, err := old.Open(uuid.New(), "imoje.token", sealed); return err },
		"other field":  func() error { _, err := old.Open(tenant, "imoje.serviceKey", sealed); return err },
		"tampered":     func() error { _, err := old.Open(tenant, "imoje.token", tampered); return err },
		"retired key":  func() error { _, err := retired.Open(tenant, "imoje.token", sealed); return err },
		"garbage":      func() error { _, err := old.Open(tenant, "imoje.token", "v1:k1:!!"); return err },
	} {
		if err := open(); !errors.Is(err, ErrCannotOpen) {
			t.Errorf("%s: %v", name, err)
		}
	}
	if _, err := NewBox([]config.Key{{ID: "short", Secret: []byte("x")}}); err == nil {
		t.Fatal("short key accepted")
	}
}

func TestHint(t *testing.T) {
	t.Parallel()
	if Hint("PIcMy86ssE5wuNHAuQn5zPKf6hCAwX3Oxvjw") != "••••Oxvjw"[0:len("••••")]+"xvjw" {
		t.Fatalf("%q", Hint("PIcMy86ssE5wuNHAuQn5zPKf6hCAwX3Oxvjw"))
	}
	if Hint("abc") != "•••" {
		t.Fatalf("%q", Hint("abc"))
	}
}
