package server_test

import (
	"context"
	"testing"

	"github.com/slotpay/slotpay/imojesim"
)

// TestSettledNotificationStatementCount pins what one settled notification costs on the wire: the
// statements (BEGIN and COMMIT included) and the round trips the server's pool sends for it,
// counted by the pool's tracer (database.StatementCounter, installed by servertest), so the
// webhook's hot path cannot silently grow again. The shop's last_notification_at is made stale
// first, so the count includes its update (the most a settled notification writes). The first
// notification of a shop also reads the shop's owner and key; later ones have them in memory and
// are two round trips: BEGIN, set_config, the payment and its reservation locked, the shop's row
// and the dedupe check; then the notification, the payment, the reservation, its history, the
// events, last_notification_at and COMMIT.
func TestSettledNotificationStatementCount(t *testing.T) {
	t.Parallel()
	p := newPayEnv(t, "wh-count")
	first, firstPay, d1 := p.settledDelivery(t)
	second, secondPay, d2 := p.settledDelivery(t)
	if err := p.sim.WaitIdle(context.Background()); err != nil {
		t.Fatal(err)
	}
	owner, err := p.DB.Owner()
	if err != nil {
		t.Fatal(err)
	}
	stale := func() {
		t.Helper()
		if _, err := owner.Exec(context.Background(), `UPDATE imoje_credentials SET last_notification_at = now() - interval '1 hour'`); err != nil {
			t.Fatal(err)
		}
	}
	wire := p.Wire
	post := func(d imojesim.Delivery) (statements, roundTrips int64) {
		t.Helper()
		wire.Reset()
		code, answer := postNotification(t, p.URL, d.SignatureHeader, []byte(d.Body))
		if code != 200 || answer != `{"status":"ok"}` {
			t.Fatalf("answered %d %s", code, answer)
		}
		return wire.Counts()
	}
	settled := func(r createdReservation, pay paymentResult) {
		t.Helper()
		if st := p.state(t, r.Reservation.ID); !paid(st) {
			t.Fatalf("after the notification: %+v", st)
		}
		var outcome string
		var fresh bool
		if err := owner.QueryRow(context.Background(), `SELECT n.outcome, c.last_notification_at > now() - interval '1 minute'
			FROM imoje_notifications n JOIN imoje_credentials c ON c.tenant_id = n.tenant_id WHERE n.payment_id = $1 AND n.imoje_status = 'settled'`, pay.ID).
			Scan(&outcome, &fresh); err != nil || outcome != "APPLIED" || !fresh {
			t.Fatalf("stored outcome %q, last_notification_at fresh %v (%v)", outcome, fresh, err)
		}
	}

	stale()
	coldStatements, coldRoundTrips := post(d1)
	t.Logf("settled notification, shop not in memory: %d statements in %d round trips", coldStatements, coldRoundTrips)
	settled(first, firstPay)
	// 16: the settlement's messages (confirmation, receipt) are one INSERT in the same round trips.
	if coldStatements > 16 || coldRoundTrips > 4 {
		t.Fatalf("a settled notification of a shop not in memory ran %d statements in %d round trips; want at most 16 in 4", coldStatements, coldRoundTrips)
	}

	stale()
	statements, roundTrips := post(d2)
	t.Logf("settled notification: %d statements in %d round trips", statements, roundTrips)
	settled(second, secondPay)
	if statements > 13 || roundTrips > 2 { // 13: with its messages' INSERT, in the same round trips
		t.Fatalf("a settled notification ran %d statements in %d round trips; want at most 13 in 2", statements, roundTrips)
	}

	// The same body again is a duplicate: answered ok, nothing written, one round trip to read and
	// one to end the transaction.
	dupStatements, dupRoundTrips := post(d2)
	t.Logf("duplicate: %d statements in %d round trips", dupStatements, dupRoundTrips)
	if dupStatements > 6 || dupRoundTrips > 2 {
		t.Fatalf("a duplicate ran %d statements in %d round trips; want at most 6 in 2", dupStatements, dupRoundTrips)
	}
	if n := p.Count(`SELECT count(*) FROM imoje_notifications WHERE payment_id = $1 AND imoje_status = 'settled'`, secondPay.ID); n != 1 {
		t.Fatalf("%d stored settled notifications, want 1", n)
	}
	if st := p.state(t, second.Reservation.ID); len(st.History) != len(p.state(t, first.Reservation.ID).History) {
		t.Fatalf("the duplicate wrote history: %+v", st.History)
	}
}

