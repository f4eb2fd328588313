package server_test

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/google/uuid"

	"github.com/slotpay/slotpay/graph/ws"
	"github.com/slotpay/slotpay/services/config"
	"github.com/slotpay/slotpay/services/events"
	"github.com/slotpay/slotpay/services/server"
)

// serverGoroutines counts the goroutines whose stack runs through the given function names.
func serverGoroutines(names ...string) map[string]int {
	buf := make([]byte, 1<<20)
	for {
		n := runtime.Stack(buf, true)
		if n < len(buf) {
			buf = buf[:n]
			break
		}
		buf = make([]byte, 2*len(buf))
	}
	counts := map[string]int{}
	for _, g := range bytes.Split(buf, []byte("\n\n")) {
		for _, name := range names {
			if bytes.Contains(g, []byte(name)) {
				counts[name]++
			}
		}
	}
	return counts
}

// TestIdleSubscriptionsHoldNoGoroutine: a WebSocket connection with an idle subscription costs
// the server one goroutine (its reader), in either protocol; an event is sent by a pump that exits
// once it is sent.
//
// Not parallel: it counts the process's goroutines.
func TestIdleSubscriptionsHoldNoGoroutine(t *testing.T) {
	b := newLiveEnv(t, "live-idle")
	settle(t, b.Env, b.owner.TenantID)
	const n = 100
	const (
		reader = "ws.(*connection).await"
		inOp   = "ws.(*operation)"
		// Every test server runs a River client (the outbox); parallel tests' clients start and stop
		// goroutines meanwhile, which are no subscription's: they are left out of the count.
		river = "riverqueue/river"
	)
	time.Sleep(100 * time.Millisecond) // goroutines of earlier tests' connections wind down
	before := runtime.NumGoroutine() - serverGoroutines(river)[river]
	clients := make([]*wsClient, n)
	for i := range clients {
		// The client reads nothing after connection_ack: it has no goroutine of its own.
		clients[i] = connectWithoutReading(t, b.URL, protocols[i%2], "")
		clients[i].subscribe("slots", availabilityChangedOp, map[string]any{"slug": b.owner.Slug, "s": b.service, "from": "2026-03-04", "to": "2026-03-05"})
	}
	waitSubscribed(t, b.Env, n)
	// Subscribing started a goroutine per operation; each exits once the subscription is set up.
	idle := func() (int, map[string]int) {
		deadline := time.Now().Add(5 * time.Second)
		for {
			counts := serverGoroutines(reader, inOp, river)
			g := runtime.NumGoroutine() - counts[river]
			if (counts[inOp] == 0 && g-before <= n+5) || time.Now().After(deadline) {
				return g, counts
			}
			time.Sleep(20 * time.Millisecond)
		}
	}
	g, counts := idle()
	t.Logf("%d idle subscriptions: %d goroutines more (%d readers, %d in operations)", n, g-before, counts[reader], counts[inOp])
	if counts[inOp] != 0 || counts[reader] < n || g-before > n+5 {
		t.Fatalf("%d idle subscriptions: %d goroutines more than before (%d readers, %d in operations), want one per connection",
			n, g-before, counts[reader], counts[inOp])
	}

	// An event reaches every subscription; the pumps that sent it exit.
	b.Server.Events.Deliver(events.Event{Kind: events.ReservationCreated, TenantID: uuid.MustParse(b.owner.TenantID),
		ServiceID: uuid.MustParse(b.service), StaffMemberID: uuid.MustParse(b.staff), ReservationID: uuid.New(),
		From: time.Date(2026, 3, 4, 9, 0, 0, 0, time.UTC), To: time.Date(2026, 3, 4, 10, 0, 0, 0, time.UTC)})
	for _, c := range clients {
		var ev availabilityChanged
		c.next("slots", 5*time.Second, &ev)
		if ev.AvailabilityChanged.Kind != "CREATED" {
			t.Fatalf("%s: %+v", c.proto, ev)
		}
	}
	// The test's clients now have a reader each.
	before += n
	g, counts = idle()
	if counts[inOp] != 0 || g-before > n+5 {
		t.Fatalf("after an event: %d goroutines more than before (%d in operations)", g-before, counts[inOp])
	}
}

