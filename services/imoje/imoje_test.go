package imoje_test

import (
	"context"
	"encoding/hex"
	"errors"
	"net/http/httptest"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/slotpay/slotpay/imojesim"
	"github.com/slotpay/slotpay/services/imoje"
)

const (
	vectorKey    = "PIcMy86ssE5wuNHAuQn5zPKf6hCAwX3Oxvjw"
	vectorHeader = "merchantid=mdy7zxvxudgarxbsou9n;serviceid=a33f331b-23fc-42b0-9fd1-67f310028b46;signature=b73321c9e8bcc414b8c08198db4084dafb1b4dc252f512ffe71b1fbce857fd23;alg=sha256"
)

func vectorBody(t testing.TB) []byte {
	t.Helper()
	b, err := os.ReadFile("testdata/notification-example.json")
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestSignatureVector(t *testing.T) {
	t.Parallel()
	body := vectorBody(t)
	h, err := imoje.ParseSignatureHeader(vectorHeader)
	if err != nil {
		t.Fatal(err)
	}
	if h.MerchantID != "mdy7zxvxudgarxbsou9n" || h.ServiceID != "a33f331b-23fc-42b0-9fd1-67f310028b46" || h.Alg != "sha256" {
		t.Fatalf("%+v", h)
	}
	if err := h.Verify(body, vectorKey); err != nil {
		t.Fatalf("documented vector does not verify: %v", err)
	}
	sig, _ := imoje.Sign(body, vectorKey, "sha256")
	if sig != hex.EncodeToString(h.Signature) {
		t.Fatalf("Sign = %s", sig)
	}
	flipped := append([]byte{}, body...)
	flipped[10] ^= 1
	for name, c := range map[string]struct {
		body []byte
		key  string
	}{
		"flipped byte":     {flipped, vectorKey},
		"wrong key":        {body, vectorKey + "x"},
		"pretty-printed":   {[]byte(strings.ReplaceAll(string(body), ",", ", ")), vectorKey},
		"trailing newline": {append(append([]byte{}, body...), '\n'), vectorKey},
	} {
		if err := h.Verify(c.body, c.key); !errors.Is(err, imoje.ErrBadSignature) {
			t.Errorf("%s: %v", name, err)
		}
	}
	n, err := imoje.ParseNotification(body)
	if err != nil {
		t.Fatal(err)
	}
	if n.Transaction.Status != "pending" || n.Transaction.Amount != 100 || n.Payment.ID != "07980a69-a884-46f7-ad16-216c88a13b98" {
		t.Fatalf("%+v", n.Transaction)
	}
}

func TestSignatureAlgorithms(t *testing.T) {
	t.Parallel()
	body := []byte(`{"transaction":{}}`)
	for _, alg := range []string{"sha224", "sha256", "sha384", "sha512"} {
		sig, err := imoje.Sign(body, "key", alg)
		if err != nil {
			t.Fatal(err)
		}
		h, err := imoje.ParseSignatureHeader("MerchantId=m;ServiceId=s;Signature=" + sig + ";Alg=" + strings.ToUpper(alg))
		if err != nil {
			t.Fatalf("%s: %v", alg, err)
		}
		if err := h.Verify(body, "key"); err != nil {
			t.Fatalf("%s: %v", alg, err)
		}
	}
}

func TestParseSignatureHeaderRejects(t *testing.T) {
	t.Parallel()
	sig := strings.Repeat("ab", 32)
	for _, h := range []string{
		"",
		"merchantid=m;serviceid=s;signature=" + sig,                              // no alg
		"merchantid=m;serviceid=s;signature=" + sig + ";alg=md5",                 // unknown alg
		"merchantid=m;serviceid=s;signature=zz;alg=sha256",                       // not hex
		"merchantid=m;serviceid=s;signature=abab;alg=sha256",                     // wrong length
		"serviceid=s;signature=" + sig + ";alg=sha256",                           // no merchant
		"merchantid=m;signature=" + sig + ";alg=sha256",                          // no service
		"merchantid=m;merchantid=n;serviceid=s;signature=" + sig + ";alg=sha256", // duplicate key
		"merchantid;serviceid=s;signature=" + sig + ";alg=sha256",
		strings.Repeat("a", 2000),
	} {
		if _, err := imoje.ParseSignatureHeader(h); err == nil {
			t.Errorf("accepted %q", h)
		}
	}
}

func TestParseNotificationRejects(t *testing.T) {
	t.Parallel()
	for _, b := range []string{
		``, `[]`, `{}`, `{"transaction":{}}`, `{"transaction":{"id":"x"}} trailing`,
		`{"transaction":{"id":"x","serviceId":"s","status":"weird","type":"sale","amount":1,"currency":"PLN"}}`,
		`{"transaction":{"id":"x","serviceId":"s","status":"settled","type":"sale","amount":-5,"currency":"PLN"}}`,
		`{"payment":{"id":"","serviceId":"s","status":"cancelled"}}`,
	} {
		if _, err := imoje.ParseNotification([]byte(b)); !errors.Is(err, imoje.ErrMalformedBody) {
			t.Errorf("%q: %v", b, err)
		}
	}
}

func FuzzParseSignatureHeader(f *testing.F) {
	f.Add(vectorHeader)
	f.Add("merchantid=a;serviceid=b;signature=00;alg=sha224")
	f.Fuzz(func(t *testing.T, h string) {
		parsed, err := imoje.ParseSignatureHeader(h)
		if err != nil {
			return
		}
		if parsed.MerchantID == "" || parsed.ServiceID == "" || len(parsed.Signature) == 0 {
			t.Fatalf("accepted an incomplete header %q: %+v", h, parsed)
		}
		_ = parsed.Verify([]byte(h), "k")
	})
}

func FuzzParseNotification(f *testing.F) {
	f.Add(vectorBody(f))
	f.Add([]byte(`{"payment":{"id":"p","serviceId":"s","status":"cancelled"}}`))
	f.Fuzz(func(t *testing.T, body []byte) {
		n, err := imoje.ParseNotification(body)
		if err != nil {
			return
		}
		if n.Transaction == nil && n.Payment == nil {
			t.Fatal("accepted a notification with neither transaction nor payment")
		}
	})
}

// The client against the project's imoje simulator.
func newSim(t *testing.T) (*imojesim.Simulator, *imoje.Client, imojesim.ShopConfig) {
	t.Helper()
	cfg := imojesim.DemoConfig()
	cfg.TimeFactor = 0.0001
	sim := imojesim.New(cfg)
	t.Cleanup(sim.Close)
	hs := httptest.NewServer(sim)
	t.Cleanup(hs.Close)
	m := sim.Merchants()[0]
	return sim, &imoje.Client{BaseURL: hs.URL + "/v1/merchant", MerchantID: m.ID, Token: m.Token}, m.Shops[0]
}

func TestClientAgainstSimulator(t *testing.T) {
	t.Parallel()
	sim, c, shop := newSim(t)
	ctx := context.Background()

	svc, err := c.GetService(ctx, shop.ServiceID)
	if err != nil {
		t.Fatal(err)
	}
	if svc.ID != shop.ServiceID || len(svc.PaymentMethods) == 0 {
		t.Fatalf("%+v", svc)
	}
	bad := *c
	bad.Token = "wrong"
	if _, err := bad.GetService(ctx, shop.ServiceID); err == nil {
		t.Fatal("wrong token accepted")
	} else if e, ok := imoje.AsAPIError(err); !ok || !e.Unauthorized() {
		t.Fatalf("%v", err)
	}

	tx, action, err := c.CreateTransaction(ctx, imoje.TransactionRequest{
		ServiceID: shop.ServiceID, Amount: 12000, Currency: "PLN", OrderID: "order-1", Title: "Haircut",
		PaymentMethod: "pbl", PaymentMethodCode: "ing", SuccessReturnURL: "https://shop.example.com/ok",
		FailureReturnURL: "https://shop.example.com/fail", Customer: imoje.Customer{FirstName: "Ala", LastName: "K", Email: "ala@example.com"},
	})
	if err != nil {
		t.Fatal(err)
	}
	if tx.ID == "" || action == nil || action.URL == "" || tx.Amount != 12000 {
		t.Fatalf("%+v %+v", tx, action)
	}
	if _, err := sim.ApplyOutcome(tx.ID, imojesim.Outcome{Outcome: "settle"}); err != nil {
		t.Fatal(err)
	}
	got, err := c.GetTransaction(ctx, tx.ID)
	if err != nil || got.Status != "settled" {
		t.Fatalf("%+v %v", got, err)
	}
	ref, err := c.Refund(ctx, tx.ID, shop.ServiceID, 2000, "partial")
	if err != nil || ref.Type != "refund" {
		t.Fatalf("%+v %v", ref, err)
	}
	_, _, err = c.CreateTransaction(ctx, imoje.TransactionRequest{ServiceID: shop.ServiceID, Amount: 0, Currency: "PLN", OrderID: "x",
		PaymentMethod: "pbl", PaymentMethodCode: "ing", Customer: imoje.Customer{FirstName: "a", LastName: "b", Email: "a@b.pl"}})
	if e, ok := imoje.AsAPIError(err); !ok || e.Status != 422 {
		t.Fatalf("invalid amount: %v", err)
	}

	link, err := c.CreatePayment(ctx, imoje.PaymentRequest{ServiceID: shop.ServiceID, Amount: 5000, Currency: "PLN", OrderID: "order-2",
		Title: "Massage", VisibleMethod: []string{"card"}, ValidTo: time.Now().Add(time.Hour).Unix(),
		Customer: imoje.Customer{FirstName: "Ala", LastName: "K", Email: "ala@example.com"}})
	if err != nil || link.URL == "" {
		t.Fatalf("%+v %v", link, err)
	}
	if err := c.CancelPayment(ctx, shop.ServiceID, link.ID); err != nil {
		t.Fatal(err)
	}
	p, err := c.GetPayment(ctx, link.ID)
	if err != nil || p.Status != "cancelled" {
		t.Fatalf("%+v %v", p, err)
	}

	unreachable := imoje.Client{BaseURL: "http://127.0.0.1:1/v1/merchant", MerchantID: "m", Token: "t"}
	if _, err := unreachable.GetService(ctx, "s"); err == nil {
		t.Fatal("no error from an unreachable imoje")
	} else if e, ok := imoje.AsAPIError(err); !ok || !e.Unavailable() {
		t.Fatalf("%v", err)
	}
}
