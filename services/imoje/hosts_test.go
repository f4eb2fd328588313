package imoje_test

import (
	"testing"

	"github.com/slotpay/slotpay/services/imoje"
)

func TestOfficialBaseURL(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		raw               string
		official, sandbox bool
	}{
		{imoje.ProductionBaseURL, true, false},
		{imoje.SandboxBaseURL, true, true},
		{"https://api.pay.ing.pl/v1/merchant", true, false},
		{"https://api.sandbox.pay.ing.pl/v1/merchant/", true, true},
		{"http://api.imoje.pl/v1/merchant", false, false},
		{"https://api.imoje.pl:8443/v1/merchant", false, false},
		{"https://api.imoje.pl:443/v1/merchant", false, false},
		{"https://api.imoje.pl.evil.example/v1/merchant", false, false},
		{"https://evil.example/v1/merchant", false, false},
		{"https://user@api.imoje.pl/v1/merchant", false, false},
		{"https://api.imoje.pl/v1/merchant?x=1", false, false},
		{"https://api.imoje.pl/v1/merchant#x", false, false},
		{"https://api.imoje.pl/v1/other", false, false},
		{"https://api.imoje.pl/v1/merchant/../../admin", false, false},
		{"https://API.IMOJE.PL/v1/merchant", false, false},
		{"http://127.0.0.1:8089/v1/merchant", false, false},
		{"", false, false},
	} {
		official, sandbox := imoje.OfficialBaseURL(c.raw)
		if official != c.official || sandbox != c.sandbox {
			t.Errorf("%q: official %v sandbox %v, want %v %v", c.raw, official, sandbox, c.official, c.sandbox)
		}
	}
}
