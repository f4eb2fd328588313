package tracing

import (
	"context"
	"testing"
)

// BenchmarkOff is what tracing costs where it is off: the span check in every log line and a
// Start/End pair (the webhook's) with no recording span in the context.
func BenchmarkOff(b *testing.B) {
	ctx := context.WithValue(context.Background(), struct{ k int }{1}, "request id") // a request's context
	b.ReportAllocs()
	for b.Loop() {
		if LogAttrs(ctx) != nil {
			b.Fatal("attributes without a span")
		}
		_, span := Start(ctx, "imoje notification")
		End(span, nil)
	}
}
