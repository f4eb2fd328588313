package ws

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/99designs/gqlgen/graphql"
	"github.com/99designs/gqlgen/graphql/errcode"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"github.com/slotpay/slotpay/graph/live"
	"github.com/slotpay/slotpay/models"
	"github.com/slotpay/slotpay/services/events"
)

// operation is one operation (subscribe / start) of a WebSocket connection.
//
// gqlgen's executor hands a subscription's results out through a function that blocks on the
// resolver's channel until the next event; calling it from a goroutine per subscription would
// park one goroutine (and its stack) per idle subscriber. Instead live.Follow tells the
// operation when it has put an event in its buffered channel (ready), and a short-lived pump
// goroutine calls the function only then, once per buffered event, so the call never waits. At
// most one pump runs per operation, so events go out in the order they were buffered; it exits when
// the buffer is drained. An idle subscription holds no goroutine.
//
// Queries, mutations and subscriptions that do not go through live.Follow are run to their end by one
// goroutine, as gqlgen's own transport does.
type operation struct {
	c    *connection
	id   string
	ctx  context.Context // ends when the operation ends (client stop, connection end, stream end)
	octx opContext       // ctx's cancellation

	// The subscribe message, until the operation starts.
	payload json.RawMessage
	read    graphql.TraceTiming

	mu        sync.Mutex
	rc        *graphql.OperationContext
	responses graphql.ResponseHandler
	respCtx   context.Context
	streaming bool   // live.Follow feeds it (Attach): pump on Ready instead of waiting
	feed      func() // moves Follow's next buffered event into the resolver's channel
	onStop    func() // Follow's unsubscribe
	pumping   bool   // a goroutine is starting the operation or draining its buffer
	pending   int    // events buffered by Follow and not yet fed
	// A subscription's roles (Options.OperationRoles), set before it runs; nil: unrestricted.
	roles        []models.Role
	subscription bool

	// Held while a result or an error is checked and written, so an operation ended by another
	// goroutine (fail) sends nothing after its error.
	sendMu sync.Mutex

	// The operation's log line (log.go), written once when it ends; logAttrs is what
	// Options.DescribeOperation returned for it.
	logAttrs func(context.Context) []slog.Attr
	started  time.Time
	results  atomic.Int64
	logged   atomic.Bool
}

var _ live.Stream = (*operation)(nil)

// subscribe starts operation m.ID on its own goroutine; the reader goes back to reading.
func (c *connection) subscribe(m *message) bool {
	c.mu.Lock()
	if c.closing {
		c.mu.Unlock()
		return false
	}
	if i := c.operationIndexLocked(m.ID); i >= 0 {
		if !c.legacy {
			c.mu.Unlock()
			c.close(closeDuplicateID, fmt.Sprintf("Subscriber for %.64s already exists", m.ID))
			return false
		}
		// subscriptions-transport-ws replaces an operation started again under the same id.
		old := c.operations[i]
		c.operations = slices.Delete(c.operations, i, i+1)
		defer old.stop()
	}
	if len(c.operations) >= maxOperationsPerConnection {
		opCtx := c.opCtx
		c.mu.Unlock()
		// Through the error presenter, as every error (extensions.requestId).
		resp := c.exec.DispatchError(opCtx, gqlerror.List{{Message: fmt.Sprintf("at most %d operations at a time on one connection", maxOperationsPerConnection),
			Extensions: map[string]any{"code": "BAD_REQUEST"}}})
		b, _ := json.Marshal(resp.Errors)
		c.send("error", m.ID, b)
		return true
	}
	op := &operation{c: c, id: m.ID, octx: opContext{Context: c.opCtx}, pumping: true,
		payload: m.Payload, read: graphql.TraceTiming{Start: graphql.Now()}, started: time.Now()}
	op.ctx, op.logAttrs = c.t.describe(live.WithStream(&op.octx, op))
	c.operations = append(c.operations, op)
	c.operationsStarted++
	c.mu.Unlock()
	c.t.starts.add(op)
	return true
}

