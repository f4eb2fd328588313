package smsapisim

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
)

const tok = "sim-token-0123456789abcdef"

func post(t *testing.T, srv *httptest.Server, token string, form url.Values) (int, string) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, srv.URL+"/sms.do", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func TestSMSDoAnswersLikeSMSAPI(t *testing.T) {
	t.Parallel()
	sim := New(Config{Tokens: []string{tok}})
	srv := httptest.NewServer(sim)
	defer srv.Close()

	for _, tc := range []struct {
		name  string
		token string
		form  url.Values
		want  string
	}{
		{"json", tok, url.Values{"to": {"600100200"}, "message": {"Hi"}, "format": {"json"}}, `"number":"48600100200"`},
		{"plain OK", tok, url.Values{"to": {"48600100200"}, "message": {"Hi"}}, "OK:"},
		{"plain ERROR", "bad", url.Values{"to": {"48600100200"}, "message": {"Hi"}}, "ERROR:101"},
		{"no token", "", url.Values{"to": {"48600100200"}, "message": {"Hi"}, "format": {"json"}}, `"error":101`},
		{"bad number", tok, url.Values{"to": {"0600"}, "message": {"Hi"}, "format": {"json"}}, `"error":13`},
		{"landline-length Polish number", tok, url.Values{"to": {"4860010020"}, "message": {"Hi"}, "format": {"json"}}, `"error":13`},
		{"no message", tok, url.Values{"to": {"48600100200"}, "format": {"json"}}, `"error":11`},
		{"Polish sender name", tok, url.Values{"to": {"48600100200"}, "message": {"Hi"}, "from": {"Zdrój"}, "format": {"json"}}, `"error":14`},
		{"other encoding", tok, url.Values{"to": {"48600100200"}, "message": {"Hi"}, "encoding": {"windows-1250"}, "format": {"json"}}, `"error":18`},
		{"normalize", tok, url.Values{"to": {"48600100200"}, "message": {"Zażółć"}, "normalize": {"1"}, "details": {"1"}, "format": {"json"}}, `"message":"Zazolc"`},
	} {
		status, body := post(t, srv, tc.token, tc.form)
		if status != http.StatusOK || !strings.Contains(body, tc.want) {
			t.Errorf("%s: %d %s; want %s", tc.name, status, body, tc.want)
		}
	}
	if n := len(sim.Messages()); n != 3 {
		t.Errorf("%d messages stored; want 3", n)
	}
	if sim.Messages()[2].Text != "Zazolc" || sim.Messages()[2].Encoding != "GSM-7" {
		t.Errorf("normalized message stored as %+v", sim.Messages()[2])
	}
}

func TestFaultsAndDashboard(t *testing.T) {
	t.Parallel()
	sim := New(Config{Tokens: []string{tok}})
	srv := httptest.NewServer(sim)
	defer srv.Close()
	resp, err := http.Post(srv.URL+"/_sim/faults", "application/json", strings.NewReader(`{"count":2,"error":201}`))
	if err != nil || resp.StatusCode != http.StatusNoContent {
		t.Fatalf("POST faults: %v %v", resp, err)
	}
	form := url.Values{"to": {"48600100200"}, "message": {"Przypomnienie: wizyta jutro"}, "format": {"json"}}
	for i := 0; i < 2; i++ {
		if _, body := post(t, srv, tok, form); !strings.Contains(body, `"error":201`) {
			t.Fatalf("attempt %d: %s", i, body)
		}
	}
	if _, body := post(t, srv, tok, form); !strings.Contains(body, `"status":"QUEUE"`) {
		t.Fatalf("after the faults: %s", body)
	}
	page, err := http.Get(srv.URL + "/_sim/")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(page.Body)
	page.Body.Close()
	if !strings.Contains(string(b), "Przypomnienie: wizyta jutro") || !strings.Contains(string(b), "48600100200") {
		t.Fatalf("dashboard does not list the message:\n%s", b)
	}
	list, _ := http.Get(srv.URL + "/_sim/messages")
	var got struct{ Messages []Message }
	_ = json.NewDecoder(list.Body).Decode(&got)
	list.Body.Close()
	if len(got.Messages) != 1 || got.Messages[0].Parts != 1 || got.Messages[0].Encoding != "GSM-7" {
		t.Fatalf("messages: %+v", got)
	}
}

// Whatever arrives at /sms.do, the stand-in answers (never panics) and stores a message only when
// it answered it as accepted.
func FuzzSMSDo(f *testing.F) {
	for _, seed := range []string{
		"to=48600100200&message=Hi&format=json", "to=600100200,700100200&message=%C5%BC&format=json&idx=a&check_idx=1",
		"to=&message=", "to=48600100200&message=%ff%fe&format=json", "format=json&normalize=1&datacoding=bin&to=1&message=x",
		"to=48600100200&message=" + strings.Repeat("a", 3000) + "&format=json", "%zz",
	} {
		f.Add(seed, true)
		f.Add(seed, false)
	}
	f.Fuzz(func(t *testing.T, body string, withToken bool) {
		sim := New(Config{Tokens: []string{tok}})
		req := httptest.NewRequest(http.MethodPost, "/sms.do", strings.NewReader(body))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		if withToken {
			req.Header.Set("Authorization", "Bearer "+tok)
		}
		rec := httptest.NewRecorder()
		sim.ServeHTTP(rec, req)
		accepted := strings.Contains(rec.Body.String(), `"list"`) || strings.HasPrefix(rec.Body.String(), "OK:")
		if accepted != (len(sim.Messages()) > 0) {
			t.Fatalf("answered %q but stored %d messages", rec.Body.String(), len(sim.Messages()))
		}
		if !withToken && accepted {
			t.Fatal("accepted without a token")
		}
	})
}
