// Package mailtest starts a real SMTP catcher, Mailpit (github.com/axllent/mailpit), for tests:
// one private instance per call on free loopback ports, stopped when the test ends, whose HTTP API
// lists and reads what it caught. The binary is built with `go install` when it is missing (the Go
// module proxy is all a fresh machine needs); MAILPIT names another binary.
package mailtest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/slotpay/slotpay/services/mail"
)

// Version is the Mailpit release the tests use.
const Version = "v1.33.1"

// Mailpit is a running Mailpit.
type Mailpit struct {
	SMTPHost string
	SMTPPort int
	APIURL   string
	t        testing.TB
}

var (
	installOnce sync.Once
	binary      string
	installErr  error
)

// Binary is the path of the Mailpit binary, installed with `go install` when missing.
func Binary() (string, error) {
	installOnce.Do(func() {
		if p := os.Getenv("MAILPIT"); p != "" {
			binary = p
			return
		}
		if p, err := exec.LookPath("mailpit"); err == nil {
			binary = p
			return
		}
		gobin := os.Getenv("GOBIN")
		if gobin == "" {
			out, err := exec.Command("go", "env", "GOPATH").Output()
			if err != nil {
				installErr = fmt.Errorf("go env GOPATH: %w", err)
				return
			}
			gobin = filepath.Join(string(bytes.TrimSpace(out)), "bin")
		}
		binary = filepath.Join(gobin, "mailpit")
		if _, err := os.Stat(binary); err == nil {
			return
		}
		cmd := exec.Command("go", "install", "github.com/axllent/mailpit@"+Version)
		cmd.Env = append(os.Environ(), "GOBIN="+gobin, "GOFLAGS=-mod=mod")
		if out, err := cmd.CombinedOutput(); err != nil {
			installErr = fmt.Errorf("go install mailpit: %w: %s", err, out)
		}
	})
	return binary, installErr
}

// Start runs a private Mailpit until the test ends.
func Start(t testing.TB) *Mailpit {
	t.Helper()
	bin, err := Binary()
	if err != nil {
		t.Fatal(err)
	}
	smtpPort, httpPort := freePort(t), freePort(t)
	cmd := exec.Command(bin, "--smtp", "127.0.0.1:"+strconv.Itoa(smtpPort), "--listen", "127.0.0.1:"+strconv.Itoa(httpPort),
		"--database", filepath.Join(t.TempDir(), "mailpit.db"), "--smtp-auth-accept-any", "--smtp-auth-allow-insecure", "--quiet")
	var logs bytes.Buffer
	cmd.Stdout, cmd.Stderr = &logs, &logs
	if err := cmd.Start(); err != nil {
		t.Fatalf("start mailpit: %v", err)
	}
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
	})
	m := &Mailpit{SMTPHost: "127.0.0.1", SMTPPort: smtpPort, APIURL: "http://127.0.0.1:" + strconv.Itoa(httpPort), t: t}
	deadline := time.Now().Add(20 * time.Second)
	for {
		resp, err := http.Get(m.APIURL + "/api/v1/info")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				if c, err := net.Dial("tcp", "127.0.0.1:"+strconv.Itoa(smtpPort)); err == nil {
					c.Close()
					return m
				}
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("mailpit did not start: %v\n%s", err, logs.String())
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func freePort(t testing.TB) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// Config is an SMTP configuration sending to this Mailpit (no TLS: it is on loopback).
func (m *Mailpit) Config() mail.Config {
	return mail.Config{Host: m.SMTPHost, Port: m.SMTPPort, Security: mail.None, From: "no-reply@slotpay.test", FromName: "slotpay",
		Timeout: 10 * time.Second}
}

// Address is a message's sender or recipient.
type Address struct {
	Name    string
	Address string
}

// Summary is a message in Mailpit's list.
type Summary struct {
	ID          string
	MessageID   string
	From        Address
	To          []Address
	Subject     string
	Created     time.Time
	Attachments int
	Snippet     string
}

// Message is one message read whole.
type Message struct {
	ID          string
	MessageID   string
	From        Address
	To          []Address
	ReplyTo     []Address
	Subject     string
	Date        time.Time
	Text        string
	HTML        string
	Attachments []Attachment
}

// Attachment is a message's attached file.
type Attachment struct {
	PartID      string
	FileName    string
	ContentType string
	Size        int
}

// Messages lists what Mailpit caught, newest first (up to 500).
func (m *Mailpit) Messages() []Summary {
	m.t.Helper()
	var out struct {
		Messages []Summary
	}
	m.get("/api/v1/messages?limit=500", &out)
	return out.Messages
}

// Search lists the messages matching Mailpit's search query (e.g. `to:"a@b.example"`).
func (m *Mailpit) Search(query string) []Summary {
	m.t.Helper()
	var out struct {
		Messages []Summary
	}
	m.get("/api/v1/search?limit=500&query="+url.QueryEscape(query), &out)
	return out.Messages
}

// Message reads one message.
func (m *Mailpit) Message(id string) Message {
	m.t.Helper()
	var out Message
	m.get("/api/v1/message/"+url.PathEscape(id), &out)
	return out
}

// Raw is a message's source.
func (m *Mailpit) Raw(id string) string {
	m.t.Helper()
	return string(m.fetch("/api/v1/message/" + url.PathEscape(id) + "/raw"))
}

// Part is one part (an attachment) of a message.
func (m *Mailpit) Part(id, partID string) []byte {
	m.t.Helper()
	return m.fetch("/api/v1/message/" + url.PathEscape(id) + "/part/" + url.PathEscape(partID))
}

// WaitFor waits (up to timeout) until query matches at least n messages and returns them.
func (m *Mailpit) WaitFor(query string, n int, timeout time.Duration) []Summary {
	m.t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		got := m.Search(query)
		if len(got) >= n {
			return got
		}
		if time.Now().After(deadline) {
			m.t.Fatalf("mailpit: %d messages match %q after %s, want %d", len(got), query, timeout, n)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func (m *Mailpit) get(path string, out any) {
	m.t.Helper()
	if err := json.Unmarshal(m.fetch(path), out); err != nil {
		m.t.Fatalf("mailpit %s: %v", path, err)
	}
}

func (m *Mailpit) fetch(path string) []byte {
	m.t.Helper()
	resp, err := http.Get(m.APIURL + path)
	if err != nil {
		m.t.Fatalf("mailpit %s: %v", path, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		m.t.Fatalf("mailpit %s: %d %s", path, resp.StatusCode, b)
	}
	return b
}
