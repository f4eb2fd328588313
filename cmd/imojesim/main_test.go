package main

import (
	"bufio"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestParseOptions(t *testing.T) {
	t.Parallel()
	env := map[string]string{"IMOJESIM_ADDR": "0.0.0.0:9000", "IMOJESIM_TIME_FACTOR": "0.5", "IMOJESIM_BASE_URL": "http://sim.test"}
	getenv := func(k string) string { return env[k] }
	tests := []struct {
		name string
		args []string
		want options
		bad  bool
	}{
		{"environment", nil, options{addr: "0.0.0.0:9000", timeFactor: 0.5, baseURL: "http://sim.test"}, false},
		{"flags win", []string{"-addr", ":1", "-time-factor", "2", "-config", "c.json"}, options{addr: ":1", timeFactor: 2, baseURL: "http://sim.test", configFile: "c.json"}, false},
		{"bad factor", []string{"-time-factor", "-1"}, options{}, true},
		{"stray argument", []string{"x"}, options{}, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := parseOptions(tc.args, getenv, io.Discard)
			if (err != nil) != tc.bad || (!tc.bad && got != tc.want) {
				t.Fatalf("got %+v, %v", got, err)
			}
		})
	}
	got, err := parseOptions(nil, func(string) string { return "" }, io.Discard)
	if err != nil || got.addr != "127.0.0.1:8089" || got.timeFactor != 0 {
		t.Fatalf("defaults = %+v %v", got, err)
	}
}

func TestBuildConfig(t *testing.T) {
	t.Parallel()
	demo, err := buildConfig(options{notificationURL: "http://127.0.0.1:8080/payment-imoje", timeFactor: 0.1})
	if err != nil || len(demo.Merchants) != 1 || demo.Merchants[0].Shops[0].NotificationURL != "http://127.0.0.1:8080/payment-imoje" || demo.TimeFactor != 0.1 {
		t.Fatalf("demo = %+v %v", demo, err)
	}
	path := filepath.Join(t.TempDir(), "c.json")
	os.WriteFile(path, []byte(`{"timeFactor":0.2,"merchants":[{"id":"m1","token":"t1","shops":[{"serviceId":"s1","serviceKey":"k1"}]}]}`), 0o600)
	cfg, err := buildConfig(options{configFile: path, baseURL: "http://x/_imoje"})
	if err != nil || cfg.Merchants[0].ID != "m1" || cfg.TimeFactor != 0.2 || cfg.BaseURL != "http://x/_imoje" {
		t.Fatalf("file = %+v %v", cfg, err)
	}
	if _, err := buildConfig(options{configFile: filepath.Join(t.TempDir(), "missing.json")}); err == nil {
		t.Fatal("missing file accepted")
	}
}

// The binary starts with the demo merchant, prints its credentials, serves, and stops on cancel.
func TestRunServesDemo(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithCancel(context.Background())
	pr, pw := io.Pipe()
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, []string{"-addr", "127.0.0.1:0"}, func(string) string { return "" }, pw)
		pw.Close()
	}()
	lines := bufio.NewScanner(pr)
	var base, token, merchant string
	for lines.Scan() {
		line := lines.Text()
		if b, ok := strings.CutPrefix(line, "imojesim listening on "); ok {
			base = b
		}
		if m, ok := strings.CutPrefix(line, "merchant "); ok {
			merchant = m
		}
		if tk, ok := strings.CutPrefix(line, "  token      "); ok {
			token = tk
			break
		}
	}
	go io.Copy(io.Discard, pr)
	if base == "" || token == "" || merchant == "" {
		t.Fatalf("credentials not printed: base %q merchant %q token %q", base, merchant, token)
	}
	resp, err := http.Get(base + "/_sim/merchants")
	if err != nil {
		t.Fatal(err)
	}
	var list struct {
		Merchants []struct {
			ID    string `json:"id"`
			Token string `json:"token"`
		} `json:"merchants"`
	}
	json.NewDecoder(resp.Body).Decode(&list)
	resp.Body.Close()
	if len(list.Merchants) != 1 || list.Merchants[0].ID != merchant || list.Merchants[0].Token != token {
		t.Fatalf("merchants = %+v", list)
	}
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("did not stop")
	}
}
