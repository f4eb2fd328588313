package metrics

import (
	"net/http"
	"net/http/httptest"
	"testing"
)

// The per-request cost of the HTTP instrumentation (label lookup, counter, histogram).
func BenchmarkInstrumentHTTP(b *testing.B) {
	m := New(Options{})
	h := m.InstrumentHTTP(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusOK) }))
	r := httptest.NewRequest(http.MethodPost, "/graphql", nil)
	w := httptest.NewRecorder()
	b.ReportAllocs()
	for b.Loop() {
		h.ServeHTTP(w, r)
	}
}

func BenchmarkImojeEndpoint(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		_ = ImojeEndpoint(http.MethodPost, "/v1/merchant/abcd1234/transaction/3fa85f64-5717-4562-b3fc-2c963f66afa6/refund")
	}
}
