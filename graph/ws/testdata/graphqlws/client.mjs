// The graphql-ws client (the one Apollo's GraphQLWsLink and urql's subscriptionExchange wrap)
// following a staff dashboard's live feed while its access token keeps expiring. Driven by
// graph/ws/graphqlws_test.go, which starts slotpay, publishes an event every few hundred
// milliseconds and reads the summary this prints as its last line.
//
//   SLOTPAY_URL            http://127.0.0.1:PORT (slotpay's base URL)
//   SLOTPAY_REFRESH_TOKEN  a refresh token (single use: each refresh returns the next)
//   MODE                   reconnect: let each token expire; the server closes with 4403 and the
//                          client reconnects with fresh connectionParams (README's recipe (b))
//                          renew: send a ping carrying a fresh token before each expiry (recipe (a))
//   EXPIRIES               how many token lifetimes to live through (3)
//   TTL_MS                 the access token's lifetime
import { createClient } from 'graphql-ws';
import WebSocket from 'ws';

const base = process.env.SLOTPAY_URL;
const mode = process.env.MODE ?? 'reconnect';
const expiries = Number(process.env.EXPIRIES ?? 3);
const ttl = Number(process.env.TTL_MS);
let refreshToken = process.env.SLOTPAY_REFRESH_TOKEN;

const summary = { mode, connections: 0, closes: [], events: [], pongs: [], errors: [] };

// The app's token store: a fresh access token from slotpay's refreshToken mutation. Refreshes run
// one after another: a refresh token is single use, and using one twice revokes the session.
let refreshing = Promise.resolve();
function refresh() {
  const next = refreshing.then(refreshOnce);
  refreshing = next.catch(() => {});
  return next;
}

async function refreshOnce() {
  const res = await fetch(`${base}/graphql`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({
      query: 'mutation($t: String!) { refreshToken(refreshToken: $t) { accessToken refreshToken } }',
      variables: { t: refreshToken },
    }),
  });
  const body = await res.json();
  if (!body.data) throw new Error(`refresh failed: ${JSON.stringify(body.errors)}`);
  refreshToken = body.data.refreshToken.refreshToken;
  return body.data.refreshToken.accessToken;
}

let socket;
let done = false;
const client = createClient({
  url: base.replace(/^http/, 'ws') + '/graphql',
  webSocketImpl: WebSocket,
  retryAttempts: 5,
  retryWait: () => new Promise((resolve) => setTimeout(resolve, 200)),
  // A function: read again for every connection, so a reconnect after 4403 carries a fresh token.
  connectionParams: async () => ({ Authorization: `Bearer ${await refresh()}` }),
  on: {
    opened: (s) => { socket = s; },
    connected: () => { summary.connections++; summary.events.push(0); },
    closed: (e) => { if (!done) summary.closes.push(e.code); },
    pong: (received, payload) => { if (payload?.expiresAt) summary.pongs.push(payload.expiresAt); },
  },
});

// Recipe (a): renew on the open socket, four times in each token's life (its expiry is in whole
// seconds, so it may live a second less than TTL_MS).
async function renew() {
  const token = await refresh();
  if (socket?.readyState !== WebSocket.OPEN) return; // connecting: connectionParams has a fresh one
  socket.send(JSON.stringify({ type: 'ping', payload: { Authorization: `Bearer ${token}` } }));
}

function finish(code) {
  if (done) return;
  done = true;
  console.log(JSON.stringify(summary));
  client.dispose();
  process.exit(code);
}

const started = Date.now();
client.subscribe({ query: 'subscription { reservationsChanged { kind } }' }, {
  next: () => {
    summary.events[summary.events.length - 1]++;
    const lived = mode === 'reconnect'
      ? summary.closes.length >= expiries && summary.events.at(-1) > 0
      : Date.now() - started > (expiries + 0.5) * ttl && summary.events.at(-1) > 0;
    if (lived) finish(0);
  },
  error: (err) => {
    summary.errors.push(err?.code ? `close ${err.code} ${err.reason}` : JSON.stringify(err));
    finish(1);
  },
  complete: () => {
    summary.errors.push('complete');
    finish(1);
  },
});

if (mode === 'renew') setInterval(() => renew().catch((e) => summary.errors.push(String(e))), ttl / 4);
setTimeout(() => { summary.errors.push('timeout'); finish(2); }, (expiries + 4) * ttl + 20000);
