package server_test

import (
	"crypto/rand"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/slotpay/slotpay/imojesim"
	"github.com/slotpay/slotpay/services/config"
	"github.com/slotpay/slotpay/services/database/dbtest"
	"github.com/slotpay/slotpay/services/server"
	"github.com/slotpay/slotpay/services/server/servertest"
)

// imojeSetup is what a business sees of its imoje connection.
func imojeSetup(t *testing.T, env *servertest.Env, token string) (configured bool, warnings []string) {
	t.Helper()
	var out struct {
		PaymentMethods []struct {
			Kind  string
			Imoje *struct {
				Configured    bool
				SetupWarnings []string
			}
		}
	}
	env.Must(token, `{ paymentMethods { kind imoje { configured setupWarnings } } }`, nil, &out)
	for _, m := range out.PaymentMethods {
		if m.Kind == "IMOJE" && m.Imoje != nil {
			return m.Imoje.Configured, m.Imoje.SetupWarnings
		}
	}
	t.Fatalf("no imoje method: %+v", out)
	return false, nil
}

// TestShopClaimedByAnotherBusiness: a shop held by one business is refused to another without
// naming the holder, the holder's signed notifications keep working, and the way out is the proof
// only the shop's owner can give: a new token generated in imoje's panel ends the holder's
// connection, after which the owner's claim is taken and its notifications are its own.
func TestShopClaimedByAnotherBusiness(t *testing.T) {
	t.Parallel()
	env := servertest.New(t, func(_ *config.Config, o *server.Options) {
		o.HoldExpiryInterval, o.ReconcileInterval = time.Hour, time.Hour
	})
	holder := newPayEnvOn(t, env, "claim-holder")
	claimant := newPayEnvOn(t, env, "claim-owner")
	shop := holder.merchant.Shops[0]
	claim := func(token string) map[string]any {
		in := claimant.credentials()
		in["authorizationToken"], in["merchantId"], in["shopId"], in["shopKey"] = token, holder.merchant.ID, shop.ServiceID, shop.ServiceKey
		in["customBaseUrl"] = holder.simURL + "/v1/merchant"
		return in
	}
	holds := func(o servertest.Owner) int {
		return env.Count(`SELECT count(*) FROM imoje_credentials WHERE tenant_id = $1 AND merchant_id = $2 AND service_id = $3`,
			o.TenantID, holder.merchant.ID, shop.ServiceID)
	}

	// A claim imoje does not confirm is refused like any wrong credentials and touches nothing.
	e := env.MustFail(claimant.owner.AccessToken, saveCredentialsOp, map[string]any{"in": claim("notthetoken123456")}, "BAD_USER_INPUT")
	if e.Field() != "input.authorizationToken" || holds(holder.owner) != 1 {
		t.Fatalf("unconfirmed claim: %s %s; holder rows %d", e.Field(), e.Message, holds(holder.owner))
	}
	// A claim imoje confirms (the claimant has the token too) meets the holder: CONFLICT naming no
	// business, nothing changed.
	e = env.MustFail(claimant.owner.AccessToken, saveCredentialsOp, map[string]any{"in": claim(holder.merchant.Token)}, "CONFLICT")
	if e.Field() != "input.shopId" {
		t.Fatalf("field %q", e.Field())
	}
	for _, leak := range []string{holder.owner.TenantID, holder.owner.Slug, "Business claim-holder", holder.owner.Email, holder.method, holder.merchant.Token, shop.ServiceKey} {
		if strings.Contains(strings.ToLower(e.Message), strings.ToLower(leak)) {
			t.Fatalf("the refusal reveals %q: %s", leak, e.Message)
		}
	}
	if holds(holder.owner) != 1 || holds(claimant.owner) != 0 {
		t.Fatal("a refused claim changed who holds the shop")
	}
	if configured, _ := imojeSetup(t, env, claimant.owner.AccessToken); !configured {
		t.Fatal("the refused claim undid the claimant's own connection")
	}
	// The holder's notifications, signed with its shop key, still verify and apply.
	holder.paidReservation(t, "after-refused-claim")

	// The claimant is the shop's owner: it generates a new token in imoje's panel (the holder's
	// stops working) and saves it.
	rotated := "rotated" + rand.Text()
	if err := holder.sim.SetToken(holder.merchant.ID, rotated); err != nil {
		t.Fatal(err)
	}
	env.Must(claimant.owner.AccessToken, saveCredentialsOp, map[string]any{"in": claim(rotated)}, nil)
	if holds(holder.owner) != 0 || holds(claimant.owner) != 1 {
		t.Fatalf("after the new token: holder rows %d, owner rows %d", holds(holder.owner), holds(claimant.owner))
	}
	if configured, _ := imojeSetup(t, env, holder.owner.AccessToken); configured {
		t.Fatal("the released holder still shows a connection")
	}
	// The shop's notifications are now verified for, and applied to, its owner.
	claimant.sim, claimant.simURL, claimant.merchant = holder.sim, holder.simURL, holder.merchant
	claimant.merchant.Token = rotated
	claimant.paidReservation(t, "owner-pays")
	// And the old holder, whose token imoje refuses, cannot take it back.
	e = env.MustFail(holder.owner.AccessToken, saveCredentialsOp, map[string]any{"in": holder.credentials()}, "BAD_USER_INPUT")
	if e.Field() != "input.authorizationToken" || holds(claimant.owner) != 1 {
		t.Fatalf("the old holder's stale token: %s %s", e.Field(), e.Message)
	}
}

