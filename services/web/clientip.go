package web

import (
	"net"
	"net/http"
	"net/netip"
	"slices"
	"strings"

	"github.com/slotpay/slotpay/services/ratelimit"
)

// ClientIP stores the caller's address in the request's context (ratelimit.ClientIP): the
// connection's peer, or, when the peer is one of the trusted proxies, the address that proxy saw —
// the right-most X-Forwarded-For entry that is not itself a trusted proxy. The header is anyone's
// to write, so it is believed only from trusted peers, and only up to the first hop they vouch for.
func ClientIP(trusted []netip.Prefix, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ip := clientAddr(r.RemoteAddr, r.Header.Values("X-Forwarded-For"), trusted)
		next.ServeHTTP(w, r.WithContext(ratelimit.WithClientIP(r.Context(), ip)))
	})
}

func clientAddr(remoteAddr string, forwarded []string, trusted []netip.Prefix) string {
	host, _, err := net.SplitHostPort(remoteAddr)
	if err != nil {
		host = remoteAddr
	}
	peer, err := netip.ParseAddr(host)
	if err != nil {
		return host
	}
	peer = peer.Unmap()
	isTrusted := func(a netip.Addr) bool {
		return slices.ContainsFunc(trusted, func(p netip.Prefix) bool { return p.Contains(a) })
	}
	client := peer
	if !isTrusted(peer) {
		return client.String()
	}
	var hops []string
	for _, h := range forwarded {
		hops = append(hops, strings.Split(h, ",")...)
	}
	for i := len(hops) - 1; i >= 0; i-- {
		a, err := netip.ParseAddr(strings.TrimSpace(hops[i]))
		if err != nil {
			break // a malformed entry: nothing left of it is vouched for
		}
		client = a.Unmap()
		if !isTrusted(client) {
			break
		}
	}
	return client.String()
}
