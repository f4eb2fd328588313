package config

import (
	"strings"
	"testing"
	"time"
)

func TestReconciliationAndImojeTimeout(t *testing.T) {
	t.Parallel()
	def, err := Load(func(string) string { return "" })
	if err != nil {
		t.Fatal(err)
	}
	if def.ReconcileInterval != 15*time.Second || def.ReconcileMinAge != 45*time.Second || def.ReconcileBatch != 100 || def.ImojeTimeout != 15*time.Second {
		t.Fatalf("defaults: interval %s, min age %s, batch %d, imoje timeout %s", def.ReconcileInterval, def.ReconcileMinAge, def.ReconcileBatch, def.ImojeTimeout)
	}
	set, err := Load(func(k string) string {
		return map[string]string{"SLOTPAY_RECONCILE_INTERVAL": "5s", "SLOTPAY_RECONCILE_MIN_AGE": "30", "SLOTPAY_RECONCILE_BATCH": "500", "SLOTPAY_IMOJE_TIMEOUT": "20s"}[k]
	})
	if err != nil {
		t.Fatal(err)
	}
	if set.ReconcileInterval != 5*time.Second || set.ReconcileMinAge != 30*time.Second || set.ReconcileBatch != 500 || set.ImojeTimeout != 20*time.Second {
		t.Fatalf("set: %+v", set)
	}
	for _, c := range []struct{ name, value, want string }{
		{"SLOTPAY_RECONCILE_INTERVAL", "0s", "SLOTPAY_RECONCILE_INTERVAL: \"0s\" must be positive"},
		{"SLOTPAY_RECONCILE_INTERVAL", "-5s", "must be positive"},
		{"SLOTPAY_RECONCILE_MIN_AGE", "0", "SLOTPAY_RECONCILE_MIN_AGE"},
		{"SLOTPAY_RECONCILE_MIN_AGE", "soon", "is not a duration"},
		{"SLOTPAY_IMOJE_TIMEOUT", "-1s", "SLOTPAY_IMOJE_TIMEOUT"},
		{"SLOTPAY_RECONCILE_BATCH", "0", "SLOTPAY_RECONCILE_BATCH: \"0\" is not a whole number from 1 to 10000"},
		{"SLOTPAY_RECONCILE_BATCH", "-3", "SLOTPAY_RECONCILE_BATCH"},
		{"SLOTPAY_RECONCILE_BATCH", "many", "SLOTPAY_RECONCILE_BATCH"},
	} {
		t.Run(c.name+"="+c.value, func(t *testing.T) {
			_, err := Load(func(k string) string {
				if k == c.name {
					return c.value
				}
				return ""
			})
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("error %v, want one containing %q", err, c.want)
			}
		})
	}
}
