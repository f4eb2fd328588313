// The apps' GraphQL client: queries and mutations over HTTP (POST /graphql), subscriptions over one
// WebSocket speaking graphql-transport-ws (the protocol of the graphql-ws library, which slotpay's
// /graphql speaks; see graph/ws). Nothing else talks to the server.
//
// Errors keep what the API says: a GraphQLError carries the errors' extensions (code, field, reason,
// bookingField, retryAfter) so a form can put each message beside its field.

export class GraphQLError extends Error {
  constructor(errors, status) {
    super(errors.map((e) => e.message).join('; ') || 'request failed');
    this.errors = errors;
    this.status = status;
  }
  // code is the first error's extensions.code ('NETWORK' when the server was not reached).
  get code() { return this.errors[0]?.extensions?.code || 'UNKNOWN'; }
  get reason() { return this.errors[0]?.extensions?.reason || null; }
  // fieldErrors maps extensions.field (e.g. "input.customer.email") to its messages.
  fieldErrors() {
    const out = {};
    for (const e of this.errors) {
      const f = e.extensions?.field;
      if (f) (out[f] ||= []).push(e.message);
    }
    return out;
  }
}

// Client talks to the API at endpoint (an absolute or same-origin URL of /graphql). For the
// WebSocket, token may also be a function returning (a promise of) the current token, asked at
// each connection: a client whose tokens expire (the panel's 15-minute staff tokens) reconnects
// with a fresh one, or keeps its socket with renew(). onStatus(connected) follows the socket.
export class Client {
  constructor({ endpoint = '/graphql', token = null, language = null, onStatus = () => {} } = {}) {
    this.endpoint = new URL(endpoint, location.href).toString();
    this.token = token;
    this.language = language;
    this.onStatus = onStatus;
    this.sockets = new Map();
  }

  // renew hands the open sockets of the token function a fresh token of the same caller
  // (graphql-transport-ws's ping, as graph/ws accepts it), so their subscriptions outlive the old token.
  renew(token) {
    for (const s of this.sockets.values()) {
      if (typeof s.key === 'function' && s.acked) s.send({ type: 'ping', payload: { Authorization: 'Bearer ' + token } });
    }
  }

  // request runs a query or mutation and returns its data; a response with errors (any of them)
  // throws a GraphQLError, a network failure one whose code is NETWORK.
  async request(query, variables = {}, { token = this.token } = {}) {
    const headers = { 'Content-Type': 'application/json', Accept: 'application/graphql-response+json, application/json' };
    if (token) headers.Authorization = 'Bearer ' + token;
    if (this.language) headers['Accept-Language'] = this.language;
    let res;
    try {
      res = await fetch(this.endpoint, { method: 'POST', headers, body: JSON.stringify({ query, variables }), credentials: 'omit' });
    } catch (err) {
      throw new GraphQLError([{ message: String(err?.message || err), extensions: { code: 'NETWORK' } }], 0);
    }
    let body;
    try {
      body = await res.json();
    } catch {
      throw new GraphQLError([{ message: 'HTTP ' + res.status, extensions: { code: res.status === 429 ? 'RATE_LIMITED' : 'NETWORK' } }], res.status);
    }
    if (body.errors?.length) throw new GraphQLError(body.errors, res.status);
    return body.data;
  }

  // subscribe starts a subscription; onNext gets each result's data, onError a GraphQLError, and
  // onResync is called after the socket reconnected (events may have been missed: refetch). It
  // returns the function that ends the subscription.
  subscribe(query, variables, { onNext, onError = () => {}, onResync = () => {}, token = this.token } = {}) {
    // One socket per token: a public subscription (availability) and a customer's (its
    // reservation) run side by side, each authenticated as itself at connection_init.
    const key = token || '';
    let socket = this.sockets.get(key);
    if (!socket) {
      socket = new Socket(this.endpoint.replace(/^http/, 'ws'), key, () => { if (this.sockets.get(key) === socket) this.sockets.delete(key); }, (up) => this.onStatus(up));
      this.sockets.set(key, socket);
    }
    return socket.add({ query, variables, onNext, onError, onResync });
  }
}