// maxOperationsPerConnection bounds one connection's operations (started, waiting to start,
// running): one client cannot fill the start queue every connection shares. A page needs a few.
const maxOperationsPerConnection = 100

// maxConcurrentStarts bounds the operations being started at once (parsed, validated, their
// resolver run: subscriptions read the database to check access). The database pool is a few
// connections, so more would only wait on it, each with a goroutine and a grown stack: 10,000
// widgets connecting at once would otherwise hold thousands of them.
const maxConcurrentStarts = 32

// startQueue runs operation starts on at most maxConcurrentStarts goroutines; the others wait in
// line without a goroutine.
type startQueue struct {
	mu      sync.Mutex
	running int
	waiting []*operation
}

func (q *startQueue) add(op *operation) {
	q.mu.Lock()
	if q.running >= maxConcurrentStarts {
		q.waiting = append(q.waiting, op)
		q.mu.Unlock()
		return
	}
	q.running++
	q.mu.Unlock()
	go q.work(op)
}

func (q *startQueue) work(op *operation) {
	for op != nil {
		op.start()
		q.mu.Lock()
		op = nil
		if len(q.waiting) > 0 {
			op = q.waiting[0]
			q.waiting[0] = nil
			q.waiting = q.waiting[1:]
		}
		if len(q.waiting) == 0 {
			q.waiting = nil // let the line's array go
		}
		if op == nil {
			q.running--
		}
		q.mu.Unlock()
	}
}

// queryTexts shares the text of the queries clients send (the operation keeps it for its
// lifetime): 10,000 widgets send the same subscription. Bounded like gqlgen's query cache; a text
// past the bound is simply not shared. Only texts of operations that parsed and validated are
// kept, so a client cannot fill it with refused queries.
type queryTexts struct {
	mu    sync.Mutex
	texts map[string]string
}

func (q *queryTexts) intern(text string) string {
	q.mu.Lock()
	defer q.mu.Unlock()
	if shared, ok := q.texts[text]; ok {
		return shared
	}
	if q.texts == nil {
		q.texts = make(map[string]string)
	}
	if len(q.texts) < sharedQueryTexts {
		q.texts[text] = text
	}
	return text
}

func (c *connection) operationIndexLocked(id string) int {
	return slices.IndexFunc(c.operations, func(op *operation) bool { return op.id == id })
}

// stop ends operation id at the client's request (complete / stop); nothing more is sent for it.
func (c *connection) stop(id string) {
	c.mu.Lock()
	i := c.operationIndexLocked(id)
	if i < 0 {
		c.mu.Unlock()
		return
	}
	op := c.operations[i]
	c.operations = slices.Delete(c.operations, i, i+1)
	c.mu.Unlock()
	op.stop()
}

// stop ends the operation: its context, and its subscription to the broker; the operation's log
// line is written.
func (op *operation) stop() {
	op.octx.cancel()
	op.mu.Lock()
	unsubscribe := op.onStop
	op.onStop = nil
	op.mu.Unlock()
	if unsubscribe != nil {
		op.c.t.metrics.SubscriptionEnded()
		unsubscribe()
	}
	op.logEnd()
}

