package server_test

import (
	"os"
	"regexp"
	"testing"

	"github.com/slotpay/slotpay/services/payments"
)

// TestDocsNameTheWebhookRoute: every notification URL of slotpay's (127.0.0.1:8080 by default) that
// the simulator's docs give is the route slotpay serves imoje's notifications on.
func TestDocsNameTheWebhookRoute(t *testing.T) {
	t.Parallel()
	doc, err := os.ReadFile("../../docs/imojesim.md")
	if err != nil {
		t.Fatal(err)
	}
	urls := regexp.MustCompile(`(?i)notification[^\n]*?(http://127\.0\.0\.1:8080(/[A-Za-z0-9/_-]*))`).FindAllStringSubmatch(string(doc), -1)
	if len(urls) == 0 {
		t.Fatal("docs/imojesim.md names no slotpay notification URL")
	}
	for _, u := range urls {
		if u[2] != payments.WebhookPath {
			t.Errorf("docs/imojesim.md points notifications at %s; slotpay serves them on %s", u[1], payments.WebhookPath)
		}
	}
}
