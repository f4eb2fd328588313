package sms_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/slotpay/slotpay/services/sms"
	"github.com/slotpay/slotpay/smsapisim"
)

const token = "sim-token-0123456789abcdef"

func standIn(t *testing.T, cfg smsapisim.Config) (*smsapisim.Simulator, sms.SMSAPIConnector) {
	t.Helper()
	if cfg.Tokens == nil {
		cfg.Tokens = []string{token}
	}
	sim := smsapisim.New(cfg)
	srv := httptest.NewServer(sim)
	t.Cleanup(srv.Close)
	return sim, sms.SMSAPIConnector{BaseURL: srv.URL, HTTP: &http.Client{Timeout: 5 * time.Second}}
}

// The client against the stand-in over real HTTP: a Polish message is accepted, stored as sent,
// and counted as SMSAPI counts it.
func TestSMSAPISendsThroughTheStandIn(t *testing.T) {
	t.Parallel()
	sim, conn := standIn(t, smsapisim.Config{Senders: []string{"SalonAnna"}})
	text := "Dzień dobry! Wizyta jutro o 9:00. Zmiana lub odwołanie: https://example.pl/r/x — do zobaczenia"
	r, err := conn.Client(token).Send(context.Background(), sms.Message{To: "+48600100200", Text: text, From: "SalonAnna", Key: "msg-1"})
	if err != nil {
		t.Fatal(err)
	}
	if r.ProviderID == "" || r.Parts != 2 || r.Status != "QUEUE" || r.Duplicate {
		t.Fatalf("receipt %+v; want an id, 2 parts, QUEUE", r)
	}
	got := sim.Messages()
	if len(got) != 1 || got[0].ID != r.ProviderID || got[0].Number != "48600100200" || got[0].Text != text ||
		got[0].From != "SalonAnna" || got[0].Encoding != "UCS-2" || got[0].Parts != 2 || got[0].Idx != "msg-1" {
		t.Fatalf("stand-in stored %+v", got)
	}
}

// A retry with the same key (idx with check_idx=1) is refused by SMSAPI as a duplicate, which the
// client reports as accepted earlier: nothing is sent twice.
func TestSMSAPIRetryWithTheSameKeyIsADuplicate(t *testing.T) {
	t.Parallel()
	sim, conn := standIn(t, smsapisim.Config{})
	c := conn.Client(token)
	m := sms.Message{To: "+48600100200", Text: "Hello", Key: "outbox-42"}
	if _, err := c.Send(context.Background(), m); err != nil {
		t.Fatal(err)
	}
	r, err := c.Send(context.Background(), m)
	if err != nil || !r.Duplicate {
		t.Fatalf("second send = %+v, %v; want a duplicate", r, err)
	}
	if n := len(sim.Messages()); n != 1 {
		t.Fatalf("%d messages stored; want 1", n)
	}
}

func TestSMSAPIRefusals(t *testing.T) {
	t.Parallel()
	sim, conn := standIn(t, smsapisim.Config{Senders: []string{"SalonAnna"}, Points: 1})
	for _, tc := range []struct {
		name      string
		token     string
		msg       sms.Message
		kind      sms.Kind
		code      string
		retryable bool
	}{
		{"bad token", "nope", sms.Message{To: "+48600100200", Text: "x"}, sms.KindCredentials, "101", false},
		{"no valid number", token, sms.Message{To: "+4812", Text: "x"}, sms.KindRecipient, "13", false},
		{"unregistered sender", token, sms.Message{To: "+48600100200", Text: "x", From: "Other"}, sms.KindSender, "14", false},
		{"empty message", token, sms.Message{To: "+48600100200", Text: ""}, sms.KindMessage, "11", false},
		// 1 point buys 6 parts of 0.16: a seven-part message is refused.
		{"no points", token, sms.Message{To: "+48600100200", Text: strings.Repeat("a", 7*153)}, sms.KindAccount, "103", false},
	} {
		_, err := conn.Client(tc.token).Send(context.Background(), tc.msg)
		e, ok := sms.AsError(err)
		if !ok || e.Kind != tc.kind || e.Code != tc.code || e.Retryable != tc.retryable || sms.IsRetryable(err) != tc.retryable {
			t.Errorf("%s: %v; want %s %s retryable=%v", tc.name, err, tc.kind, tc.code, tc.retryable)
		}
	}
	if n := len(sim.Messages()); n != 0 {
		t.Fatalf("%d messages stored after refusals", n)
	}
}

// Faults: SMSAPI's system errors and an HTTP 503 are retryable; after them the message goes.
func TestSMSAPIFaultsAreRetryable(t *testing.T) {
	t.Parallel()
	sim, conn := standIn(t, smsapisim.Config{})
	sim.Fail(smsapisim.Fault{Count: 1, Error: 201})
	sim.Fail(smsapisim.Fault{Count: 1, Status: http.StatusServiceUnavailable})
	sim.Fail(smsapisim.Fault{Count: 1, Error: 999})
	c := conn.Client(token)
	m := sms.Message{To: "+48600100200", Text: "Hello", Key: "k"}
	for i, want := range []string{"201", "HTTP 503", "999"} {
		_, err := c.Send(context.Background(), m)
		if e, ok := sms.AsError(err); !ok || !e.Retryable || e.Code != want || e.Kind != sms.KindUnavailable {
			t.Fatalf("attempt %d: %v; want retryable %s", i+1, err, want)
		}
	}
	if r, err := c.Send(context.Background(), m); err != nil || r.ProviderID == "" {
		t.Fatalf("after the faults: %+v, %v", r, err)
	}
	if sim.Requests() != 4 || len(sim.Messages()) != 1 {
		t.Fatalf("%d requests, %d messages; want 4 and 1", sim.Requests(), len(sim.Messages()))
	}
}

func TestSMSAPIUnreachableIsRetryableAndCancelIsNot(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(http.NotFoundHandler())
	url := srv.URL
	srv.Close()
	c := sms.SMSAPIConnector{BaseURL: url, HTTP: &http.Client{Timeout: time.Second}}.Client(token)
	_, err := c.Send(context.Background(), sms.Message{To: "+48600100200", Text: "x"})
	if e, ok := sms.AsError(err); !ok || !e.Retryable {
		t.Fatalf("unreachable: %v; want retryable", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err = c.Send(ctx, sms.Message{To: "+48600100200", Text: "x"})
	if !errors.Is(err, context.Canceled) || sms.IsRetryable(err) {
		t.Fatalf("cancelled: %v", err)
	}
}

func TestSMSAPIProfileChecksTheToken(t *testing.T) {
	t.Parallel()
	_, conn := standIn(t, smsapisim.Config{Points: 12.5})
	p, err := conn.Client(token).Profile(context.Background())
	if err != nil || p.Points != 12.5 {
		t.Fatalf("profile %+v %v", p, err)
	}
	_, err = conn.Client("nope-nope-nope").Profile(context.Background())
	if e, ok := sms.AsError(err); !ok || e.Kind != sms.KindCredentials || e.Retryable {
		t.Fatalf("refused token: %v", err)
	}
}
