package sms

import (
	"net/http"
	"strings"
	"testing"
)

func TestParseSMSAPIResponse(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name      string
		status    int
		body      string
		id        string
		dup       bool
		code      string
		retryable bool
	}{
		{"accepted", 200, `{"count":1,"list":[{"id":"5A1B","points":0.16,"number":"48600100200","date_sent":1,"submitted_number":"+48600100200","status":"QUEUE","parts":1}]}`, "5A1B", false, "", false},
		{"error as a number", 200, `{"error":13,"message":"No correct phone numbers"}`, "", false, "13", false},
		{"error as a string", 200, `{"error":"101","message":"Authorization failed"}`, "", false, "101", false},
		{"a REST-style string error", 400, `{"error":"invalid_request_data","message":"This value should not be blank."}`, "", false, "-1", false},
		{"system error", 200, `{"error":999,"message":"Internal error"}`, "", false, "999", true},
		{"unknown code is permanent", 200, `{"error":4242,"message":"?"}`, "", false, "4242", false},
		{"duplicate idx", 200, `{"error":53,"message":"Not unique idx"}`, "", true, "", false},
		{"error inside the list", 200, `{"count":1,"list":[{"error":14,"message":"bad sender"}]}`, "", false, "14", false},
		{"HTTP 503 without JSON", 503, `<html>busy</html>`, "", false, "HTTP 503", true},
		{"HTTP 429", 429, ``, "", false, "HTTP 429", true},
		{"HTTP 401 without JSON", 401, ``, "", false, "HTTP 401", false},
		{"2xx not JSON", 200, `OK:123:0.16`, "", false, "", true},
		{"empty list", 200, `{"count":0,"list":[]}`, "", false, "", true},
		{"no id", 200, `{"count":1,"list":[{"status":"QUEUE"}]}`, "", false, "", true},
		{"error zero is not an error", 200, `{"error":0,"count":1,"list":[{"id":"X"}]}`, "X", false, "", false},
	} {
		r, err := parseSMSAPIResponse(tc.status, []byte(tc.body))
		if tc.id != "" || tc.dup {
			if err != nil || r.ProviderID != tc.id || r.Duplicate != tc.dup {
				t.Errorf("%s: %+v, %v", tc.name, r, err)
			}
			continue
		}
		e, ok := AsError(err)
		if !ok || e.Code != tc.code || e.Retryable != tc.retryable {
			t.Errorf("%s: %v; want code %q retryable=%v", tc.name, err, tc.code, tc.retryable)
		}
	}
}

// Whatever SMSAPI (or anything between) answers, the parser returns a receipt with an id, a
// duplicate, or an *Error — never a panic, never a success without an id.
func FuzzParseSMSAPIResponse(f *testing.F) {
	for _, seed := range []string{
		`{"count":1,"list":[{"id":"5A1B","points":0.16,"status":"QUEUE","parts":1}]}`,
		`{"error":13,"message":"x"}`, `{"error":"x"}`, `{"error":null,"list":[{"id":""}]}`, `{"list":[{"error":[1]}]}`,
		`[]`, `null`, ``, `{"error":1e400}`, `{"error":53}`, strings.Repeat(`{"list":[`, 100),
	} {
		f.Add(200, []byte(seed))
		f.Add(500, []byte(seed))
	}
	f.Fuzz(func(t *testing.T, status int, body []byte) {
		r, err := parseSMSAPIResponse(status, body)
		if err == nil {
			if !r.Duplicate && r.ProviderID == "" {
				t.Fatalf("success without an id: %+v", r)
			}
			if status != http.StatusOK && (status < 200 || status > 299) && !r.Duplicate {
				t.Fatalf("success on HTTP %d", status)
			}
			return
		}
		if _, ok := AsError(err); !ok {
			t.Fatalf("not an *Error: %v", err)
		}
	})
}
