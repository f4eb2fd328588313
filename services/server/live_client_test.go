package server_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/coder/websocket"
)

// A GraphQL-over-WebSocket client speaking either protocol exactly as its reference client does:
// graphql-transport-ws (the graphql-ws library) or graphql-ws (Apollo's subscriptions-transport-ws).

const (
	transportWS = "graphql-transport-ws"
	legacyWS    = "graphql-ws"
)

var protocols = []string{transportWS, legacyWS}

type wsMessage struct {
	Type    string          `json:"type"`
	ID      string          `json:"id,omitempty"`
	Payload json.RawMessage `json:"payload,omitempty"`
}

// wsResult is a next/data payload.
type wsResult struct {
	Data   json.RawMessage `json:"data"`
	Errors []struct {
		Message    string         `json:"message"`
		Extensions map[string]any `json:"extensions"`
	} `json:"errors"`
}

type wsClient struct {
	t     testing.TB
	conn  *websocket.Conn
	proto string

	messages chan wsMessage // everything but keep-alives, filled by the reader once started
	pings    chan struct{}  // a server ping (transport-ws) or ka (legacy) was seen
	closed   chan struct{}
	closeErr error // set before closed is closed
	start    sync.Once
}

// dialWS opens a WebSocket to the server's /graphql with one subprotocol; nothing is sent yet.
func dialWS(t testing.TB, baseURL, proto string, header http.Header) (*wsClient, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	conn, _, err := websocket.Dial(ctx, "ws"+strings.TrimPrefix(baseURL, "http")+"/graphql",
		&websocket.DialOptions{Subprotocols: []string{proto}, HTTPHeader: header})
	if err != nil {
		return nil, err
	}
	conn.SetReadLimit(-1)
	c := &wsClient{t: t, conn: conn, proto: proto, messages: make(chan wsMessage, 4096),
		pings: make(chan struct{}, 1), closed: make(chan struct{})}
	t.Cleanup(func() { _ = conn.CloseNow() })
	return c, nil
}

func mustDialWS(t testing.TB, baseURL, proto string) *wsClient {
	t.Helper()
	c, err := dialWS(t, baseURL, proto, nil)
	if err != nil {
		t.Fatalf("dial %s: %v", proto, err)
	}
	return c
}

// connect dials, sends connection_init with the token (none for a public connection) and waits
// for connection_ack.
func connect(t testing.TB, baseURL, proto, token string) *wsClient {
	t.Helper()
	c := mustDialWS(t, baseURL, proto)
	c.init(token)
	if m := c.nextMessage(5 * time.Second); m.Type != "connection_ack" {
		t.Fatalf("%s: expected connection_ack, got %+v", proto, m)
	}
	return c
}

// connectWithoutReading connects as connect does but leaves the socket unread afterwards, like a
// client whose tab froze.
func connectWithoutReading(t testing.TB, baseURL, proto, token string) *wsClient {
	t.Helper()
	c := mustDialWS(t, baseURL, proto)
	c.init(token)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_, data, err := c.conn.Read(ctx)
	if err != nil || !strings.Contains(string(data), "connection_ack") {
		t.Fatalf("%s: expected connection_ack, got %s %v", proto, data, err)
	}
	return c
}

func (c *wsClient) send(m any) {
	c.t.Helper()
	b, _ := json.Marshal(m)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := c.conn.Write(ctx, websocket.MessageText, b); err != nil {
		c.t.Fatalf("write %s: %v", b, err)
	}
}

func (c *wsClient) init(token string) {
	c.t.Helper()
	payload := map[string]any{}
	if token != "" {
		payload["Authorization"] = "Bearer " + token
	}
	c.send(map[string]any{"type": "connection_init", "payload": payload})
}

// subscribe starts an operation with the given id.
func (c *wsClient) subscribe(id, query string, vars map[string]any) {
	c.t.Helper()
	typ := "subscribe"
	if c.proto == legacyWS {
		typ = "start"
	}
	c.send(map[string]any{"type": typ, "id": id, "payload": map[string]any{"query": query, "variables": vars}})
}

