package server_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/slotpay/slotpay/graph/ws"
	"github.com/slotpay/slotpay/services/config"
	"github.com/slotpay/slotpay/services/server"
	"github.com/slotpay/slotpay/services/server/servertest"
)

// logLine is one JSON log line of a test server.
type logLine map[string]any

func (l logLine) str(key string) string { s, _ := l[key].(string); return s }

func (l logLine) strings(key string) []string {
	var out []string
	list, _ := l[key].([]any)
	for _, v := range list {
		s, _ := v.(string)
		out = append(out, s)
	}
	return out
}

func (l logLine) num(key string) int { f, _ := l[key].(float64); return int(f) }

func logLines(t *testing.T, env *servertest.Env) []logLine {
	t.Helper()
	var out []logLine
	for raw := range strings.SplitSeq(env.Logs.String(), "\n") {
		if raw == "" {
			continue
		}
		var l logLine
		if err := json.Unmarshal([]byte(raw), &l); err != nil {
			t.Fatalf("log line is not JSON: %q", raw)
		}
		out = append(out, l)
	}
	return out
}

// findLog waits (lines written when a connection ends come from the server's goroutines) for the
// line with message msg and request id id (any when empty) that match accepts.
func findLog(t *testing.T, env *servertest.Env, msg, id string, match func(logLine) bool) logLine {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		for _, l := range logLines(t, env) {
			if l.str("msg") == msg && (id == "" || l.str("request_id") == id) && (match == nil || match(l)) {
				return l
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("no %q line for request %s in the log:\n%s", msg, id, env.Logs.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// request sends req and returns its status, its X-Request-Id header and its GraphQL response.
func request(t *testing.T, req *http.Request) (int, string, servertest.Response) {
	t.Helper()
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	var out servertest.Response
	if err := json.Unmarshal(raw, &out); err != nil {
		t.Fatalf("%s %s answered %d %q", req.Method, req.URL, resp.StatusCode, raw)
	}
	return resp.StatusCode, resp.Header.Get("X-Request-Id"), out
}

func graphqlPost(t *testing.T, env *servertest.Env, token, query string, vars map[string]any) *http.Request {
	t.Helper()
	body, _ := json.Marshal(map[string]any{"query": query, "variables": vars})
	req, _ := http.NewRequest(http.MethodPost, env.URL+"/graphql", bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	return req
}

// TestGraphQLRequestLogLine: the access line of a GraphQL request names its operation, type, root
// fields, caller, business and error codes, so that operators can tell POST /graphql lines apart.
func TestGraphQLRequestLogLine(t *testing.T) {
	t.Parallel()
	b := newBookingEnv(t, "oplog", nil)
	customer := b.book(t, 10, "")
	for _, c := range []struct {
		name, token, query string
		vars               map[string]any
		want               map[string]any // expected attributes; nil: absent
	}{
		{"a staff query", b.owner.AccessToken, `query Agenda { me { role } tenant { slug } }`, nil, map[string]any{
			"operation": "Agenda", "operation_type": "query", "fields": []string{"me", "tenant"}, "caller": "staff",
			"tenant_id": b.owner.TenantID, "error_codes": nil}},
		{"a refused mutation", b.owner.AccessToken, `mutation NewService($in: ServiceInput!) { createService(input: $in) { id } }`,
			map[string]any{"in": map[string]any{"name": "Cut", "durationMinutes": -5, "priceAmount": 100}}, map[string]any{
				"operation": "NewService", "operation_type": "mutation", "fields": []string{"createService"}, "caller": "staff",
				"tenant_id": b.owner.TenantID, "error_codes": []string{"BAD_USER_INPUT"}}},
		{"an anonymous public query", "", `{ me { role } }`, nil, map[string]any{
			"operation": nil, "operation_type": "query", "fields": []string{"me"}, "caller": "public",
			"tenant_id": nil, "error_codes": []string{"UNAUTHENTICATED"}}},
		{"a customer", customer.CustomerAccessToken, `query Mine($id: UUID!) { reservation(id: $id) { status } }`,
			map[string]any{"id": customer.Reservation.ID}, map[string]any{
				"operation": "Mine", "operation_type": "query", "fields": []string{"reservation"}, "caller": "customer",
				"tenant_id": b.owner.TenantID, "error_codes": nil}},
		{"a query refused by validation", "", `query Broken { nope }`, nil, map[string]any{
			"operation": "Broken", "operation_type": "query", "fields": []string{"nope"}, "caller": "public",
			"error_codes": []string{"GRAPHQL_VALIDATION_FAILED"}}},
		{"a bad token is a public caller", "not-a-token", `{ availability(tenantSlug: "oplog", serviceId: "00000000-0000-0000-0000-000000000000", from: "2026-03-04", to: "2026-03-04") { timeZone } }`, nil, map[string]any{
			"caller": "public", "tenant_id": nil, "fields": []string{"availability"}, "error_codes": []string{"NOT_FOUND"}}},
	} {
		t.Run(c.name, func(t *testing.T) {
			status, id, resp := request(t, graphqlPost(t, b.Env, c.token, c.query, c.vars))
			line := findLog(t, b.Env, "request", id, nil)
			if line.str("path") != "/graphql" || line.str("method") != "POST" || line.num("status") != status {
				t.Fatalf("access line %v", line)
			}
			if _, ok := line["duration_ms"].(float64); !ok {
				t.Errorf("no duration: %v", line)
			}
			for key, want := range c.want {
				got, present := line[key]
				switch w := want.(type) {
				case nil:
					if present {
						t.Errorf("%s = %v, want none", key, got)
					}
				case string:
					if got != w {
						t.Errorf("%s = %v, want %q", key, got, w)
					}
				case []string:
					if !slices.Equal(line.strings(key), w) {
						t.Errorf("%s = %v, want %q", key, got, w)
					}
				}
			}
			for _, e := range resp.Errors {
				if e.Extensions["requestId"] != id {
					t.Errorf("error %+v does not carry the request id %s", e, id)
				}
			}
		})
	}
	// Lines of other requests carry nothing of GraphQL.
	health, err := http.Get(b.URL + "/healthz")
	if err != nil {
		t.Fatal(err)
	}
	health.Body.Close()
	id := health.Header.Get("X-Request-Id")
	if line := findLog(t, b.Env, "request", id, nil); line["operation_type"] != nil || line["caller"] != nil {
		t.Fatalf("health line %v", line)
	}
}

// TestEveryHTTPErrorCarriesTheRequestID: whatever refuses a request — the body, the transport, the
// query's text or shape, a resolver, a failure below the edge — its errors carry
// extensions.requestId equal to the X-Request-Id header, and a code.
func TestEveryHTTPErrorCarriesTheRequestID(t *testing.T) {
	t.Parallel()
	env := servertest.New(t)
	owner := env.SignUp("oplog-ids")
	post := func(contentType, body string) *http.Request {
		req, _ := http.NewRequest(http.MethodPost, env.URL+"/graphql", strings.NewReader(body))
		req.Header.Set("Content-Type", contentType)
		return req
	}
	get := func(query string) *http.Request {
		req, _ := http.NewRequest(http.MethodGet, env.URL+"/graphql?"+query, nil)
		return req
	}
	var aliases strings.Builder
	for i := range 101 {
		fmt.Fprintf(&aliases, " a%d: __typename", i)
	}
	check := func(t *testing.T, name string, req *http.Request, wantCode string) {
		t.Helper()
		status, id, resp := request(t, req)
		if len(resp.Errors) == 0 || id == "" {
			t.Fatalf("%s: %d without errors or X-Request-Id (%q)", name, status, id)
		}
		for _, e := range resp.Errors {
			if e.Extensions["requestId"] != id || e.Code() == "" {
				t.Errorf("%s: error %+v, want requestId %s and a code", name, e, id)
			}
		}
		if resp.Errors[0].Code() != wantCode {
			t.Errorf("%s: code %s, want %s", name, resp.Errors[0].Code(), wantCode)
		}
	}
	for _, c := range []struct {
		name string
		req  *http.Request
		code string
	}{
		{"undecodable body", post("application/json", `{"query":`), "BAD_REQUEST"},
		{"not JSON", post("text/plain", `{ me { role } }`), "UNSUPPORTED_MEDIA_TYPE"},
		{"too large", post("application/json", `{"query":"`+strings.Repeat(" ", server.MaxBodyBytes)+`{ me { role } }"}`), "PAYLOAD_TOO_LARGE"},
		{"syntax", post("application/json", `{"query":"{ me { "}`), "GRAPHQL_PARSE_FAILED"},
		{"validation", post("application/json", `{"query":"{ nope }"}`), "GRAPHQL_VALIDATION_FAILED"},
		{"too many aliases", post("application/json", mustJSON(map[string]any{"query": "{" + aliases.String() + " }"})), "COMPLEXITY_LIMIT_EXCEEDED"},
		{"unauthenticated", graphqlPost(t, env, "", `{ me { role } }`, nil), "UNAUTHENTICATED"},
		{"mutation over GET", get("query=" + url.QueryEscape(`mutation { logOut }`)), "BAD_REQUEST"},
		{"GET with bad variables", get("query=" + url.QueryEscape(`query($id: UUID!) { reservation(id: $id) { id } }`) + "&variables=%7B"), "BAD_REQUEST"},
		{"GET with a bad query string", get("query=%zz"), "BAD_REQUEST"},
		{"GET validation", get("query=" + url.QueryEscape(`{ nope }`)), "GRAPHQL_VALIDATION_FAILED"},
	} {
		check(t, c.name, c.req, c.code)
	}
	// A client's well-formed X-Request-Id is kept and is the one errors carry.
	req := graphqlPost(t, env, "", `{ me { role } }`, nil)
	req.Header.Set("X-Request-Id", "client-chosen-1")
	if _, id, resp := request(t, req); id != "client-chosen-1" || resp.Errors[0].Extensions["requestId"] != "client-chosen-1" {
		t.Fatalf("client request id: header %q, errors %+v", id, resp.Errors)
	}
	// INTERNAL too: with the database gone, the staff caller's membership cannot be read.
	env.Server.Pool.Close()
	check(t, "internal", graphqlPost(t, env, owner.AccessToken, `{ me { role } }`, nil), "INTERNAL")
}

// dialWSHeader dials as dialWS does and returns the upgrade's X-Request-Id response header.
func dialWSHeader(t *testing.T, baseURL, proto string) (*wsClient, string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	conn, resp, err := websocket.Dial(ctx, "ws"+strings.TrimPrefix(baseURL, "http")+"/graphql",
		&websocket.DialOptions{Subprotocols: []string{proto}})
	if err != nil {
		t.Fatalf("dial %s: %v", proto, err)
	}
	conn.SetReadLimit(-1)
	c := &wsClient{t: t, conn: conn, proto: proto, messages: make(chan wsMessage, 4096),
		pings: make(chan struct{}, 1), closed: make(chan struct{})}
	t.Cleanup(func() { _ = conn.CloseNow() })
	return c, resp.Header.Get("X-Request-Id")
}

// wsErrors returns the errors of operation id's next message (an error message, or a result
// with errors).
func wsErrors(t *testing.T, c *wsClient, id string) []map[string]any {
	t.Helper()
	m := c.nextMessage(5 * time.Second)
	if m.ID != id {
		t.Fatalf("%s: expected a message of %s, got %+v", c.proto, id, m)
	}
	var errs []struct{ Extensions map[string]any }
	switch m.Type {
	case "error":
		if err := json.Unmarshal(m.Payload, &errs); err != nil {
			t.Fatalf("error payload %s: %v", m.Payload, err)
		}
	default:
		var r wsResult
		_ = json.Unmarshal(m.Payload, &r)
		for _, e := range r.Errors {
			errs = append(errs, struct{ Extensions map[string]any }{e.Extensions})
		}
	}
	var out []map[string]any
	for _, e := range errs {
		out = append(out, e.Extensions)
	}
	if len(out) == 0 {
		t.Fatalf("%s: %s %s has no errors", c.proto, m.Type, m.Payload)
	}
	return out
}

// TestWebSocketErrorsAndLogLines: over WebSocket every error carries the upgrade request's id;
// the connection logs its caller when accepted, each operation a line like an HTTP request's, and
// the close its code, reason, duration and operation count.
func TestWebSocketErrorsAndLogLines(t *testing.T) {
	t.Parallel()
	env := servertest.New(t)
	owner := env.SignUp("oplog-ws")
	for _, proto := range protocols {
		t.Run(proto, func(t *testing.T) {
			c, id := dialWSHeader(t, env.URL, proto)
			if id == "" {
				t.Fatal("the upgrade answered no X-Request-Id")
			}
			c.init(owner.AccessToken)
			if m := c.nextMessage(5 * time.Second); m.Type != "connection_ack" {
				t.Fatalf("got %+v", m)
			}
			connected := findLog(t, env, "websocket connected", id, nil)
			if connected.str("protocol") != proto || connected.str("caller") != "staff" || connected.str("tenant_id") != owner.TenantID {
				t.Fatalf("connected line %v", connected)
			}

			for _, op := range []struct {
				id, query, code string
				payload         any
			}{
				{"forbidden", `query Members { staffMembers { id } reservation(id: "00000000-0000-0000-0000-000000000000") { id } }`, "NOT_FOUND", nil},
				{"invalid", `{ nope }`, "GRAPHQL_VALIDATION_FAILED", nil},
				{"json", "", "BAD_USER_INPUT", "not an object"},
			} {
				if op.payload != nil {
					c.send(map[string]any{"type": map[string]string{transportWS: "subscribe", legacyWS: "start"}[proto], "id": op.id, "payload": op.payload})
				} else {
					c.subscribe(op.id, op.query, nil)
				}
				errs := wsErrors(t, c, op.id)
				for _, e := range errs {
					if e["requestId"] != id {
						t.Errorf("%s: error %v, want requestId %s", op.id, e, id)
					}
				}
				if errs[0]["code"] != op.code {
					t.Errorf("%s: code %v, want %s", op.id, errs[0]["code"], op.code)
				}
			}
			line := findLog(t, env, "graphql operation", id, func(l logLine) bool { return l.str("operation") == "Members" })
			if line.str("operation_type") != "query" || !slices.Equal(line.strings("fields"), []string{"staffMembers", "reservation"}) ||
				line.str("caller") != "staff" || line.str("tenant_id") != owner.TenantID || line.str("protocol") != proto ||
				!slices.Equal(line.strings("error_codes"), []string{"NOT_FOUND"}) || line.num("results") != 1 {
				t.Fatalf("operation line %v", line)
			}

			c.subscribe("live", `subscription Changes { reservationsChanged { kind } }`, nil)
			waitSubscribed(t, env, membershipWatch+1)
			c.send(map[string]any{"type": map[string]string{transportWS: "complete", legacyWS: "stop"}[proto], "id": "live"})
			line = findLog(t, env, "graphql operation", id, func(l logLine) bool { return l.str("operation") == "Changes" })
			if line.str("operation_type") != "subscription" || line.num("results") != 0 || line["error_codes"] != nil {
				t.Fatalf("subscription line %v", line)
			}

			if err := c.conn.Close(websocket.StatusNormalClosure, "bye"); err != nil {
				t.Fatal(err)
			}
			closed := findLog(t, env, "websocket closed", id, nil)
			if closed.num("code") != 1000 || closed.str("reason") != "bye" || closed.str("closed_by") != "client" ||
				closed.num("operations") != 4 || closed.str("caller") != "staff" || closed.str("level") != "INFO" {
				t.Fatalf("closed line %v", closed)
			}
			if _, ok := closed["duration_ms"].(float64); !ok {
				t.Fatalf("closed line without duration: %v", closed)
			}
		})
	}

	t.Run("INTERNAL", func(t *testing.T) {
		c, id := dialWSHeader(t, env.URL, transportWS)
		c.init("")
		if m := c.nextMessage(5 * time.Second); m.Type != "connection_ack" {
			t.Fatalf("got %+v", m)
		}
		env.Server.Pool.Close() // last: the database is gone for this server
		c.subscribe("q", `{ availability(tenantSlug: "oplog-ws", serviceId: "00000000-0000-0000-0000-000000000000", from: "2026-03-04", to: "2026-03-04") { timeZone } }`, nil)
		errs := wsErrors(t, c, "q")
		if errs[0]["code"] != "INTERNAL" || errs[0]["requestId"] != id {
			t.Fatalf("errors %v, want INTERNAL with requestId %s", errs, id)
		}
	})
}

// TestWebSocketCloseIsLogged: connections the server closes are logged with the code and reason
// the client got, so 4401 (bad token) and 4408 (no connection_init) drops are visible.
func TestWebSocketCloseIsLogged(t *testing.T) {
	t.Parallel()
	env := servertest.New(t, func(_ *config.Config, o *server.Options) { o.WebSocketInitTimeout = 200 * time.Millisecond })
	for _, proto := range protocols {
		t.Run(proto, func(t *testing.T) {
			bad, badID := dialWSHeader(t, env.URL, proto)
			bad.init("not-a-jwt")
			reason := bad.expectClose(ws.CloseUnauthorized, 5*time.Second)
			line := findLog(t, env, "websocket closed", badID, nil)
			if line.num("code") != int(ws.CloseUnauthorized) || line.str("reason") != reason || line.str("closed_by") != "server" ||
				line.str("protocol") != proto || line["caller"] != nil || line.num("operations") != 0 {
				t.Fatalf("4401 line %v (client saw %q)", line, reason)
			}

			silent, silentID := dialWSHeader(t, env.URL, proto)
			reason = silent.expectClose(ws.CloseInitTimeout, 5*time.Second)
			line = findLog(t, env, "websocket closed", silentID, nil)
			if line.num("code") != int(ws.CloseInitTimeout) || line.str("reason") != reason || line.str("closed_by") != "server" {
				t.Fatalf("4408 line %v (client saw %q)", line, reason)
			}
		})
	}
}