// TestBurstKeepsOrderPerSubscription: events delivered back to back reach each subscriber in the
// order the broker delivered them, with one pump at a time per subscription.
func TestBurstKeepsOrderPerSubscription(t *testing.T) {
	t.Parallel()
	b := newLiveEnv(t, "live-burst")
	settle(t, b.Env, b.owner.TenantID)
	clients := make([]*wsClient, 6)
	for i := range clients {
		clients[i] = connect(t, b.URL, protocols[i%2], "")
		clients[i].subscribe("slots", availabilityChangedOp, map[string]any{"slug": b.owner.Slug, "s": b.service, "from": "2026-03-04", "to": "2026-03-05"})
	}
	waitSubscribed(t, b.Env, len(clients))
	tenant, service, staff := uuid.MustParse(b.owner.TenantID), uuid.MustParse(b.service), uuid.MustParse(b.staff)
	base := time.Date(2026, 3, 4, 8, 0, 0, 0, time.UTC)
	// Below the buffer (64): a burst must not drop a subscriber that reads.
	const rounds, perRound = 5, 40
	for round := range rounds {
		for i := range perRound {
			at := base.Add(time.Duration(round*perRound+i) * time.Minute)
			b.Server.Events.Deliver(events.Event{Kind: events.ReservationUpdated, TenantID: tenant, ServiceID: service,
				StaffMemberID: staff, ReservationID: uuid.New(), From: at, To: at.Add(time.Minute)})
		}
		for _, c := range clients {
			for i := range perRound {
				var ev availabilityChanged
				c.next("slots", 5*time.Second, &ev)
				want := base.Add(time.Duration(round*perRound+i) * time.Minute)
				if got := ev.AvailabilityChanged.StartsAt; got == nil || !got.Equal(want) {
					t.Fatalf("%s round %d: event %d starts at %v, want %v", c.proto, round, i, got, want)
				}
			}
		}
	}
	if n := b.Server.Events.Len(); n != len(clients) {
		t.Fatalf("%d subscriptions left, want %d", n, len(clients))
	}
}

// TestOperationsOverWebSocket: queries and mutations run over a WebSocket as over HTTP (a result,
// then complete), errors carry the error presenter's codes, and a client's complete/stop ends an
// operation without a word from the server.
func TestOperationsOverWebSocket(t *testing.T) {
	t.Parallel()
	b := newLiveEnv(t, "live-ops")
	for _, proto := range protocols {
		t.Run(proto, func(t *testing.T) {
			c := connect(t, b.URL, proto, b.owner.AccessToken)
			c.subscribe("q", `query { me { role } }`, nil)
			var me struct{ Me struct{ Role string } }
			c.next("q", 5*time.Second, &me)
			if me.Me.Role != "OWNER" {
				t.Fatalf("me: %+v", me)
			}
			c.subscribe("m", `mutation { updateBookingSettings(input: {slotStepMinutes: 15}) { slotStepMinutes } }`, nil)
			var settings struct{ UpdateBookingSettings struct{ SlotStepMinutes int } }
			c.next("m", 5*time.Second, &settings)
			if settings.UpdateBookingSettings.SlotStepMinutes != 15 {
				t.Fatalf("mutation: %+v", settings)
			}

			// Refused before anything runs (validation), and by a resolver.
			c.subscribe("bad", `query { nothingHere }`, nil)
			if code := c.operationError("bad", 5*time.Second); code != "GRAPHQL_VALIDATION_FAILED" && code != "BAD_USER_INPUT" {
				t.Fatalf("validation error code %q", code)
			}
			c.subscribe("nf", reservationUpdatedOp, map[string]any{"id": uuid.NewString()})
			if code := c.operationError("nf", 5*time.Second); code != "NOT_FOUND" {
				t.Fatalf("resolver error code %q", code)
			}

			// The client ends a subscription: it is unsubscribed, the connection stays up.
			c.subscribe("s", reservationsChangedOp, nil)
			waitSubscribed(t, b.Env, membershipWatch+1)
			c.send(map[string]any{"type": map[string]string{transportWS: "complete", legacyWS: "stop"}[proto], "id": "s"})
			waitSubscribed(t, b.Env, membershipWatch)
			c.subscribe("q2", `query { me { role } }`, nil)
			c.next("q2", 5*time.Second, &me)
		})
	}
}