// TestProductionRefusesCustomImojeURL: a production server takes no custom imoje URL (a clear
// BAD_USER_INPUT naming the field, nothing stored, no request sent anywhere) and never calls one
// stored before, e.g. by a development server on the same database.
func TestProductionRefusesCustomImojeURL(t *testing.T) {
	t.Parallel()
	var hits atomic.Int32
	sim := imojesim.New(imojesim.Config{Merchants: []imojesim.MerchantConfig{{Shops: []imojesim.ShopConfig{{}}}}})
	t.Cleanup(sim.Close)
	target := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		sim.ServeHTTP(w, r)
	}))
	t.Cleanup(target.Close)
	merchant := sim.Merchants()[0]

	db := dbtest.New(t)
	keyOf := func(id string) config.Key { return config.Key{ID: id, Secret: []byte(rand.Text() + rand.Text())[:32]} }
	jwt, sealing := []config.Key{keyOf("k1")}, []config.Key{keyOf("c1")}
	shared := func(c *config.Config, o *server.Options) {
		c.JWTKeys, c.CredentialKeys = jwt, sealing
		o.HoldExpiryInterval, o.ReconcileInterval = time.Hour, time.Hour
	}
	prod := servertest.NewOn(t, db, shared, func(c *config.Config, _ *server.Options) { c.Env = config.Production })
	owner := prod.SignUp("prod-custom")
	var m struct{ CreatePaymentMethod struct{ ID string } }
	prod.Must(owner.AccessToken, `mutation { createPaymentMethod(input: {kind: IMOJE, displayName: "Pay online"}) { id } }`, nil, &m)
	in := func(kv ...string) map[string]any {
		out := map[string]any{
			"paymentMethodId": m.CreatePaymentMethod.ID, "authorizationToken": merchant.Token, "merchantId": merchant.ID,
			"shopId": merchant.Shops[0].ServiceID, "shopKey": merchant.Shops[0].ServiceKey, "channels": []string{"BLIK"},
		}
		for i := 0; i+1 < len(kv); i += 2 {
			out[kv[i]] = kv[i+1]
		}
		return out
	}
	for _, c := range []struct {
		name  string
		in    map[string]any
		field string
	}{
		{"custom URL of the tenant's choosing", in("environment", "CUSTOM", "customBaseUrl", target.URL+"/v1/merchant"), "input.environment"},
		{"custom URL naming imoje itself", in("environment", "CUSTOM", "customBaseUrl", "https://api.imoje.pl/v1/merchant"), "input.environment"},
		{"custom URL without one", in("environment", "CUSTOM"), "input.environment"},
		{"a URL beside PRODUCTION", in("environment", "PRODUCTION", "customBaseUrl", target.URL+"/v1/merchant"), "input.customBaseUrl"},
		{"a URL beside SANDBOX", in("environment", "SANDBOX", "customBaseUrl", target.URL+"/v1/merchant"), "input.customBaseUrl"},
	} {
		t.Run(c.name, func(t *testing.T) {
			e := prod.MustFail(owner.AccessToken, saveCredentialsOp, map[string]any{"in": c.in}, "BAD_USER_INPUT")
			if e.Field() != c.field {
				t.Fatalf("field %q, want %q: %s", e.Field(), c.field, e.Message)
			}
		})
	}
	if n := prod.Count(`SELECT count(*) FROM imoje_credentials`); n != 0 || hits.Load() != 0 {
		t.Fatalf("%d credential rows stored, %d requests sent to the custom URL", n, hits.Load())
	}

	// Credentials with a custom URL stored by a development server on the same database.
	dev := servertest.NewOn(t, db, shared)
	p := newPayEnvOn(t, dev, "stored-custom")
	before := hits.Load()
	r := p.book(t)
	e := prod.MustFail(r.CustomerAccessToken, initiateOp, map[string]any{"in": map[string]any{
		"reservationId": r.Reservation.ID, "channel": "BLIK", "idempotencyKey": "prod"}}, "BAD_USER_INPUT")
	if len(p.sim.Transactions()) != 0 || hits.Load() != before {
		t.Fatalf("production called a stored custom URL: %s", e.Message)
	}
	_, warnings := imojeSetup(t, prod, p.owner.AccessToken)
	if raw, _ := json.Marshal(warnings); !strings.Contains(string(raw), "custom imoje URL") {
		t.Fatalf("no setup warning about the stored custom URL: %s", raw)
	}
}
