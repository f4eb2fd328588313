package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/coder/websocket"
	"github.com/google/uuid"
)

// Live updates: GraphQL subscriptions over WebSocket (graphql-transport-ws). The two workloads run
// only when the schema has a Subscription type (graph/schema/live.graphqls); the documents below
// follow that schema.
const (
	// A customer waiting on the payment page: its reservation's payment changes.
	pushSubscription = `subscription Pay($id: UUID!) { paymentUpdated(reservationId: $id) { kind reservationId payment { id status paidAt } } }`
	// A booking widget left open: slots of one service this week may have changed.
	idleSubscription = `subscription Slots($slug: String!, $service: UUID!, $from: Date!, $to: Date!) {
  availabilityChanged(tenantSlug: $slug, serviceId: $service, from: $from, to: $to) { kind serviceId startsAt endsAt }
}`
)

// liveAvailable reports whether the checked-out schema has subscriptions.
func liveAvailable(root string) bool {
	files, _ := filepath.Glob(filepath.Join(root, "graph", "schema", "*.graphqls"))
	for _, f := range files {
		raw, err := os.ReadFile(f)
		if err == nil && (strings.Contains(string(raw), "type Subscription") || strings.Contains(string(raw), "extend type Subscription")) {
			return true
		}
	}
	return false
}

// wsSub is one WebSocket connection carrying one subscription.
type wsSub struct {
	conn     *websocket.Conn
	messages chan wsNext  // "next" messages
	failed   atomic.Value // string: an "error" message or a read failure
	writeMu  sync.Mutex
}

// wsNext is a "next" message's payload and when the client read it.
type wsNext struct {
	payload json.RawMessage
	at      time.Time
}

type wsMessage struct {
	ID      string          `json:"id,omitempty"`
	Type    string          `json:"type"`
	Payload json.RawMessage `json:"payload,omitempty"`
}

// subscribe connects to slotpay's /graphql, authenticates (token may be empty), starts one
// subscription and reads its messages until ctx ends.
func subscribe(ctx context.Context, baseURL, token, query string, vars map[string]any) (*wsSub, error) {
	url := "ws" + strings.TrimPrefix(baseURL, "http") + "/graphql"
	dialCtx, cancel := context.WithTimeout(ctx, 20*time.Second)
	defer cancel()
	conn, _, err := websocket.Dial(dialCtx, url, &websocket.DialOptions{Subprotocols: []string{"graphql-transport-ws"}})
	if err != nil {
		return nil, err
	}
	conn.SetReadLimit(1 << 20)
	s := &wsSub{conn: conn, messages: make(chan wsNext, 16)}
	init := map[string]any{}
	if token != "" {
		init["Authorization"] = "Bearer " + token
	}
	payload, _ := json.Marshal(init)
	if err := s.write(dialCtx, wsMessage{Type: "connection_init", Payload: payload}); err != nil {
		conn.CloseNow()
		return nil, err
	}
	var ack wsMessage
	if err := s.read(dialCtx, &ack); err != nil || ack.Type != "connection_ack" {
		conn.CloseNow()
		return nil, fmt.Errorf("connection_init: %v (got %q %s)", err, ack.Type, ack.Payload)
	}
	payload, _ = json.Marshal(gqlRequest{Query: query, Variables: vars})
	if err := s.write(dialCtx, wsMessage{ID: "1", Type: "subscribe", Payload: payload}); err != nil {
		conn.CloseNow()
		return nil, err
	}
	go s.loop(ctx)
	return s, nil
}

func (s *wsSub) write(ctx context.Context, m wsMessage) error {
	raw, _ := json.Marshal(m)
	s.writeMu.Lock()
	defer s.writeMu.Unlock()
	return s.conn.Write(ctx, websocket.MessageText, raw)
}

func (s *wsSub) read(ctx context.Context, m *wsMessage) error {
	_, raw, err := s.conn.Read(ctx)
	if err != nil {
		return err
	}
	return json.Unmarshal(raw, m)
}

func (s *wsSub) loop(ctx context.Context) {
	defer s.conn.CloseNow()
	for {
		var m wsMessage
		if err := s.read(ctx, &m); err != nil {
			if ctx.Err() == nil {
				s.failed.Store(err.Error())
			}
			return
		}
		switch m.Type {
		case "next":
			select {
			case s.messages <- wsNext{payload: m.Payload, at: time.Now()}:
			default: // the bench reads only what it waits for
			}
		case "ping":
			_ = s.write(ctx, wsMessage{Type: "pong"})
		case "error":
			s.failed.Store("subscription error: " + string(m.Payload))
		case "complete":
			s.failed.Store("subscription completed by the server")
		}
	}
}

