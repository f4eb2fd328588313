package web_test

import (
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/slotpay/slotpay/services/web"
)

// A handler's attributes go on the request's one access line, with the request id.
func TestAccessLineCarriesWhatHandlersAdd(t *testing.T) {
	t.Parallel()
	var out strings.Builder
	log := web.NewLogger(&out, slog.LevelInfo)
	h := web.Observe(log, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		web.AddLogAttrs(r.Context(), slog.String("operation", "Agenda"), slog.Any("error_codes", []string{"NOT_FOUND"}))
		w.WriteHeader(http.StatusTeapot)
	}))
	req := httptest.NewRequest(http.MethodPost, "/graphql", nil)
	req.Header.Set("X-Request-Id", "req-7")
	h.ServeHTTP(httptest.NewRecorder(), req)
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	if len(lines) != 1 {
		t.Fatalf("%d lines, want one: %s", len(lines), out.String())
	}
	var line map[string]any
	if err := json.Unmarshal([]byte(lines[0]), &line); err != nil {
		t.Fatal(err)
	}
	if line["msg"] != "request" || line["request_id"] != "req-7" || line["status"] != float64(http.StatusTeapot) ||
		line["operation"] != "Agenda" || line["error_codes"].([]any)[0] != "NOT_FOUND" {
		t.Fatalf("access line %v", line)
	}
	// Outside a request it does nothing (and does not panic).
	web.AddLogAttrs(t.Context(), slog.String("operation", "x"))
}

// Errors written before GraphQL runs carry the code and the request id like the others.
func TestWriteErrorCarriesTheRequestID(t *testing.T) {
	t.Parallel()
	h := web.Observe(slog.New(slog.DiscardHandler), web.LimitBody(10, http.HandlerFunc(func(http.ResponseWriter, *http.Request) {
		t.Error("the handler ran for a body over the limit")
	})))
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodPost, "/graphql", strings.NewReader(strings.Repeat("x", 11))))
	var body struct {
		Errors []struct{ Extensions map[string]any }
	}
	if err := json.Unmarshal(rec.Body.Bytes(), &body); err != nil {
		t.Fatal(err)
	}
	id := rec.Header().Get("X-Request-Id")
	if rec.Code != http.StatusRequestEntityTooLarge || len(body.Errors) != 1 || id == "" ||
		body.Errors[0].Extensions["requestId"] != id || body.Errors[0].Extensions["code"] != "PAYLOAD_TOO_LARGE" {
		t.Fatalf("%d %s (X-Request-Id %q)", rec.Code, rec.Body, id)
	}
}
