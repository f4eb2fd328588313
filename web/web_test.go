package web_test

import (
	"bufio"
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"

	"github.com/slotpay/slotpay/web"
)

func mux() *http.ServeMux {
	m := http.NewServeMux()
	web.Mount(m)
	return m
}

func get(t *testing.T, h http.Handler, path string, header ...string) *httptest.ResponseRecorder {
	t.Helper()
	req := httptest.NewRequest("GET", path, nil)
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec
}

// Each route answers with its content type, caching and policy: pages revalidate, hashed assets
// are immutable, embed.js is shared with every site for five minutes; only the widget may be framed.
func TestRoutesHeaders(t *testing.T) {
	t.Parallel()
	m := mux()
	asset := web.AssetsPrefix + web.Hash + "/"
	cases := []struct {
		path, ctype, cache, policy string
		framable                   bool
	}{
		{"/b/demo", "text/html; charset=utf-8", "no-cache", web.WidgetPolicy, true},
		{"/b/demo/r/3f0c1e9a-8d1b-4c6e-9f3a-2b7d5e4c1a90", "text/html; charset=utf-8", "no-cache", web.WidgetPolicy, true},
		{"/b/embed.js", "text/javascript; charset=utf-8", "public, max-age=300", web.WidgetPolicy, true},
		{"/panel/", "text/html; charset=utf-8", "no-cache", web.PanelPolicy, false},
		{"/panel/agenda/today", "text/html; charset=utf-8", "no-cache", web.PanelPolicy, false},
		{asset + "widget/app.js", "text/javascript; charset=utf-8", "public, max-age=31536000, immutable", web.PanelPolicy, false},
		{asset + "vendor/preact.mjs", "text/javascript; charset=utf-8", "public, max-age=31536000, immutable", web.PanelPolicy, false},
		{asset + "shared/base.css", "text/css; charset=utf-8", "public, max-age=31536000, immutable", web.PanelPolicy, false},
		// Another build's hash: this build's file, but not cached under that name.
		{web.AssetsPrefix + "0123456789ab/widget/app.js", "text/javascript; charset=utf-8", "no-cache", web.PanelPolicy, false},
	}
	for _, c := range cases {
		rec := get(t, m, c.path)
		if rec.Code != 200 {
			t.Fatalf("GET %s: %d", c.path, rec.Code)
		}
		h := rec.Header()
		if h.Get("Content-Type") != c.ctype || h.Get("Cache-Control") != c.cache || h.Get("Content-Security-Policy") != c.policy {
			t.Errorf("GET %s: Content-Type %q, Cache-Control %q, CSP %q", c.path, h.Get("Content-Type"), h.Get("Cache-Control"), h.Get("Content-Security-Policy"))
		}
		if h.Get("X-Content-Type-Options") != "nosniff" || h.Get("ETag") == "" {
			t.Errorf("GET %s: nosniff %q, ETag %q", c.path, h.Get("X-Content-Type-Options"), h.Get("ETag"))
		}
		if strings.Contains(c.policy, "frame-ancestors *") != c.framable {
			t.Errorf("GET %s: framable should be %v", c.path, c.framable)
		}
	}
	if rec := get(t, m, "/panel/"); rec.Header().Get("X-Frame-Options") != "DENY" {
		t.Error("the panel may be framed by browsers without frame-ancestors")
	}
	if rec := get(t, m, "/b/embed.js"); rec.Header().Get("Cross-Origin-Resource-Policy") != "cross-origin" {
		t.Error("embed.js is not loadable by other sites' pages")
	}
	if rec := get(t, m, "/panel"); rec.Code != http.StatusMovedPermanently || rec.Header().Get("Location") != "/panel/" {
		t.Errorf("GET /panel: %d %q", rec.Code, rec.Header().Get("Location"))
	}
}

// Pages are never served as assets, nor are the vendor folder's bookkeeping or paths outside the
// embedded tree.
func TestAssetsRefused(t *testing.T) {
	t.Parallel()
	m := mux()
	for _, p := range []string{"widget/index.html", "panel/index.html", "vendor/SHA256SUMS", "vendor/VERSIONS", "widget/missing.js", "e2e/lib.mjs"} {
		if rec := get(t, m, web.AssetsPrefix+web.Hash+"/"+p); rec.Code != http.StatusNotFound {
			t.Errorf("GET %s: %d, want 404", p, rec.Code)
		}
	}
}

