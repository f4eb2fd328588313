package ratelimit

import (
	"context"
	"net/netip"
)

type clientIPKey struct{}

// WithClientIP returns ctx carrying the caller's address, as the edge determined it (the peer, or
// what a trusted proxy says).
func WithClientIP(ctx context.Context, ip string) context.Context {
	return context.WithValue(ctx, clientIPKey{}, ip)
}

// ClientIP is the caller's address, or "" when the call did not come from a client (a test or a
// worker calling a service directly).
func ClientIP(ctx context.Context) string {
	ip, _ := ctx.Value(clientIPKey{}).(string)
	return ip
}

// ClientNetwork is what per-client limits count: the caller's IPv4 address, or its IPv6 /64 (one
// subscriber commonly holds a whole /64, so counting single IPv6 addresses would count nothing).
func ClientNetwork(ctx context.Context) string {
	ip := ClientIP(ctx)
	a, err := netip.ParseAddr(ip)
	if err != nil {
		return ip
	}
	a = a.Unmap()
	if a.Is6() {
		p, _ := a.Prefix(64)
		return p.String()
	}
	return a.String()
}
