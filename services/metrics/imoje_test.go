package metrics

import (
	"net"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus/testutil"
)

// The transport labels each call by its templated endpoint and what came back: imoje's status, a
// timeout (no answer within the client's bound), or an error (no connection).
func TestImojeTransportLabelsOutcomes(t *testing.T) {
	t.Parallel()
	release := make(chan struct{})
	imoje := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/v1/merchant/m1/transaction":
			w.WriteHeader(http.StatusOK)
		case "/v1/merchant/m1/payment/cancel":
			w.WriteHeader(http.StatusServiceUnavailable)
		default: // GET transaction/{id}: too slow
			select {
			case <-release:
			case <-r.Context().Done():
			}
		}
	}))
	defer imoje.Close()
	defer close(release)
	closed, _ := net.Listen("tcp", "127.0.0.1:0")
	deadAddr := closed.Addr().String()
	closed.Close()

	m := New(Options{})
	client := &http.Client{Timeout: 100 * time.Millisecond, Transport: m.ImojeTransport(nil)}
	call := func(method, url string) {
		req, _ := http.NewRequest(method, url, nil)
		if resp, err := client.Do(req); err == nil {
			resp.Body.Close()
		}
	}
	call(http.MethodPost, imoje.URL+"/v1/merchant/m1/transaction")
	call(http.MethodPost, imoje.URL+"/v1/merchant/m1/transaction")
	call(http.MethodPost, imoje.URL+"/v1/merchant/m1/payment/cancel")
	call(http.MethodGet, imoje.URL+"/v1/merchant/m1/transaction/3fa85f64-5717-4562-b3fc-2c963f66afa6")
	call(http.MethodGet, "http://"+deadAddr+"/v1/merchant/m1/payment/3fa85f64-5717-4562-b3fc-2c963f66afa6")

	for _, c := range []struct {
		labels []string
		want   float64
	}{
		{[]string{"transaction", "POST", "200"}, 2},
		{[]string{"payment/cancel", "POST", "503"}, 1},
		{[]string{"transaction/{id}", "GET", "timeout"}, 1},
		{[]string{"payment/{id}", "GET", "error"}, 1},
	} {
		if got := testutil.ToFloat64(m.imojeCalls.WithLabelValues(c.labels...)); got != c.want {
			t.Errorf("imoje calls %v = %v, want %v", c.labels, got, c.want)
		}
	}
	if n := testutil.CollectAndCount(m.imojeCalls); n != 4 {
		t.Errorf("%d series, want 4", n)
	}
	// Only answered calls are timed.
	if n := testutil.CollectAndCount(m.imojeDuration); n != 2 {
		t.Errorf("%d duration series, want 2 (transaction, payment/cancel)", n)
	}
}