// Socket is one graphql-transport-ws connection carrying any number of subscriptions. It reconnects
// with backoff (1 s doubling to 30 s) while any subscription is running, resubscribes, and tells
// each subscription to resync.
class Socket {
  constructor(url, token, onIdle, onStatus = () => {}) {
    this.url = url;
    this.key = token;
    this.onIdle = onIdle;
    this.onStatus = onStatus;
    this.subs = new Map();
    this.nextId = 1;
    this.ws = null;
    this.acked = false;
    this.retry = 0;
    this.connected = false;
    this.timer = null;
  }

  add(sub) {
    const id = String(this.nextId++);
    this.subs.set(id, sub);
    if (!this.ws) this.open(); else if (this.acked) this.start(id, sub);
    return () => {
      if (!this.subs.delete(id)) return;
      if (this.acked) this.send({ id, type: 'complete' });
      if (this.subs.size === 0) this.release();
    };
  }

  release() {
    clearTimeout(this.timer);
    this.subs.clear();
    const ws = this.ws;
    this.ws = null;
    if (ws) { ws.onclose = null; ws.close(1000, 'done'); }
    this.onStatus(false);
    this.onIdle();
  }

  open() {
    const ws = new WebSocket(this.url, 'graphql-transport-ws');
    this.ws = ws;
    this.acked = false;
    ws.onopen = async () => {
      let token = this.key;
      if (typeof token === 'function') token = await Promise.resolve().then(token).catch(() => '');
      if (ws.readyState === WebSocket.OPEN) ws.send(JSON.stringify({ type: 'connection_init', payload: token ? { Authorization: 'Bearer ' + token } : {} }));
    };
    ws.onmessage = (ev) => this.receive(JSON.parse(ev.data));
    ws.onclose = (ev) => {
      if (this.ws !== ws) return;
      this.ws = null;
      this.acked = false;
      this.onStatus(false);
      if (this.subs.size === 0) return;
      // 4400/4401/4403/1008: the server refused this token or request; retrying would repeat it.
      if ([4400, 4401, 1008].includes(ev.code)) {
        for (const s of this.subs.values()) s.onError(new GraphQLError([{ message: ev.reason || 'subscription refused', extensions: { code: ev.code === 4401 ? 'UNAUTHENTICATED' : 'FORBIDDEN' } }], 0));
        return;
      }
      const wait = Math.min(30000, 1000 * 2 ** this.retry++);
      this.timer = setTimeout(() => this.subs.size && this.open(), wait);
    };
  }

  receive(msg) {
    switch (msg.type) {
      case 'connection_ack': {
        const again = this.connected;
        this.acked = true;
        this.connected = true;
        this.retry = 0;
        this.onStatus(true);
        for (const [id, s] of this.subs) {
          this.start(id, s);
          if (again) s.onResync();
        }
        break;
      }
      case 'ping':
        this.send({ type: 'pong' });
        break;
      case 'next': {
        const s = this.subs.get(msg.id);
        if (!s) break;
        if (msg.payload?.errors?.length) s.onError(new GraphQLError(msg.payload.errors, 200));
        else s.onNext(msg.payload.data);
        break;
      }
      case 'error': {
        const s = this.subs.get(msg.id);
        this.subs.delete(msg.id);
        s?.onError(new GraphQLError(msg.payload || [], 200));
        break;
      }
      case 'complete':
        this.subs.delete(msg.id);
        break;
    }
  }

  start(id, s) {
    this.send({ id, type: 'subscribe', payload: { query: s.query, variables: s.variables } });
  }

  send(msg) {
    if (this.ws?.readyState === WebSocket.OPEN) this.ws.send(JSON.stringify(msg));
  }
}