func (s *wsSub) err() string {
	v, _ := s.failed.Load().(string)
	return v
}

// openMany opens n subscriptions with c dialers; sub(i) says what the i-th subscribes to.
func openMany(ctx context.Context, n, c int, open func(ctx context.Context, i int) (*wsSub, error)) ([]*wsSub, error) {
	subs := make([]*wsSub, n)
	var next atomic.Int64
	var firstErr atomic.Value
	var wg sync.WaitGroup
	for w := 0; w < c; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1) - 1)
				if i >= n || firstErr.Load() != nil {
					return
				}
				s, err := open(ctx, i)
				if err != nil {
					firstErr.CompareAndSwap(nil, fmt.Errorf("subscription %d: %w", i, err))
					return
				}
				subs[i] = s
			}
		}()
	}
	wg.Wait()
	if err, _ := firstErr.Load().(error); err != nil {
		return subs, err
	}
	return subs, nil
}

func closeAll(subs []*wsSub) {
	for _, s := range subs {
		if s != nil {
			s.conn.Close(websocket.StatusNormalClosure, "")
		}
	}
}

// pushWorkload: 1,000 customers each wait for their own reservation's payment; imoje settles those
// payments one after another at a steady rate, and each customer's latency is the time from the
// start of the webhook request to the subscription message at the client.
func pushWorkload(ctx context.Context, e *env) error {
	if !liveAvailable(e.src) {
		e.report.skip("push latency: graph/schema has no Subscription type in this checkout (live updates not landed)")
		return nil
	}
	subscribers, rate := 1000, 100
	if e.o.Mode == "smoke" {
		subscribers, rate = 20, 50
	}
	pays, err := preparePayments(ctx, e, subscribers)
	if err != nil {
		return err
	}
	subscribers = len(pays)
	liveCtx, cancel := context.WithCancel(ctx)
	defer cancel()
	m := meter(e.slotpay.Cmd.Process.Pid, e.dbName)
	subs, err := openMany(liveCtx, subscribers, 16, func(ctx context.Context, i int) (*wsSub, error) {
		var resID uuid.UUID
		if err := e.owner.QueryRow(ctx, `SELECT reservation_id FROM payments WHERE tenant_id = $1 AND id = $2`, pays[i].Tenant.ID, pays[i].PaymentID).Scan(&resID); err != nil {
			return nil, err
		}
		return subscribe(ctx, e.slotpay.URL, e.tokens[pays[i].Tenant.ID], pushSubscription, map[string]any{"id": resID})
	})
	defer closeAll(subs)
	if err != nil {
		return fmt.Errorf("push: %w", err)
	}
	time.Sleep(500 * time.Millisecond) // every subscription registered with the broker
	wh := &webhookClient{url: e.slotpay.URL + "/payment-imoje", http: newGQLClient("", 8).http}
	lat := make([]time.Duration, subscribers)
	hook := make([]time.Duration, subscribers) // the webhook request alone (start to its 200)
	errs := make([]string, subscribers)
	var wg sync.WaitGroup
	tick := time.NewTicker(time.Second / time.Duration(rate))
	defer tick.Stop()
	start := time.Now()
	for i := range subscribers {
		<-tick.C
		wg.Add(1)
		go func() {
			defer wg.Done()
			t0 := time.Now()
			if err := wh.send(liveCtx, pays[i]); err != nil {
				errs[i] = "webhook: " + err.Error()
				return
			}
			hook[i] = time.Since(t0)
			select {
			case msg := <-subs[i].messages:
				// When the client read it, not when this goroutine got round to looking (after the
				// webhook's own answer, which may come later than the message).
				lat[i] = msg.at.Sub(t0)
				if !strings.Contains(string(msg.payload), `"PAID"`) {
					errs[i] = fmt.Sprintf("unexpected message %.200s", msg.payload)
				}
			case <-time.After(10 * time.Second):
				errs[i] = "no message within 10 s " + subs[i].err()
			}
		}()
	}
	wg.Wait()
	m.Done()
	r := Result{Workload: "push latency", System: "slotpay", Concurrency: subscribers, Elapsed: time.Since(start), CPU: m.CPUCores, PeakRSS: m.PeakRSS,
		Note: fmt.Sprintf("%d subscribers (paymentUpdated), %d settlements at %d/s", subscribers, subscribers, rate)}
	for i := range lat {
		if errs[i] != "" {
			r.Errors++
			if r.FirstErr == "" {
				r.FirstErr = errs[i]
			}
			continue
		}
		r.Lat = append(r.Lat, lat[i])
	}
	r.Ops = len(r.Lat) + r.Errors
	slices.Sort(r.Lat)
	hooks := Result{Lat: slices.Clone(hook)}
	slices.Sort(hooks.Lat)
	r.Note += fmt.Sprintf("; the webhook request alone (start to its 200): p50 %s, p95 %s, p99 %s", fmtDur(hooks.Pct(50)), fmtDur(hooks.Pct(95)), fmtDur(hooks.Pct(99)))
	logf("  push latency: %d subscribers p50 %s p99 %s errors %d %s (%s)", subscribers, fmtDur(r.Pct(50)), fmtDur(r.Pct(99)), r.Errors, r.FirstErr, r.Note)
	e.report.add(r)
	return nil
}