// start parses, validates and dispatches the operation (a subscription's resolver runs here). A
// streaming subscription's first events go out on a pump; a query, a mutation or any other
// subscription runs to its end on a goroutine of its own, so a client slow to read its result
// does not hold a start worker.
func (op *operation) start() {
	defer op.recover()
	payload, read := op.payload, op.read
	op.payload = nil
	if op.ctx.Err() != nil { // stopped, or the connection ended, while waiting in line
		op.finish()
		return
	}
	c := op.c
	if !c.readMembership() { // each operation by the membership as it is now, as an HTTP request
		op.finish()
		return
	}
	ctx := graphql.StartOperationTrace(op.ctx)
	params, err := decodeParams(payload)
	if err != nil {
		op.fail(c.exec.DispatchError(ctx, gqlerror.List{{Message: "invalid json"}}).Errors)
		return
	}
	read.End = graphql.Now()
	params.ReadTime = read
	if c.acceptLanguage != "" {
		params.Headers = http.Header{"Accept-Language": []string{c.acceptLanguage}}
	}
	rc, errs := c.exec.CreateOperationContext(ctx, params)
	if errs != nil {
		resp := c.exec.DispatchError(graphql.WithOperationContext(ctx, rc), errs)
		subscription := rc != nil && rc.Operation != nil && rc.Operation.Operation == ast.Subscription
		if errcode.GetErrorKind(errs) == errcode.KindProtocol || subscription { // see runToEnd
			op.fail(resp.Errors)
		} else {
			op.sendResponse(resp)
			op.finish()
		}
		return
	}
	// Shared only once it parsed and validated: refused texts are never kept.
	rc.RawQuery = c.t.queries.intern(rc.RawQuery)
	op.mu.Lock()
	op.rc = rc
	// A subscription outlives its start, so a role change must be checked against it: its roles
	// are set before the resolvers run, so a change read from here on finds them, and one read
	// before reached the directive through the connection's Authority. A query or a mutation is
	// authorised when it starts, as over HTTP.
	if rc.Operation != nil && rc.Operation.Operation == ast.Subscription {
		op.subscription = true
		op.roles = c.t.roles(rc.Operation)
	}
	op.mu.Unlock()
	responses, respCtx := c.exec.DispatchOperation(graphql.WithOperationContext(ctx, rc), rc)
	op.mu.Lock()
	op.responses, op.respCtx = responses, respCtx
	streaming := op.streaming
	pump := streaming && op.pending > 0
	op.pumping = pump
	op.mu.Unlock()
	switch {
	case pump: // events came while the resolver ran
		go op.pump()
	case streaming:
	default:
		// Not on the start worker: a query's result, or a subscription's events, may take long to
		// write to a client that does not read.
		go func() {
			defer op.recover()
			op.runToEnd(responses, respCtx)
		}()
	}
}

// runToEnd sends every result of an operation that is not a stream. A subscription that did not
// become one was refused by its resolver (or by a directive): its one response carries the errors
// and no data, and goes out as the operation's error, which graphql-ws hands to the client's
// error callback (a result would reach next, and the complete after it would look like a normal
// end).
func (op *operation) runToEnd(responses graphql.ResponseHandler, ctx context.Context) {
	op.mu.Lock()
	subscription := op.subscription
	op.mu.Unlock()
	for first := true; ; first = false {
		resp := responses(ctx)
		if resp == nil {
			break
		}
		if first && subscription && refused(resp) {
			op.fail(resp.Errors)
			return
		}
		op.sendResponse(resp)
	}
	op.finish()
}

// refused reports a response that carries errors and no data: the operation did not run.
func refused(resp *graphql.Response) bool {
	return len(resp.Errors) > 0 && (len(resp.Data) == 0 || string(resp.Data) == "null")
}

// Attach makes the operation a stream fed by live.Follow (called by the resolver): feed moves the
// next buffered event into the resolver's channel (Ready has counted it), unsubscribe ends the
// subscription when the operation ends. It reports false when the operation has already ended.
func (op *operation) Attach(feed, unsubscribe func()) bool {
	op.mu.Lock()
	defer op.mu.Unlock()
	if op.ctx.Err() != nil {
		return false
	}
	op.streaming, op.feed, op.onStop = true, feed, unsubscribe
	op.c.t.metrics.SubscriptionStarted()
	return true
}

// Ended closes the connection when the broker ended one of its subscriptions: a closed channel
// would reach the client as complete, a normal end, and it would believe it is still up to date.
// Called under the broker's mutex: close only starts the close handshake.
func (op *operation) Ended(err error) {
	switch {
	case errors.Is(err, events.ErrSlowConsumer):
		op.c.close(CloseSlowConsumer, "subscriber could not keep up: reconnect and refetch")
	case errors.Is(err, events.ErrBrokerClosed):
		op.c.close(CloseGoingAway, "server shutting down")
	}
}

