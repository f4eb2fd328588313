package imoje_test

import (
	"testing"

	"github.com/slotpay/slotpay/services/imoje"
)

// The webhook's pure work per notification: parse the X-Imoje-Signature header, verify the
// signature over the raw body with the shop key, and parse the body. Run with
//
//	go test -run '^$' -bench . -benchmem ./services/imoje

func BenchmarkParseSignatureHeader(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		if _, err := imoje.ParseSignatureHeader(vectorHeader); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkVerifySignature(b *testing.B) {
	body := vectorBody(b)
	sig, err := imoje.ParseSignatureHeader(vectorHeader)
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(body)))
	b.ReportAllocs()
	for b.Loop() {
		if err := sig.Verify(body, vectorKey); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkParseNotification(b *testing.B) {
	body := vectorBody(b)
	b.SetBytes(int64(len(body)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := imoje.ParseNotification(body); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkVerifyAndParse is all three, as HandleNotification does them for one request.
func BenchmarkVerifyAndParse(b *testing.B) {
	body := vectorBody(b)
	b.SetBytes(int64(len(body)))
	b.ReportAllocs()
	for b.Loop() {
		sig, err := imoje.ParseSignatureHeader(vectorHeader)
		if err != nil {
			b.Fatal(err)
		}
		if err := sig.Verify(body, vectorKey); err != nil {
			b.Fatal(err)
		}
		if _, err := imoje.ParseNotification(body); err != nil {
			b.Fatal(err)
		}
	}
}