// connectionsWorkload: 10,000 booking widgets hold an idle availabilityChanged subscription each;
// slotpay's RSS is read before and after they connect. slotpay is restarted first, so the figure
// is the idle subscriptions' own and not the heap earlier steps left behind.
func connectionsWorkload(ctx context.Context, e *env) error {
	if !liveAvailable(e.src) {
		e.report.skip("idle connections: graph/schema has no Subscription type in this checkout (live updates not landed)")
		return nil
	}
	n := 10000
	if e.o.Mode == "smoke" {
		n = 200
	}
	if err := e.restartSlotpay(); err != nil {
		return fmt.Errorf("connections: %w", err)
	}
	pid := e.slotpay.Cmd.Process.Pid
	time.Sleep(time.Second) // start-up work (migration check, listener, first resync) done
	before := treeRSS(pid)
	tenants := e.cat.dashboardTenants()
	from := time.Now().AddDate(0, 0, 1)
	liveCtx, cancel := context.WithCancel(ctx)
	defer cancel()
	start := time.Now()
	m := meter(pid, e.dbName)
	subs, err := openMany(liveCtx, n, 32, func(ctx context.Context, i int) (*wsSub, error) {
		t := tenants[i%len(tenants)]
		return subscribe(ctx, e.slotpay.URL, "", idleSubscription, map[string]any{"slug": t.Slug, "service": t.Services[i%len(t.Services)],
			"from": from.Format(time.DateOnly), "to": from.AddDate(0, 0, 6).Format(time.DateOnly)})
	})
	defer closeAll(subs)
	opened := time.Since(start)
	if err != nil {
		m.Done()
		return fmt.Errorf("connections: %w", err)
	}
	// The client has sent every subscribe; the server may still be starting them (each one reads
	// the database). Idle means slotpay's CPU has gone quiet: wait for a second under 2 % of a
	// core (at most a minute), then one more second, then read RSS.
	settleStart := time.Now()
	for time.Since(settleStart) < time.Minute {
		c0 := treeCPU(pid)
		time.Sleep(time.Second)
		if treeCPU(pid)-c0 < 20*time.Millisecond {
			break
		}
	}
	settled := time.Since(start)
	time.Sleep(time.Second)
	m.Done()
	after := treeRSS(pid)
	if e.pprofAddr != "" {
		// After RSS is read: a collection first, so the profile shows what the idle subscriptions
		// keep and not what the last collection (during the subscribe burst) found in flight; the
		// text form ends with runtime.MemStats (stacks, heap in use and released).
		e.saveProfile("heap-idle-subscriptions.pprof", "heap?gc=1")
		e.saveProfile("heap-idle-subscriptions.txt", "heap?debug=1")
		e.saveProfile("goroutines-idle-subscriptions.txt", "goroutine?debug=1")
	}
	alive := 0
	for _, s := range subs {
		if s.err() == "" {
			alive++
		}
	}
	r := Result{Workload: "idle subscriptions", System: "slotpay", Concurrency: n, Ops: alive, Errors: n - alive, Elapsed: opened,
		CPU: m.CPUCores, PeakRSS: after,
		Note: fmt.Sprintf("RSS %s before, %s with %d idle subscriptions (%.1f KB each); subscribe sent to all in %s, server idle after %s",
			fmtMB(before), fmtMB(after), alive, float64(after-before)/1024/float64(max(alive, 1)), opened.Round(time.Millisecond), settled.Round(time.Millisecond))}
	logf("  idle subscriptions: %s", r.Note)
	e.report.add(r)
	return nil
}