// TestWebSocketProtocolViolations: a client breaking its protocol is closed with the protocol's
// code: graphql-transport-ws's 4400/4401/4409/4429, graphql-ws's connection_error and 1002.
func TestWebSocketProtocolViolations(t *testing.T) {
	t.Parallel()
	b := newLiveEnv(t, "live-violations")
	sub := func(c *wsClient, id string) {
		c.subscribe(id, reservationsChangedOp, nil)
	}
	cases := []struct {
		name  string
		proto string
		act   func(c *wsClient)
		code  websocket.StatusCode
	}{
		{"subscribe before connection_init", transportWS, func(c *wsClient) { sub(c, "a") }, ws.CloseUnauthorized},
		{"a second connection_init", transportWS, func(c *wsClient) { c.init(""); c.nextMessage(5 * time.Second); c.init("") }, 4429},
		{"an id already in use", transportWS, func(c *wsClient) {
			c.init(b.owner.AccessToken)
			c.nextMessage(5 * time.Second)
			sub(c, "a")
			sub(c, "a")
		}, 4409},
		{"not JSON", transportWS, func(c *wsClient) { c.sendRaw("{") }, 4400},
		{"an unknown message", transportWS, func(c *wsClient) { c.send(map[string]any{"type": "start", "id": "a"}) }, 4400},
		{"start before connection_init", legacyWS, func(c *wsClient) { sub(c, "a") }, websocket.StatusProtocolError},
		{"an unknown message", legacyWS, func(c *wsClient) { c.send(map[string]any{"type": "subscribe", "id": "a"}) }, websocket.StatusProtocolError},
	}
	for _, tc := range cases {
		t.Run(tc.proto+"/"+tc.name, func(t *testing.T) {
			c := mustDialWS(t, b.URL, tc.proto)
			tc.act(c)
			c.expectClose(tc.code, 5*time.Second)
		})
	}

	t.Run("graphql-ws replaces an operation started again under its id", func(t *testing.T) {
		c := connect(t, b.URL, legacyWS, b.owner.AccessToken)
		sub(c, "a")
		sub(c, "a")
		waitSubscribed(t, b.Env, membershipWatch+1)
		c.send(map[string]any{"type": "stop", "id": "a"})
		waitSubscribed(t, b.Env, membershipWatch)
	})
}

// sendRaw sends text as a message as it is.
func (c *wsClient) sendRaw(text string) {
	c.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := c.conn.Write(ctx, websocket.MessageText, []byte(text)); err != nil {
		c.t.Fatalf("write %s: %v", text, err)
	}
}

