package config_test

import (
	"crypto/sha256"
	"encoding/hex"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/slotpay/slotpay/services/config"
)

func sha(q string) string { s := sha256.Sum256([]byte(q)); return hex.EncodeToString(s[:]) }

func TestPersistedQueries(t *testing.T) {
	t.Parallel()
	const q = "{ health { status } }"
	for _, c := range []struct {
		name, data, wantErr string
	}{
		{"one operation", `{"` + sha(q) + `": "` + q + `"}`, ""},
		{"empty", `{}`, ""},
		{"hash of another text", `{"` + sha("{ x }") + `": "` + q + `"}`, "is not the SHA-256"},
		{"uppercase hash", `{"` + strings.ToUpper(sha(q)) + `": "` + q + `"}`, "is not the SHA-256"},
		{"Apollo manifest", `{"format":"apollo-persisted-query-manifest","version":1,"operations":[{"id":"` + sha(q) + `","name":"H","type":"query","body":"` + q + `"}]}`, ""},
		{"Apollo manifest with a wrong id", `{"format":"apollo-persisted-query-manifest","version":1,"operations":[{"id":"` + sha("{ x }") + `","body":"` + q + `"}]}`, "is not the SHA-256"},
		{"Apollo manifest of another version", `{"format":"apollo-persisted-query-manifest","version":2,"operations":[]}`, "persisted query manifest"},
		{"not an object", `["` + q + `"]`, "neither a JSON object"},
		{"not JSON", `{`, "neither a JSON object"},
	} {
		t.Run(c.name, func(t *testing.T) {
			ops, err := config.PersistedQueries([]byte(c.data))
			switch {
			case c.wantErr == "" && err != nil:
				t.Fatalf("refused: %v", err)
			case c.wantErr != "" && (err == nil || !strings.Contains(err.Error(), c.wantErr)):
				t.Fatalf("error %v, want one saying %q", err, c.wantErr)
			case c.wantErr == "" && (c.name == "one operation" || c.name == "Apollo manifest") && ops[sha(q)] != q:
				t.Fatalf("operations %v", ops)
			}
		})
	}
}

func TestPersistedQueriesSettings(t *testing.T) {
	t.Parallel()
	const q = "{ health { status } }"
	file := filepath.Join(t.TempDir(), "ops.json")
	if err := os.WriteFile(file, []byte(`{"`+sha(q)+`": "`+q+`"}`), 0o600); err != nil {
		t.Fatal(err)
	}
	c, err := config.Load(production(map[string]string{"SLOTPAY_PERSISTED_QUERIES_ONLY": "true", "SLOTPAY_PERSISTED_QUERIES_FILE": file}))
	if err != nil {
		t.Fatal(err)
	}
	if !c.PersistedQueriesOnly || c.PersistedQueries[sha(q)] != q {
		t.Fatalf("only %v, operations %v", c.PersistedQueriesOnly, c.PersistedQueries)
	}
	for name, env := range map[string]map[string]string{
		"only without a file":   {"SLOTPAY_PERSISTED_QUERIES_ONLY": "true"},
		"only not a boolean":    {"SLOTPAY_PERSISTED_QUERIES_ONLY": "yes", "SLOTPAY_PERSISTED_QUERIES_FILE": file},
		"a file that is absent": {"SLOTPAY_PERSISTED_QUERIES_FILE": filepath.Join(t.TempDir(), "none.json")},
	} {
		if _, err := config.Load(production(env)); err == nil || !strings.Contains(err.Error(), "SLOTPAY_PERSISTED_QUERIES_") {
			t.Errorf("%s: error %v, want one naming SLOTPAY_PERSISTED_QUERIES_*", name, err)
		}
	}
}
