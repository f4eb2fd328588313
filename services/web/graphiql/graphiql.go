// Package graphiql serves GraphiQL from the binary: the page, its script and the pinned npm bundles
// (graphiql, react, react-dom, graphql-ws; versions in assets/VERSIONS) are embedded, so it works
// offline and under a Content-Security-Policy that allows only the server itself. The server mounts
// it in development only. update-assets.sh refreshes the bundles from package.json.
package graphiql

import (
	"embed"
	"io/fs"
	"net/http"
)

//go:embed assets
var embedded embed.FS

// Assets are the files served under AssetsPrefix (index.html is the page itself).
var Assets, _ = fs.Sub(embedded, "assets")

// AssetsPrefix is the path the page loads its scripts and styles from.
const AssetsPrefix = "/graphiql/"

// ContentSecurityPolicy allows the page only what it loads from the server itself: no inline or
// evaluated scripts, no inline styles (GraphiQL and CodeMirror style elements through the DOM,
// which the policy allows), no other origin (connect-src 'self' covers the WebSocket on the same
// host). GraphiQL's stylesheet embeds its fonts and icons as data: URLs, hence data: for those.
const ContentSecurityPolicy = "default-src 'none'; script-src 'self'; style-src 'self'; " +
	"img-src 'self' data:; font-src 'self' data:; connect-src 'self'; " +
	"base-uri 'none'; form-action 'none'; frame-ancestors 'none'"

// Mount registers the page at GET / and its assets under AssetsPrefix.
func Mount(mux *http.ServeMux) {
	files := http.FileServerFS(Assets)
	mux.Handle("GET "+AssetsPrefix, secured(http.StripPrefix(AssetsPrefix, files)))
	mux.Handle("GET /{$}", secured(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.ServeFileFS(w, r, Assets, "index.html")
	})))
}

func secured(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hd := w.Header()
		hd.Set("Content-Security-Policy", ContentSecurityPolicy)
		hd.Set("X-Content-Type-Options", "nosniff")
		hd.Set("Referrer-Policy", "no-referrer")
		// The bundles change only with the binary; a development page should never be stale.
		hd.Set("Cache-Control", "no-cache")
		h.ServeHTTP(w, r)
	})
}
