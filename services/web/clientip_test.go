package web

import (
	"net"
	"net/netip"
	"strings"
	"testing"
)

func TestClientAddr(t *testing.T) {
	t.Parallel()
	proxies := []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8"), netip.MustParsePrefix("192.0.2.1/32")}
	cases := []struct {
		name      string
		remote    string
		forwarded []string
		trusted   []netip.Prefix
		want      string
	}{
		{"no proxies configured: the peer, header ignored", "203.0.113.9:5000", []string{"198.51.100.1"}, nil, "203.0.113.9"},
		{"untrusted peer: header ignored", "203.0.113.9:5000", []string{"198.51.100.1"}, proxies, "203.0.113.9"},
		{"trusted peer: the address it saw", "10.1.2.3:5000", []string{"198.51.100.1"}, proxies, "198.51.100.1"},
		{"client-written entries left of the proxy's are not believed", "10.1.2.3:5000", []string{"1.1.1.1, 198.51.100.1"}, proxies, "198.51.100.1"},
		{"a chain of trusted proxies", "10.1.2.3:5000", []string{"198.51.100.1, 192.0.2.1", "10.9.9.9"}, proxies, "198.51.100.1"},
		{"trusted peer without a header", "10.1.2.3:5000", nil, proxies, "10.1.2.3"},
		{"malformed entry: stop at the last vouched-for hop", "10.1.2.3:5000", []string{"198.51.100.1, garbage"}, proxies, "10.1.2.3"},
		{"only trusted hops: the farthest", "10.1.2.3:5000", []string{"10.0.0.1"}, proxies, "10.0.0.1"},
		{"IPv4-mapped IPv6 peer", "[::ffff:203.0.113.9]:5000", nil, nil, "203.0.113.9"},
		{"IPv6 peer", "[2001:db8::1]:5000", nil, nil, "2001:db8::1"},
		{"no port", "203.0.113.9", nil, nil, "203.0.113.9"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := clientAddr(c.remote, c.forwarded, c.trusted); got != c.want {
				t.Fatalf("got %q, want %q", got, c.want)
			}
		})
	}
}

// X-Forwarded-For is written by anyone: whatever it holds, the answer is the peer or one of the
// header's own valid addresses, and from an untrusted peer always the peer.
func FuzzClientAddr(f *testing.F) {
	proxies := []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8")}
	f.Add("10.0.0.1:80", "198.51.100.1, 10.0.0.2")
	f.Add("10.0.0.1:80", ",,,")
	f.Add("203.0.113.1:80", "::1")
	f.Fuzz(func(t *testing.T, remote, header string) {
		got := clientAddr(remote, []string{header}, proxies)
		host, _, err := net.SplitHostPort(remote)
		if err != nil {
			host = remote
		}
		peer, err := netip.ParseAddr(host)
		if err != nil {
			if got != host {
				t.Fatalf("unparsable peer %q: got %q, want it passed through", host, got)
			}
			return
		}
		peer = peer.Unmap()
		if !proxies[0].Contains(peer) {
			if got != peer.String() {
				t.Fatalf("untrusted peer %v: got %q", peer, got)
			}
			return
		}
		if got == peer.String() {
			return
		}
		for _, h := range strings.Split(header, ",") {
			if e, err := netip.ParseAddr(strings.TrimSpace(h)); err == nil && e.Unmap().String() == got {
				return
			}
		}
		t.Fatalf("trusted peer %v, header %q: got %q, neither the peer nor from the header", peer, header, got)
	})
}