// TestFirstMessageSentWithTheHandshake: a client may send connection_init in the same write as its
// upgrade request; the server must read it from what arrived with the handshake rather than wait
// for the socket (where it no longer is) until the init timeout closes the connection.
func TestFirstMessageSentWithTheHandshake(t *testing.T) {
	t.Parallel()
	b := newLiveEnv(t, "live-eager", func(_ *config.Config, o *server.Options) { o.WebSocketInitTimeout = 3 * time.Second })
	conn, err := net.Dial("tcp", strings.TrimPrefix(b.URL, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	upgrade := "GET /graphql HTTP/1.1\r\nHost: " + strings.TrimPrefix(b.URL, "http://") + "\r\n" +
		"Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\n" +
		"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Protocol: graphql-transport-ws\r\n\r\n"
	// One masked text frame (a client's frames are masked), in the same write as the request.
	payload := []byte(`{"type":"connection_init"}`)
	mask := [4]byte{1, 2, 3, 4}
	frame := []byte{0x81, 0x80 | byte(len(payload)), mask[0], mask[1], mask[2], mask[3]}
	for i, c := range payload {
		frame = append(frame, c^mask[i%4])
	}
	if _, err := conn.Write(append([]byte(upgrade), frame...)); err != nil {
		t.Fatal(err)
	}
	_ = conn.SetReadDeadline(time.Now().Add(2 * time.Second)) // well inside the 3 s init timeout
	r := bufio.NewReader(conn)
	resp, err := http.ReadResponse(r, nil)
	if err != nil || resp.StatusCode != http.StatusSwitchingProtocols {
		t.Fatalf("handshake: %v %v", resp, err)
	}
	head := make([]byte, 2)
	if _, err := io.ReadFull(r, head); err != nil {
		t.Fatalf("no answer to connection_init: %v", err)
	}
	body := make([]byte, head[1]&0x7f) // a server frame is unmasked; connection_ack is short
	if _, err := io.ReadFull(r, body); err != nil {
		t.Fatal(err)
	}
	if head[0]&0x0f != 0x1 || !strings.Contains(string(body), `"connection_ack"`) {
		t.Fatalf("got opcode %#x %q, want connection_ack", head[0]&0x0f, body)
	}
}

// TestOperationsPerConnectionAreBounded: one connection cannot hold more than 100 operations at a
// time (they all share the server's start queue); the one past the bound gets an error, the
// connection and its other operations stay.
func TestOperationsPerConnectionAreBounded(t *testing.T) {
	t.Parallel()
	b := newLiveEnv(t, "live-bound")
	for _, proto := range protocols {
		t.Run(proto, func(t *testing.T) {
			c := connect(t, b.URL, proto, "")
			vars := map[string]any{"slug": b.owner.Slug, "s": b.service, "from": "2026-03-04", "to": "2026-03-05"}
			for i := range 100 {
				c.subscribe(fmt.Sprintf("s%d", i), availabilityChangedOp, vars)
			}
			c.subscribe("one-too-many", availabilityChangedOp, vars)
			if code := c.operationError("one-too-many", 5*time.Second); code != "BAD_REQUEST" {
				t.Fatalf("the 101st operation: %q, want BAD_REQUEST", code)
			}
			// The connection and the 100 stay: once one of them is stopped, an event reaches the 99
			// others, each once.
			c.send(map[string]any{"type": map[bool]string{true: "stop", false: "complete"}[proto == legacyWS], "id": "s1"})
			waitSubscribed(t, b.Env, 99)
			b.Server.Events.Deliver(events.Event{Kind: events.ReservationCreated, TenantID: uuid.MustParse(b.owner.TenantID),
				ServiceID: uuid.MustParse(b.service), StaffMemberID: uuid.MustParse(b.staff), ReservationID: uuid.New(),
				From: time.Date(2026, 3, 4, 9, 0, 0, 0, time.UTC), To: time.Date(2026, 3, 4, 10, 0, 0, 0, time.UTC)})
			heard := map[string]bool{}
			for range 99 {
				m := c.nextMessage(5 * time.Second)
				if (m.Type != "next" && m.Type != "data") || m.ID == "s1" || heard[m.ID] || !strings.Contains(string(m.Payload), `"CREATED"`) {
					t.Fatalf("after the event: %s %s %s (heard %d)", m.Type, m.ID, m.Payload, len(heard))
				}
				heard[m.ID] = true
			}
		})
	}
}