// Ready says one more event is buffered; it starts a pump unless one is running. It is called
// under the broker's mutex, so it only counts and starts a goroutine.
func (op *operation) Ready() {
	op.mu.Lock()
	op.pending++
	start := !op.pumping
	op.pumping = true
	op.mu.Unlock()
	if start {
		go op.pump()
	}
}

func (op *operation) pump() {
	defer op.recover()
	op.drain()
}

// drain sends the buffered events, one response per event, and returns when there are none left
// (or the operation ended).
func (op *operation) drain() {
	for {
		op.mu.Lock()
		if op.pending == 0 || op.ctx.Err() != nil {
			op.pumping = false
			op.mu.Unlock()
			return
		}
		op.pending--
		responses, respCtx, feed := op.responses, op.respCtx, op.feed
		op.mu.Unlock()
		feed()
		resp := responses(respCtx) // an event is in the channel: this does not wait
		if resp == nil {           // the stream ended, or the operation did meanwhile
			op.finish()
			return
		}
		op.sendResponse(resp)
	}
}

// finish ends the operation; it sends complete unless the client stopped the operation or the
// connection is closing (a complete would tell the client the stream ended normally).
func (op *operation) finish() {
	if listed, closing := op.unlist(); listed && !closing {
		op.c.send("complete", op.id, nil)
	}
	op.stop()
}

// unlist removes the operation from its connection's list; listed is false when it was no longer
// there (stopped by the client, or ended already), closing when the connection is closing.
func (op *operation) unlist() (listed, closing bool) {
	c := op.c
	c.mu.Lock()
	defer c.mu.Unlock()
	i := slices.Index(c.operations, op)
	if i >= 0 {
		c.operations = slices.Delete(c.operations, i, i+1)
	}
	return i >= 0, c.closing
}

// recover turns a panic outside the resolvers (which gqlgen recovers itself) into the operation's
// error, through the same recover function and error presenter.
func (op *operation) recover() {
	v := recover()
	if v == nil {
		return
	}
	op.mu.Lock()
	rc := op.rc
	op.mu.Unlock()
	err := fmt.Errorf("panic in WebSocket operation: %v", v)
	if rc != nil {
		err = rc.Recover(op.ctx, v)
	}
	var gqlErr *gqlerror.Error
	if !errors.As(err, &gqlErr) {
		gqlErr = gqlerror.WrapPath(nil, err) // a cause: the presenter makes it INTERNAL
	}
	op.fail(op.c.exec.DispatchError(op.ctx, gqlerror.List{gqlErr}).Errors)
}

// listed reports whether the operation is still one of its connection's: not stopped by the client
// (after which nothing may be sent for its id, which the client may reuse) and not finished.
func (op *operation) listed() bool {
	op.c.mu.Lock()
	defer op.c.mu.Unlock()
	return slices.Contains(op.c.operations, op)
}

// sendResponse sends a result: next (graphql-transport-ws) or data (graphql-ws).
func (op *operation) sendResponse(resp *graphql.Response) {
	op.sendMu.Lock()
	defer op.sendMu.Unlock()
	if !op.listed() {
		return
	}
	b, err := json.Marshal(resp)
	if err != nil {
		panic(err)
	}
	typ := "next"
	if op.c.legacy {
		typ = "data"
	}
	op.results.Add(1)
	op.c.send(typ, op.id, b)
}

// fail ends the operation with errs, already through the error presenter (refused before it ran,
// a panic, or its caller's role changed): it is unlisted and gets an error message and nothing
// after it, as graphql-transport-ws requires; legacy graphql-ws clients also get complete.
func (op *operation) fail(errs gqlerror.List) {
	op.sendMu.Lock()
	if listed, closing := op.unlist(); listed && !closing {
		b, err := json.Marshal(errs)
		if err != nil {
			panic(err)
		}
		op.c.send("error", op.id, b)
		if op.c.legacy {
			op.c.send("complete", op.id, nil)
		}
	}
	op.sendMu.Unlock()
	op.stop()
}