// A client holding the page's ETag gets 304; gzip is sent to clients that accept it and decodes to
// the same bytes.
func TestRevalidationAndGzip(t *testing.T) {
	t.Parallel()
	m := mux()
	first := get(t, m, "/b/demo")
	etag := first.Header().Get("ETag")
	if rec := get(t, m, "/b/demo", "If-None-Match", etag); rec.Code != http.StatusNotModified || rec.Body.Len() != 0 {
		t.Fatalf("If-None-Match: %d with %d bytes", rec.Code, rec.Body.Len())
	}
	path := web.AssetsPrefix + web.Hash + "/vendor/preact.mjs"
	plain := get(t, m, path).Body.Bytes()
	rec := get(t, m, path, "Accept-Encoding", "br, gzip")
	if rec.Header().Get("Content-Encoding") != "gzip" || rec.Body.Len() >= len(plain) {
		t.Fatalf("gzip: encoding %q, %d of %d bytes", rec.Header().Get("Content-Encoding"), rec.Body.Len(), len(plain))
	}
	zr, err := gzip.NewReader(rec.Body)
	if err != nil {
		t.Fatal(err)
	}
	got, _ := io.ReadAll(zr)
	if string(got) != string(plain) {
		t.Fatal("gzipped body differs")
	}
	if rec := get(t, m, path, "Accept-Encoding", "gzip;q=0"); rec.Header().Get("Content-Encoding") != "" {
		t.Fatal("gzip sent to a client refusing it")
	}
}

// Every page refers only to files the binary serves (no CDN), through the hashed prefix, with no
// inline script or style (the policies allow none).
func TestPagesLoadOnlyEmbeddedFiles(t *testing.T) {
	t.Parallel()
	m := mux()
	for _, p := range []string{"/b/demo", "/panel/"} {
		page := get(t, m, p).Body.String()
		if strings.Contains(page, "{{ASSETS}}") {
			t.Fatalf("%s: placeholder left", p)
		}
		refs := regexp.MustCompile(`(?:src|href)="([^"]*)"`).FindAllStringSubmatch(page, -1)
		for _, r := range refs {
			u := r[1]
			if u == "data:," || u == "/graphql" {
				continue
			}
			if !strings.HasPrefix(u, web.AssetsPrefix+web.Hash+"/") {
				t.Errorf("%s refers to %s, not an embedded asset", p, u)
				continue
			}
			if rec := get(t, m, u); rec.Code != 200 {
				t.Errorf("%s refers to %s: %d", p, u, rec.Code)
			}
		}
		if regexp.MustCompile(`<script>|<script [^>]*>[^<]|<style|style="`).MatchString(page) {
			t.Errorf("%s has an inline script or style", p)
		}
	}
}

// Every module's relative imports resolve to embedded files: a missing file would only show in a
// browser otherwise.
func TestModuleImportsResolve(t *testing.T) {
	t.Parallel()
	imp := regexp.MustCompile(`(?:import|export)\s*(?:[^'"]*?from\s*)?["'](\.{1,2}/[^"']+)["']`)
	err := fs.WalkDir(web.Files, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !(strings.HasSuffix(p, ".js") || strings.HasSuffix(p, ".mjs")) {
			return err
		}
		b, _ := fs.ReadFile(web.Files, p)
		for _, m := range imp.FindAllStringSubmatch(string(b), -1) {
			target := joinPath(p, m[1])
			if _, err := fs.Stat(web.Files, target); err != nil {
				t.Errorf("%s imports %s (%s), which is not embedded", p, m[1], target)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

func joinPath(from, rel string) string {
	parts := strings.Split(from, "/")
	parts = parts[:len(parts)-1]
	for _, seg := range strings.Split(rel, "/") {
		switch seg {
		case ".":
		case "..":
			if len(parts) > 0 {
				parts = parts[:len(parts)-1]
			}
		default:
			parts = append(parts, seg)
		}
	}
	return strings.Join(parts, "/")
}

// The vendored library is exactly what vendor/update.sh copied from the pinned npm versions.
func TestVendoredModulesMatchChecksums(t *testing.T) {
	t.Parallel()
	sums, err := fs.ReadFile(web.Files, "vendor/SHA256SUMS")
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
		b, err := fs.ReadFile(web.Files, "vendor/"+name)
		if err != nil {
			t.Fatal(err)
		}
		got := sha256.Sum256(b)
		if hex.EncodeToString(got[:]) != want {
			t.Errorf("vendor/%s differs from SHA256SUMS: rerun web/vendor/update.sh", name)
		}
		n++
	}
	if n != 3 {
		t.Fatalf("SHA256SUMS lists %d modules, want preact, hooks and htm", n)
	}
}
