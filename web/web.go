// Package web serves slotpay's browser applications from the binary: the booking widget (/b/<slug>,
// and /b/embed.js, the one-<script> loader that mounts it on a business's own site) and the staff
// panel (/panel/). Their files are native ES modules embedded with embed.FS, importing the UI
// library vendored in vendor/ (preact + htm, pinned; see docs/web.md), so they work offline and under
// a Content-Security-Policy that allows only the server itself. They use the public GraphQL API
// (/graphql over HTTP and WebSocket) and nothing else.
//
// Pages (HTML) are revalidated on every load (ETag); everything they load lives under
// AssetsPrefix/<hash>/, where <hash> names this build's files, and is cached for a year.
package web

import (
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"io/fs"
	"mime"
	"net/http"
	"path"
	"slices"
	"strconv"
	"strings"
	"sync"
)

//go:embed widget panel shared vendor/*.mjs vendor/VERSIONS vendor/SHA256SUMS
var embedded embed.FS

// Files are the embedded applications: widget/, panel/, shared/ (what both import) and vendor/.
var Files fs.FS = embedded

// AssetsPrefix is where the pages load their modules and styles from, followed by Hash.
const AssetsPrefix = "/apps/"

// assetsPlaceholder is what a page writes where its assets' URL prefix goes
// (<script type="module" src="{{ASSETS}}/widget/app.js">); it becomes AssetsPrefix + Hash + "/".
const assetsPlaceholder = "{{ASSETS}}/"

// Hash names this build's files (the first 12 hex digits of a SHA-256 over every embedded file):
// a new binary with changed files loads them under a new URL, so a year's caching is safe.
var Hash = func() string {
	h := sha256.New()
	_ = fs.WalkDir(embedded, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := fs.ReadFile(embedded, p)
		if err != nil {
			return err
		}
		h.Write([]byte(p))
		h.Write([]byte{0})
		h.Write(b)
		return nil
	})
	return hex.EncodeToString(h.Sum(nil))[:12]
}()

// Content-Security-Policies. Nothing inline or evaluated, nothing from another origin; connect-src
// 'self' covers the WebSocket to the same host; images may come from https: (a business's logoUrl
// is any https address). The widget may be framed by any site (a business embeds it with
// embed.js); the panel by none.
const (
	WidgetPolicy = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' https: data:; " +
		"connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors *"
	PanelPolicy = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' https: data:; " +
		"connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
)

// Mount registers the applications on mux:
//
//	GET /b/embed.js            the embed loader (any site may load it)
//	GET /b/{slug}[/…]          the widget's page (its own routes: /b/{slug}/r/{reservationId}, …)
//	GET /panel/[…]             the panel's page (GET /panel redirects here)
//	GET /apps/{hash}/…         the modules, styles and vendored library both pages load
func Mount(mux *http.ServeMux) {
	widget := page("widget/index.html", WidgetPolicy, false)
	panel := page("panel/index.html", PanelPolicy, true)
	mux.Handle("GET /b/embed.js", embedScript())
	mux.Handle("GET /b/{slug}", widget)
	mux.Handle("GET /b/{slug}/{rest...}", widget)
	mux.Handle("GET /panel/", panel)
	mux.Handle("GET /panel", http.RedirectHandler("/panel/", http.StatusMovedPermanently))
	mux.Handle("GET "+AssetsPrefix+"{hash}/{file...}", http.HandlerFunc(serveAsset))
}

// page serves one HTML document (for every route of its app) with its policy.
func page(name, policy string, deny bool) http.Handler {
	raw, err := fs.ReadFile(embedded, name)
	if err != nil {
		panic("web: " + name + " is not embedded: " + err.Error())
	}
	body := bytes.ReplaceAll(raw, []byte(assetsPlaceholder), []byte(AssetsPrefix+Hash+"/"))
	etag := etagOf(body)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		secure(h, policy)
		if deny {
			h.Set("X-Frame-Options", "DENY") // for browsers older than frame-ancestors
			h.Set("Cross-Origin-Opener-Policy", "same-origin")
		}
		h.Set("Content-Type", "text/html; charset=utf-8")
		h.Set("Cache-Control", "no-cache") // revalidated (ETag): a new binary's page is seen at once
		h.Set("ETag", etag)
		serveBytes(w, r, body)
	})
}

