package imojesim

import (
	"net/http"
	"net/http/httptest"
	"testing"
)

// TestSetTokenEndsTheOldToken: a new token, as generated in imoje's panel, is accepted and the old
// one refused from then on.
func TestSetTokenEndsTheOldToken(t *testing.T) {
	t.Parallel()
	sim := New(Config{Merchants: []MerchantConfig{{Shops: []ShopConfig{{}}}}})
	t.Cleanup(sim.Close)
	hs := httptest.NewServer(sim)
	t.Cleanup(hs.Close)
	m := sim.Merchants()[0]
	status := func(token string) int {
		req, _ := http.NewRequest(http.MethodGet, hs.URL+"/v1/merchant/"+m.ID+"/service/"+m.Shops[0].ServiceID, nil)
		req.Header.Set("Authorization", "Bearer "+token)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	if s := status(m.Token); s != http.StatusOK {
		t.Fatalf("old token before: %d", s)
	}
	if err := sim.SetToken(m.ID, "a-new-token-from-the-panel"); err != nil {
		t.Fatal(err)
	}
	if s := status(m.Token); s != http.StatusUnauthorized {
		t.Fatalf("old token after: %d, want 401", s)
	}
	if s := status("a-new-token-from-the-panel"); s != http.StatusOK {
		t.Fatalf("new token: %d", s)
	}
	if sim.Merchants()[0].Token != "a-new-token-from-the-panel" {
		t.Fatal("Merchants() shows the old token")
	}
	if err := sim.SetToken("nosuchmerchant", "x"); err == nil {
		t.Fatal("unknown merchant accepted")
	}
	if err := sim.SetToken(m.ID, ""); err == nil {
		t.Fatal("empty token accepted")
	}
}
