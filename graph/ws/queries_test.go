package ws

import (
	"context"
	"encoding/json"
	"log/slog"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/99designs/gqlgen/graphql/handler"
	coderws "github.com/coder/websocket"
	"github.com/google/uuid"

	"github.com/slotpay/slotpay/graph/generated"
	"github.com/slotpay/slotpay/services/auth"
	"github.com/slotpay/slotpay/services/events"
)

// noMembers is the membership source of a transport that only public callers reach in a test.
type noMembers struct{ t *testing.T }

func (m noMembers) MemberRole(context.Context, uuid.UUID, uuid.UUID) (auth.Role, error) {
	m.t.Error("a membership was read for a public caller")
	return "", auth.ErrNotMember
}

// TestRefusedQueriesAreNotShared: the transport shares the text of operations that parsed and
// validated, never of refused ones, so a client cannot pin memory with queries it knows will fail;
// a refused operation gets one error message and nothing after it.
func TestRefusedQueriesAreNotShared(t *testing.T) {
	t.Parallel()
	broker := events.NewBroker(events.BrokerOptions{Log: slog.New(slog.DiscardHandler)})
	defer broker.Close()
	live := New(Options{Logger: slog.New(slog.DiscardHandler), Memberships: noMembers{t}, Events: broker})
	srv := handler.New(generated.NewExecutableSchema(generated.Config{}))
	srv.AddTransport(live)
	hs := httptest.NewServer(srv)
	defer hs.Close()

	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	conn, _, err := coderws.Dial(ctx, "ws"+strings.TrimPrefix(hs.URL, "http"), &coderws.DialOptions{Subprotocols: []string{protoTransportWS}})
	if err != nil {
		t.Fatal(err)
	}
	defer conn.CloseNow()
	send := func(v any) {
		b, _ := json.Marshal(v)
		if err := conn.Write(ctx, coderws.MessageText, b); err != nil {
			t.Fatal(err)
		}
	}
	// read returns the next message past keep-alives; it must be about operation id ("" for the
	// connection): graphql-transport-ws allows nothing after an operation's error, not even complete.
	read := func(id string) map[string]any {
		for {
			_, b, err := conn.Read(ctx)
			if err != nil {
				t.Fatal(err)
			}
			var m map[string]any
			_ = json.Unmarshal(b, &m)
			if m["type"] == "ping" || m["type"] == "pong" {
				continue
			}
			if got, _ := m["id"].(string); got != id {
				t.Fatalf("waiting for %q, got %v", id, m)
			}
			return m
		}
	}
	send(map[string]any{"type": "connection_init"})
	if m := read(""); m["type"] != "connection_ack" {
		t.Fatalf("got %v", m)
	}
	refused := []string{"{ nope }", "{ nope2 }", "query {", "{ __typename(x: 1) }"}
	for i, q := range refused {
		id := string(rune('a' + i))
		send(map[string]any{"type": "subscribe", "id": id, "payload": map[string]any{"query": q}})
		if m := read(id); m["type"] != "error" {
			t.Fatalf("%q: got %v", q, m)
		}
	}
	send(map[string]any{"type": "subscribe", "id": "ok", "payload": map[string]any{"query": "{ __typename }"}})
	if m := read("ok"); m["type"] != "next" {
		t.Fatalf("valid query: got %v", m)
	}
	if m := read("ok"); m["type"] != "complete" {
		t.Fatalf("valid query: got %v", m)
	}
	live.queries.mu.Lock()
	defer live.queries.mu.Unlock()
	if len(live.queries.texts) != 1 || live.queries.texts["{ __typename }"] == "" {
		t.Fatalf("shared texts %q, want only the valid query", live.queries.texts)
	}
}
