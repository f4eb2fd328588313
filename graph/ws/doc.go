// Package ws is slotpay's GraphQL-over-WebSocket transport: a gqlgen graphql.Transport that
// speaks both graphql-transport-ws (the graphql-ws library) and the legacy graphql-ws protocol
// (Apollo's subscriptions-transport-ws) on /graphql.
//
// # Contract
//
// What it needs from the GraphQL executor: only gqlgen's graphql.GraphExecutor, handed to Do with
// each upgrade request (CreateOperationContext, DispatchOperation, DispatchError): every result
// and every error goes through the server's one error presenter, extensions and limits.
//
// How authority reaches it: connection_init's payload carries the same bearer token as HTTP
// (Authorization or token), verified by Options.Tokens; a staff token's membership is read through
// Options.Memberships at connection_init, when each operation starts and whenever the broker
// (Options.Events) carries a MembershipChanged event for the member (authority.go). Operations run
// with the principal (auth.WithPrincipal / auth.WithAuthority) in their context, as over HTTP.
// The connection ends when its token expires (CloseTokenExpired, which graphql-ws clients retry
// with fresh connectionParams); a graphql-transport-ws client renews it on the open socket with a
// ping carrying a fresh token of the same caller (tokens.go). testdata/graphqlws holds the real
// graphql-ws client that graphqlws_test.go runs through both.
//
// How subscriptions reach it: each operation's context carries a live.Stream (package graph/live);
// the subscription resolvers call live.Follow, which feeds the operation without a goroutine per
// idle subscription. The resolvers never see this package.
//
// How it reports: close codes are the exported Close* constants; connections, subscriptions and
// close codes are counted in Options.Metrics; each operation and each connection ends with a log
// line (log.go), whose operation fields come from Options.DescribeOperation (graph's operation
// log, the same fields as an HTTP request's access line).
//
// # Why not gqlgen's transport.Websocket
//
// The target is 10,000 idle subscriptions (one per connection) in at most 256 MB of RSS, measured
// by `go run ./bench -mode full` (the "idle subscriptions" workload, bench/live.go). gqlgen v0.17.98's
// transport.Websocket keeps, per connection, the net/http handler goroutine for the connection's
// lifetime (Do runs the read loop; net/http's per-request state and buffers stay), a goroutine
// waiting on the context to close the socket (closeOnCancel), a keep-alive or ping goroutine with
// its ticker, and one goroutine per subscription blocked in the executor's response function on
// the resolver's channel: four goroutines and their stacks for one idle widget. Measured with
// that transport (BENCHMARKS.md, 2026-11-26 before 06:24 and the first round): 1,083–1,173 MB for
// 10,000 idle subscriptions, four times the target. This transport holds one goroutine per
// connection (its reader, parked on a shallow stack), timers instead of tickers, 128-byte buffers
// after the handshake and no goroutine per idle subscription: 232–243 MB in the same workload.
// Nothing in gqlgen's transport since lets a subscription wait without a goroutine (its
// subscription loop calls the blocking response function), so slotpay keeps its own.
package ws