// embedScript serves embed.js: its URL is fixed (it is written into businesses' sites), so it is
// cached for five minutes and revalidated with its ETag.
func embedScript() http.Handler {
	body, err := fs.ReadFile(embedded, "widget/embed.js")
	if err != nil {
		panic("web: widget/embed.js is not embedded: " + err.Error())
	}
	etag := etagOf(body)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		secure(h, WidgetPolicy)
		h.Set("Content-Type", "text/javascript; charset=utf-8")
		h.Set("Cache-Control", "public, max-age=300")
		h.Set("Cross-Origin-Resource-Policy", "cross-origin") // loaded by other sites' pages
		h.Set("ETag", etag)
		serveBytes(w, r, body)
	})
}

// serveAsset serves a file of this build under its hash, cached for a year. A request naming
// another build's hash (a page of an older or newer instance during a rolling deploy) still gets
// this build's file, but revalidated instead of cached, so no cache keeps the wrong file under
// that name for long.
func serveAsset(w http.ResponseWriter, r *http.Request) {
	name := r.PathValue("file")
	if !fs.ValidPath(name) || !servable(name) {
		http.NotFound(w, r)
		return
	}
	body, err := fs.ReadFile(embedded, name)
	if err != nil {
		http.NotFound(w, r)
		return
	}
	h := w.Header()
	secure(h, PanelPolicy)
	ctype := mime.TypeByExtension(path.Ext(name))
	switch path.Ext(name) {
	case ".js", ".mjs":
		ctype = "text/javascript; charset=utf-8" // whatever the host's mime tables say: modules need it
	case ".css":
		ctype = "text/css; charset=utf-8"
	case ".svg":
		ctype = "image/svg+xml"
	}
	if ctype == "" {
		ctype = "application/octet-stream"
	}
	h.Set("Content-Type", ctype)
	h.Set("Cross-Origin-Resource-Policy", "same-origin")
	if r.PathValue("hash") == Hash {
		h.Set("Cache-Control", "public, max-age=31536000, immutable")
	} else {
		h.Set("Cache-Control", "no-cache")
	}
	h.Set("ETag", etagOf(body))
	serveBytes(w, r, body)
}

// servable: the files a page may load. Pages are served at their routes, never as assets (an asset
// URL carries no page's policy decisions), and the vendor folder's bookkeeping stays private.
func servable(name string) bool {
	if strings.HasSuffix(name, ".html") {
		return false
	}
	ext := path.Ext(name)
	return slices.Contains([]string{".js", ".mjs", ".css", ".svg", ".png", ".woff2", ".json"}, ext)
}

func secure(h http.Header, policy string) {
	h.Set("Content-Security-Policy", policy)
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Referrer-Policy", "no-referrer") // the widget's URLs name reservations
}

func etagOf(b []byte) string {
	sum := sha256.Sum256(b)
	return `"` + hex.EncodeToString(sum[:8]) + `"`
}

// compressed holds each served file gzipped once (keyed by its ETag): the files never change
// while the binary runs.
var compressed sync.Map

// serveBytes answers with body (gzipped when the client accepts it), or 304 when If-None-Match
// names its ETag. HEAD gets the headers only.
func serveBytes(w http.ResponseWriter, r *http.Request, body []byte) {
	h := w.Header()
	h.Add("Vary", "Accept-Encoding")
	etag := h.Get("ETag")
	if match := r.Header.Get("If-None-Match"); match != "" && etagMatches(match, etag) {
		w.WriteHeader(http.StatusNotModified)
		return
	}
	if acceptsGzip(r) && len(body) > 512 {
		z, ok := compressed.Load(etag)
		if !ok {
			var buf bytes.Buffer
			zw, _ := gzip.NewWriterLevel(&buf, gzip.BestCompression)
			_, _ = zw.Write(body)
			_ = zw.Close()
			z, _ = compressed.LoadOrStore(etag, buf.Bytes())
		}
		body = z.([]byte)
		h.Set("Content-Encoding", "gzip")
	}
	h.Set("Content-Length", strconv.Itoa(len(body)))
	if r.Method == http.MethodHead {
		return
	}
	_, _ = w.Write(body)
}

func etagMatches(header, etag string) bool {
	for part := range strings.SplitSeq(header, ",") {
		part = strings.TrimPrefix(strings.TrimSpace(part), "W/")
		if part == etag || part == "*" {
			return true
		}
	}
	return false
}

func acceptsGzip(r *http.Request) bool {
	for part := range strings.SplitSeq(r.Header.Get("Accept-Encoding"), ",") {
		name, q, _ := strings.Cut(strings.TrimSpace(part), ";")
		if strings.EqualFold(strings.TrimSpace(name), "gzip") && strings.ReplaceAll(q, " ", "") != "q=0" {
			return true
		}
	}
	return false
}
