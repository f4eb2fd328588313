package metrics

import (
	"context"
	"errors"
	"net"
	"net/http"
	"strings"
	"time"
)

// ImojeTransport wraps base (http.DefaultTransport when nil) to count and time every call to
// imoje's API by templated endpoint, method and status. Ids in the path (merchant, shop,
// transaction, payment) never reach a label.
func (m *Metrics) ImojeTransport(base http.RoundTripper) http.RoundTripper {
	if base == nil {
		base = http.DefaultTransport
	}
	if m == nil {
		return base
	}
	return imojeTransport{m: m, base: base}
}

type imojeTransport struct {
	m    *Metrics
	base http.RoundTripper
}

func (t imojeTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	start := time.Now()
	resp, err := t.base.RoundTrip(r)
	endpoint, method := ImojeEndpoint(r.Method, r.URL.Path), Method(r.Method)
	status := "error"
	switch {
	case err == nil:
		status = Status(resp.StatusCode)
	case timedOut(r, err):
		status = "timeout"
	}
	t.m.imojeCalls.WithLabelValues(endpoint, method, status).Inc()
	if err == nil {
		t.m.imojeDuration.WithLabelValues(endpoint, method).Observe(time.Since(start).Seconds())
	}
	return resp, err
}

// timedOut tells a call that ran out of its time from one that failed to connect. The deadline is
// checked directly: http.Client's Timeout cancels a wrapped transport's request through two timers
// (Request.Cancel and the context's), and either may fire first, so the error alone cannot tell.
func timedOut(r *http.Request, err error) bool {
	var netErr net.Error
	if errors.Is(err, context.DeadlineExceeded) || (errors.As(err, &netErr) && netErr.Timeout()) {
		return true
	}
	deadline, ok := r.Context().Deadline()
	return ok && !time.Now().Before(deadline)
}

// ImojeEndpoint templates the path of an imoje API call, <base>/<merchantId>/<endpoint>, by its
// tail, whatever the base (imoje's hosts, the simulator under /_imoje): "service/{id}",
// "transaction", "transaction/{id}", "transaction/{id}/refund", "payment", "payment/{id}",
// "payment/cancel"; anything else is "other".
func ImojeEndpoint(method, path string) string {
	seg := strings.Split(strings.Trim(path, "/"), "/")
	n := len(seg)
	at := func(i int) string { // the i-th segment from the end (1 is the last)
		if i > n {
			return ""
		}
		return seg[n-i]
	}
	switch method {
	case http.MethodPost:
		switch {
		case at(1) == "refund" && at(3) == "transaction" && n >= 4:
			return "transaction/{id}/refund"
		case at(1) == "cancel" && at(2) == "payment" && n >= 3:
			return "payment/cancel"
		case (at(1) == "transaction" || at(1) == "payment") && n >= 2:
			return at(1)
		}
	case http.MethodGet:
		switch p := at(2); {
		case (p == "service" || p == "transaction" || p == "payment") && n >= 3:
			return p + "/{id}"
		}
	}
	return "other"
}
