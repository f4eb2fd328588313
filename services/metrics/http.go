package metrics

import (
	"net/http"
	"time"
)

// InstrumentHTTP counts every request by route, method and status and times it. It is the
// outermost handler, so it sees the 500 of a recovered panic too.
func (m *Metrics) InstrumentHTTP(next http.Handler) http.Handler {
	if m == nil {
		return next
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		rec := &statusRecorder{ResponseWriter: w}
		defer func() {
			route, method := Route(r.URL.Path), Method(r.Method)
			status := rec.status
			if status == 0 {
				status = http.StatusOK // the handler wrote nothing: net/http answers 200
			}
			if v := recover(); v != nil {
				// http.ErrAbortHandler (and anything Observe let through) ends the connection.
				m.httpRequests.WithLabelValues(route, method, "aborted").Inc()
				panic(v)
			}
			m.httpRequests.WithLabelValues(route, method, Status(status)).Inc()
			m.httpDuration.WithLabelValues(route, method).Observe(time.Since(start).Seconds())
		}()
		next.ServeHTTP(rec, r)
	})
}

type statusRecorder struct {
	http.ResponseWriter
	status int
}

func (s *statusRecorder) WriteHeader(code int) {
	if s.status == 0 {
		s.status = code
	}
	s.ResponseWriter.WriteHeader(code)
}

func (s *statusRecorder) Write(b []byte) (int, error) {
	if s.status == 0 {
		s.status = http.StatusOK
	}
	return s.ResponseWriter.Write(b)
}

// Unwrap lets http.ResponseController reach the connection (WebSocket hijack, flush).
func (s *statusRecorder) Unwrap() http.ResponseWriter { return s.ResponseWriter }
