package graphiql_test

import (
	"bufio"
	"crypto/sha256"
	"encoding/hex"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"

	"github.com/slotpay/slotpay/services/web/graphiql"
)

// The embedded bundles are exactly the ones update-assets.sh copied from the pinned npm versions.
func TestAssetsMatchChecksums(t *testing.T) {
	t.Parallel()
	sums, err := fs.ReadFile(graphiql.Assets, "SHA256SUMS")
	if err != nil {
		t.Fatal(err)
	}
	sc := bufio.NewScanner(strings.NewReader(string(sums)))
	n := 0
	for sc.Scan() {
		want, name, ok := strings.Cut(sc.Text(), "  ")
		if !ok {
			t.Fatalf("malformed line %q", sc.Text())
		}
		b, err := fs.ReadFile(graphiql.Assets, name)
		if err != nil {
			t.Fatal(err)
		}
		got := sha256.Sum256(b)
		if hex.EncodeToString(got[:]) != want {
			t.Errorf("%s differs from SHA256SUMS: rerun update-assets.sh", name)
		}
		n++
	}
	if n != 5 {
		t.Fatalf("SHA256SUMS lists %d bundles, want graphiql js+css, react, react-dom, graphql-ws", n)
	}
}

// Everything the page refers to is served by the binary itself, with the page's policy.
func TestPageLoadsOnlyEmbeddedFiles(t *testing.T) {
	t.Parallel()
	mux := http.NewServeMux()
	graphiql.Mount(mux)
	page := get(t, mux, "/", "text/html")
	refs := regexp.MustCompile(`(?:src|href)="(/[^"]*)"`).FindAllStringSubmatch(page, -1)
	if len(refs) != 7 {
		t.Fatalf("the page refers to %d files, want 7: %q", len(refs), refs)
	}
	for _, m := range refs {
		if !strings.HasPrefix(m[1], graphiql.AssetsPrefix) {
			t.Fatalf("%s is not served by the binary", m[1])
		}
		get(t, mux, m[1], "")
	}
	if n := strings.Count(page, `href="`) + strings.Count(page, `src="`); n != len(refs)+1 || !strings.Contains(page, `href="data:,"`) {
		t.Fatalf("the page refers to something beyond its files and the empty icon")
	}
	if strings.Contains(page, "<script>") || strings.Contains(page, "style=") {
		t.Fatal("inline script or style on the page")
	}
}

func get(t *testing.T, h http.Handler, path, contentType string) string {
	t.Helper()
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("GET", path, nil))
	if rec.Code != 200 {
		t.Fatalf("GET %s: %d", path, rec.Code)
	}
	if csp := rec.Header().Get("Content-Security-Policy"); csp != graphiql.ContentSecurityPolicy {
		t.Fatalf("GET %s: Content-Security-Policy %q", path, csp)
	}
	if !strings.HasPrefix(rec.Header().Get("Content-Type"), contentType) {
		t.Fatalf("GET %s: Content-Type %q", path, rec.Header().Get("Content-Type"))
	}
	return rec.Body.String()
}