// TestChangedShopKeyIsNoticed: the webhook remembers shop keys, and a key changed since is never
// trusted. saveImojeCredentials does not tell the webhook (another instance could not be told
// either), so the notification below passes the check with the remembered old key; the
// transaction then finds another sealed key in the shop's row, the notification is checked again
// with the current key and refused with 401, with nothing written. With the shop's real key saved
// back it is accepted.
func TestChangedShopKeyIsNoticed(t *testing.T) {
	t.Parallel()
	p := newPayEnv(t, "key-change")
	// The shop's key is in memory after a notification checked with it.
	p.paidReservation(t, "warm")
	r, _, d := p.settledDelivery(t)
	save := func(key string) {
		t.Helper()
		in := p.credentials()
		in["shopKey"] = key
		p.Must(p.owner.AccessToken, saveCredentialsOp, map[string]any{"in": in}, nil)
	}
	save("AnotherShopKey0123456789abcdefXYZ")
	if code, answer := postNotification(t, p.URL, d.SignatureHeader, []byte(d.Body)); code != 401 {
		t.Fatalf("a notification signed with the replaced key answered %d %s, want 401", code, answer)
	}
	if st := p.state(t, r.Reservation.ID); st.PaymentStatus != "PENDING" {
		t.Fatalf("a notification signed with the replaced key changed the reservation: %+v", st)
	}
	if n := p.Count(`SELECT count(*) FROM imoje_notifications WHERE body = $1`, d.Body); n != 0 {
		t.Fatalf("%d notifications stored", n)
	}
	save(p.merchant.Shops[0].ServiceKey)
	if code, answer := postNotification(t, p.URL, d.SignatureHeader, []byte(d.Body)); code != 200 {
		t.Fatalf("with the shop's key saved back the notification answered %d %s", code, answer)
	}
	p.waitFor(t, r.Reservation.ID, "PAID", paid)
}

// TestUnopenableShopKeyIsNotTrusted: when the shop's row holds a sealed key this instance cannot
// open (sealed under a key it does not have, or damaged), the remembered key is not used instead:
// the notification is not applied and imoje is told to retry (5xx).
func TestUnopenableShopKeyIsNotTrusted(t *testing.T) {
	t.Parallel()
	p := newPayEnv(t, "key-race")
	p.paidReservation(t, "warm")
	r, _, d := p.settledDelivery(t)
	// The remembered key still verifies the signature; the row now holds the sealed token in place
	// of the sealed key.
	owner, err := p.DB.Owner()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := owner.Exec(context.Background(), `UPDATE imoje_credentials SET service_key_sealed = token_sealed`); err != nil {
		t.Fatal(err)
	}
	code, answer := postNotification(t, p.URL, d.SignatureHeader, []byte(d.Body))
	// The token sealed as the shop key does not open (the associated data names another field):
	// the server cannot check the signature, so imoje must retry later.
	if code < 500 {
		t.Fatalf("answered %d %s, want 5xx", code, answer)
	}
	if st := p.state(t, r.Reservation.ID); st.PaymentStatus != "PENDING" {
		t.Fatalf("the notification was applied with a key that is no longer the shop's: %+v", st)
	}
}

// TestConcurrentCopiesOfAnUnknownOrder: copies of one body for an order we do not know lock no
// payment, so they race past the dedupe check together; the notification's unique constraint
// lets one store it, the others are duplicates, and every copy is answered ok.
func TestConcurrentCopiesOfAnUnknownOrder(t *testing.T) {
	t.Parallel()
	p := newPayEnv(t, "unknown-copies")
	shop := p.merchant.Shops[0]
	body := []byte(`{"transaction":{"id":"6f1b3c2e-8d4a-4e5b-9c7d-0a1b2c3d4e5f","type":"sale","status":"settled","source":"api","created":1,"modified":1,` +
		`"notificationUrl":"","serviceId":"` + shop.ServiceID + `","amount":100,"currency":"PLN","title":"","orderId":"00000000-0000-4000-8000-00000000abcd",` +
		`"paymentMethod":"blik","paymentMethodCode":"blik"}}`)
	header := p.sign(t, body)
	for _, a := range notifyConcurrently(p.URL, header, body, 20) {
		if a != `200 {"status":"ok"}` {
			t.Fatalf("a copy was answered %q", a)
		}
	}
	if n := p.Count(`SELECT count(*) FROM imoje_notifications WHERE body = $1 AND outcome = 'UNKNOWN_ORDER' AND payment_id IS NULL`, string(body)); n != 1 {
		t.Fatalf("%d stored, want 1 (UNKNOWN_ORDER)", n)
	}
}