// read starts the reader goroutine: a client that never calls it never reads its socket.
func (c *wsClient) read() {
	c.start.Do(func() {
		go func() {
			defer close(c.closed)
			for {
				_, data, err := c.conn.Read(context.Background())
				if err != nil {
					c.closeErr = err
					return
				}
				var m wsMessage
				if err := json.Unmarshal(data, &m); err != nil {
					c.closeErr = fmt.Errorf("undecodable message %q: %w", data, err)
					return
				}
				switch m.Type {
				case "ping": // graphql-transport-ws: the server checks we are alive
					b, _ := json.Marshal(map[string]any{"type": "pong"})
					_ = c.conn.Write(context.Background(), websocket.MessageText, b)
					c.notePing()
				case "ka":
					c.notePing()
				case "complete":
					// Follows an operation's error; tests that end operations look at errors.
				default:
					c.messages <- m
				}
			}
		}()
	})
}

func (c *wsClient) notePing() {
	select {
	case c.pings <- struct{}{}:
	default:
	}
}

// nextMessage returns the next protocol message other than keep-alives.
func (c *wsClient) nextMessage(timeout time.Duration) wsMessage {
	c.t.Helper()
	c.read()
	timer := time.NewTimer(timeout)
	defer timer.Stop()
	select {
	case m := <-c.messages:
		return m
	case <-c.closed:
		select {
		case m := <-c.messages:
			return m
		default:
		}
		c.t.Fatalf("%s: connection closed while waiting for a message: %v", c.proto, c.closeErr)
	case <-timer.C:
		c.t.Fatalf("%s: no message within %s", c.proto, timeout)
	}
	return wsMessage{}
}

// next waits for the next result of operation id and decodes its data into out; it fails on an
// error, a complete, or a result of another operation.
func (c *wsClient) next(id string, timeout time.Duration, out any) {
	c.t.Helper()
	m := c.nextMessage(timeout)
	if m.ID != id || (m.Type != "next" && m.Type != "data") {
		c.t.Fatalf("%s: expected a result of %s, got %s %s %s", c.proto, id, m.Type, m.ID, m.Payload)
	}
	var r wsResult
	if err := json.Unmarshal(m.Payload, &r); err != nil {
		c.t.Fatal(err)
	}
	if len(r.Errors) > 0 {
		c.t.Fatalf("%s: result of %s with errors: %s", c.proto, id, m.Payload)
	}
	if err := json.Unmarshal(r.Data, out); err != nil {
		c.t.Fatalf("decode %s: %v", r.Data, err)
	}
}

// operationError waits for operation id to fail and returns the first error's extensions.code. A
// graphql-transport-ws server sends "error"; gqlgen's graphql-ws sends a data message with errors
// (then complete).
func (c *wsClient) operationError(id string, timeout time.Duration) string {
	c.t.Helper()
	m := c.nextMessage(timeout)
	if m.ID != id {
		c.t.Fatalf("%s: expected an error of %s, got %+v", c.proto, id, m)
	}
	var errs []struct{ Extensions map[string]any }
	switch m.Type {
	case "error":
		if err := json.Unmarshal(m.Payload, &errs); err != nil {
			var one struct{ Extensions map[string]any }
			if json.Unmarshal(m.Payload, &one) == nil {
				errs = append(errs, one)
			}
		}
	case "next", "data":
		var r wsResult
		_ = json.Unmarshal(m.Payload, &r)
		for _, e := range r.Errors {
			errs = append(errs, struct{ Extensions map[string]any }{e.Extensions})
		}
	}
	if len(errs) == 0 {
		c.t.Fatalf("%s: expected an error of %s, got %s %s", c.proto, id, m.Type, m.Payload)
	}
	code, _ := errs[0].Extensions["code"].(string)
	return code
}

// closeStatus waits for the server to close the connection and returns its code and reason,
// skipping any message still queued.
func (c *wsClient) closeStatus(timeout time.Duration) (websocket.StatusCode, string) {
	c.t.Helper()
	c.read()
	select {
	case <-c.closed:
	case <-time.After(timeout):
		c.t.Fatalf("%s: connection still open after %s", c.proto, timeout)
	}
	var ce websocket.CloseError
	if errors.As(c.closeErr, &ce) {
		return ce.Code, ce.Reason
	}
	return -1, c.closeErr.Error()
}

// expectClose fails unless the server closes with code.
func (c *wsClient) expectClose(code websocket.StatusCode, timeout time.Duration) string {
	c.t.Helper()
	got, reason := c.closeStatus(timeout)
	if got != code {
		c.t.Fatalf("%s: closed with %d %q, want %d", c.proto, got, reason, code)
	}
	return reason
}
