package imoje

import (
	"net/url"
	"strings"
)

// imoje's own API hosts: imoje.pl and the ING Pay rebrand (shared/imoje/README.md §1). A production
// slotpay talks to nothing else, so a tenant cannot make the server send its bearer token, or ask
// for an answer, anywhere it chooses.
var officialHosts = map[string]bool{
	"api.imoje.pl":           false,
	"api.pay.ing.pl":         false,
	"sandbox.api.imoje.pl":   true,
	"api.sandbox.pay.ing.pl": true,
}

// OfficialBaseURL reports whether raw is exactly one of imoje's REST bases
// (https://<imoje's API host>/v1/merchant: no other scheme, port, user, query or path) and whether it
// is a sandbox host.
func OfficialBaseURL(raw string) (official, sandbox bool) {
	u, err := url.Parse(raw)
	if err != nil || u.Scheme != "https" || u.User != nil || u.RawQuery != "" || u.Fragment != "" || u.Opaque != "" || u.Port() != "" {
		return false, false
	}
	if strings.TrimRight(u.Path, "/") != "/v1/merchant" || u.RawPath != "" {
		return false, false
	}
	sandbox, official = officialHosts[u.Host]
	return official, sandbox && official
}
