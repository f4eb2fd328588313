package graph

import (
	"testing"

	"github.com/slotpay/slotpay/graph/generated"
	"github.com/slotpay/slotpay/models"
)

// TestPaymentChannelsAreTheSchemas holds models.PaymentChannel (bound to the enum so that
// Payment.channel is a method of the model, without a resolver) to the schema's values: a value
// added to the schema and not to the model would be refused as input.
func TestPaymentChannelsAreTheSchemas(t *testing.T) {
	def := generated.NewExecutableSchema(generated.Config{}).Schema().Types["PaymentChannel"]
	if def == nil || len(def.EnumValues) == 0 {
		t.Fatal("the schema has no enum PaymentChannel")
	}
	for _, v := range def.EnumValues {
		if !models.PaymentChannel(v.Name).Valid() {
			t.Errorf("schema value %s is not a valid models.PaymentChannel", v.Name)
		}
	}
	for _, v := range []string{"", "blik", "CASH", "BLIK "} {
		if models.PaymentChannel(v).Valid() {
			t.Errorf("%q is valid, but not in the schema", v)
		}
	}
}
