package server_test

import (
	"context"
	"slices"
	"testing"

	"github.com/slotpay/slotpay/imojesim"
)

// TestImojeSetupWarningCodes: every setup warning comes with its code (ImojeSetup.warnings), in the
// order of setupWarnings and with the same sentence, so a dashboard can say it in its own language:
// no credentials, payments pending with no notification ever, notifications that stopped, and the
// sandbox's "not real" (checked against the embedded simulator, which SANDBOX uses in development).
func TestImojeSetupWarningCodes(t *testing.T) {
	t.Parallel()
	p := newPayEnv(t, "warn-codes")
	type warning struct{ Code, Message string }
	read := func(token string) []warning {
		t.Helper()
		var out struct {
			PaymentMethods []struct {
				Kind  string
				Imoje *struct {
					SetupWarnings []string
					Warnings      []warning
				}
			}
		}
		p.Must(token, `{ paymentMethods { kind imoje { setupWarnings warnings { code message } } } }`, nil, &out)
		for _, m := range out.PaymentMethods {
			if m.Kind != "IMOJE" {
				continue
			}
			if len(m.Imoje.Warnings) != len(m.Imoje.SetupWarnings) {
				t.Fatalf("warnings %+v beside setupWarnings %q", m.Imoje.Warnings, m.Imoje.SetupWarnings)
			}
			for i, w := range m.Imoje.Warnings {
				if w.Message != m.Imoje.SetupWarnings[i] {
					t.Fatalf("warning %d says %q, setupWarnings %q", i, w.Message, m.Imoje.SetupWarnings[i])
				}
			}
			return m.Imoje.Warnings
		}
		t.Fatal("no IMOJE method")
		return nil
	}
	codes := func(ws []warning) []string {
		out := []string{}
		for _, w := range ws {
			out = append(out, w.Code)
		}
		return out
	}
	want := func(what string, got []warning, codes2 ...string) {
		t.Helper()
		if c := codes(got); !slices.Equal(c, append([]string{}, codes2...)) {
			t.Fatalf("%s: codes %q, want %q", what, c, codes2)
		}
	}

	want("connected, nothing pending", read(p.owner.AccessToken))

	// A payment pending for 20 minutes and every notification dropped: the notification URL is wrong.
	if _, err := p.sim.AddFault(imojesim.Fault{Kind: imojesim.FaultDrop, ServiceID: p.merchant.Shops[0].ServiceID}); err != nil {
		t.Fatal(err)
	}
	r := p.book(t)
	pay := p.initiate(t, r.CustomerAccessToken, map[string]any{"reservationId": r.Reservation.ID, "channel": "BLIK", "blikCode": "123456", "idempotencyKey": "w1"})
	owner, _ := p.DB.Owner()
	exec := func(sql string, args ...any) {
		t.Helper()
		if _, err := owner.Exec(context.Background(), sql, args...); err != nil {
			t.Fatal(err)
		}
	}
	exec(`UPDATE payments SET created_at = now() - interval '20 minutes' WHERE id = $1`, pay.ID)
	want("pending, never notified", read(p.owner.AccessToken), "NOTIFICATIONS_NEVER_RECEIVED")

	// Notifications came once, an hour ago, and none since for a payment pending 20 minutes.
	exec(`UPDATE imoje_credentials SET last_notification_at = now() - interval '1 hour' WHERE payment_method_id = $1`, p.method)
	want("pending, notified before", read(p.owner.AccessToken), "NOTIFICATIONS_STOPPED")

	// Another business without credentials, then with the embedded simulator's shop on SANDBOX.
	other := p.SignUp("warn-codes-2")
	var m struct{ CreatePaymentMethod struct{ ID string } }
	p.Must(other.AccessToken, `mutation { createPaymentMethod(input: {kind: IMOJE, displayName: "Online"}) { id } }`, nil, &m)
	want("no credentials", read(other.AccessToken), "CREDENTIALS_MISSING")
	demo := p.Server.Imoje.Merchants()[0]
	p.Must(other.AccessToken, saveCredentialsOp, map[string]any{"in": map[string]any{
		"paymentMethodId": m.CreatePaymentMethod.ID, "authorizationToken": demo.Token, "merchantId": demo.ID,
		"shopId": demo.Shops[0].ServiceID, "shopKey": demo.Shops[0].ServiceKey, "environment": "SANDBOX", "channels": []string{"BLIK"},
	}}, nil)
	want("sandbox", read(other.AccessToken), "SANDBOX")
}
