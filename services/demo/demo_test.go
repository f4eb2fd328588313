package demo_test

import (
	"context"
	"maps"
	"testing"

	"github.com/slotpay/slotpay/services/demo"
	"github.com/slotpay/slotpay/services/server/servertest"
)

// Seeding twice makes the business once: the second run finds everything (same ids, no second row
// of anything) and connects imoje again; the widget's public queries see the catalogue.
func TestSeedIsIdempotent(t *testing.T) {
	t.Parallel()
	env := servertest.New(t)
	shop, ok := demo.ShopOf(env.Server.Imoje)
	if !ok {
		t.Fatal("no simulator shop")
	}
	first, err := demo.Seed(context.Background(), env.Server.Handler, shop)
	if err != nil {
		t.Fatal(err)
	}
	if !first.Created || !first.ImojeConnected || len(first.Services) != 4 || len(first.Staff) != 2 {
		t.Fatalf("first seed: %+v", first)
	}
	count := func() [4]int {
		return [4]int{env.Count(`SELECT count(*) FROM services`), env.Count(`SELECT count(*) FROM staff_members`),
			env.Count(`SELECT count(*) FROM booking_fields`), env.Count(`SELECT count(*) FROM payment_methods`)}
	}
	before := count()
	second, err := demo.Seed(context.Background(), env.Server.Handler, shop)
	if err != nil {
		t.Fatal(err)
	}
	if second.Created || !maps.Equal(first.Services, second.Services) || !maps.Equal(first.Staff, second.Staff) {
		t.Fatalf("second seed: %+v", second)
	}
	if after := count(); after != before || before != [4]int{4, 2, 3, 2} {
		t.Fatalf("rows (services, staff, fields, methods) %v then %v", before, after)
	}
	var pub struct {
		PublicServices       []struct{ Name string }
		PublicPaymentMethods []struct {
			Kind  string
			Imoje *struct{ Configured bool }
		}
		Business struct{ PaymentMethods []struct{ Channels []string } }
	}
	env.Must("", `query($s: String!) { publicServices(tenantSlug: $s) { name } publicPaymentMethods(tenantSlug: $s) { kind }
		business(slug: $s) { paymentMethods { channels } } }`, map[string]any{"s": demo.Slug}, &pub)
	if len(pub.PublicServices) != 4 || len(pub.PublicPaymentMethods) != 2 {
		t.Fatalf("public view: %+v", pub)
	}
	var channels int
	for _, m := range pub.Business.PaymentMethods {
		channels += len(m.Channels)
	}
	if channels != 4 {
		t.Fatalf("imoje channels offered: %+v", pub.Business.PaymentMethods)
	}
}
