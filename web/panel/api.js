// The panel's only way to the server: slotpay's public GraphQL API, over HTTP (POST /graphql) and
// over WebSocket (graphql-transport-ws at /graphql), with the signed-in member's access token.
//
// The session (tokens, business, role) is kept in localStorage so a reload stays signed in. A
// refresh token is single-use and presenting a spent one revokes the whole session, so two tabs
// must never refresh at once: refreshing happens under a Web Lock shared by every tab of the
// origin, and a tab that gets the lock after another refreshed takes the other's fresh tokens.

const STORE = 'slotpay.panel.session';
const LOCK = 'slotpay.panel.refresh';
const EARLY_MS = 60_000; // refresh this long before the access token expires

const AUTH_FIELDS = `accessToken accessTokenExpiresAt refreshToken refreshTokenExpiresAt role
  user { id name email } tenant { id name slug timeZone currency locale }`;

/** An answer with GraphQL errors (or a transport failure); errors keep extensions.code and .field. */
export class ApiError extends Error {
  constructor(errors, status) {
    super(errors[0]?.message || 'request failed');
    this.errors = errors;
    this.status = status;
    this.code = errors[0]?.extensions?.code || 'NETWORK';
  }
  /** Errors by the input field they name, without the argument prefix ("input.shopId" → "shopId"). */
  byField(prefix = 'input.') {
    const out = {};
    for (const e of this.errors) {
      const f = e.extensions?.field;
      if (!f) continue;
      const key = f.startsWith(prefix) ? f.slice(prefix.length) : f;
      (out[key] ||= []).push(e.message);
    }
    return out;
  }
  /** Messages that name no field, for a form's summary. */
  general() {
    return this.errors.filter((e) => !e.extensions?.field).map((e) => e.message);
  }
}

let session = read();
let language = 'pl';
const listeners = new Set();

function read() {
  try {
    return JSON.parse(localStorage.getItem(STORE)) || null;
  } catch {
    return null;
  }
}

function write(next) {
  const old = session;
  session = next;
  if (next) localStorage.setItem(STORE, JSON.stringify(next));
  else localStorage.removeItem(STORE);
  for (const l of listeners) l(next, old);
}

// Another tab signed in, out or refreshed: follow it.
window.addEventListener('storage', (e) => {
  if (e.key !== STORE) return;
  const old = session;
  session = read();
  for (const l of listeners) l(session, old);
});

export const getSession = () => session;
export function onSession(fn) {
  listeners.add(fn);
  return () => listeners.delete(fn);
}
export function setLanguage(lang) {
  language = lang;
}

async function post(query, variables, token) {
  const headers = {
    'Content-Type': 'application/json',
    Accept: 'application/graphql-response+json, application/json',
    'Accept-Language': language,
  };
  if (token) headers.Authorization = 'Bearer ' + token;
  let res;
  try {
    res = await fetch('/graphql', { method: 'POST', headers, body: JSON.stringify({ query, variables }) });
  } catch (err) {
    throw new ApiError([{ message: String(err.message || err), extensions: { code: 'NETWORK' } }], 0);
  }
  let body;
  try {
    body = await res.json();
  } catch {
    throw new ApiError([{ message: `HTTP ${res.status}`, extensions: { code: 'NETWORK' } }], res.status);
  }
  if (body.errors?.length) throw new ApiError(body.errors, res.status);
  return body.data;
}

function fromPayload(p) {
  return {
    accessToken: p.accessToken,
    accessTokenExpiresAt: p.accessTokenExpiresAt,
    refreshToken: p.refreshToken,
    refreshTokenExpiresAt: p.refreshTokenExpiresAt,
    role: p.role,
    user: p.user,
    tenant: p.tenant,
  };
}

/** Signs in (tenantSlug chooses the business when the account has several). */
export async function logIn(email, password, tenantSlug) {
  const input = { email, password };
  if (tenantSlug) input.tenantSlug = tenantSlug;
  const data = await post(`mutation PanelLogIn($input: LogInInput!) { logIn(input: $input) { ${AUTH_FIELDS} } }`, { input });
  write(fromPayload(data.logIn));
  return session;
}

/** Ends this session on the server (best effort) and here. */
export async function logOut() {
  const s = session;
  write(null);
  if (s) {
    try {
      await post(`mutation PanelLogOut($t: String) { logOut(refreshToken: $t) }`, { t: s.refreshToken });
    } catch {
      /* the local session is gone either way */
    }
  }
}

async function refresh() {
  const run = async () => {
    const stored = read();
    if (!stored) {
      write(null);
      throw new ApiError([{ message: 'signed out', extensions: { code: 'UNAUTHENTICATED' } }], 401);
    }
    // Another tab refreshed while this one waited for the lock.
    if (Date.parse(stored.accessTokenExpiresAt) - Date.now() > EARLY_MS) {
      if (stored.accessToken !== session?.accessToken) {
        session = stored;
        for (const l of listeners) l(session, null);
      }
      return stored.accessToken;
    }
    try {
      const data = await post(`mutation PanelRefresh($t: String!) { refreshToken(refreshToken: $t) { ${AUTH_FIELDS} } }`, {
        t: stored.refreshToken,
      });
      write(fromPayload(data.refreshToken));
      return session.accessToken;
    } catch (err) {
      if (err.code === 'UNAUTHENTICATED') write(null);
      throw err;
    }
  };
  return navigator.locks ? navigator.locks.request(LOCK, run) : run();
}

/** A valid access token, refreshed when it is about to expire. */
export async function accessToken() {
  if (!session) throw new ApiError([{ message: 'signed out', extensions: { code: 'UNAUTHENTICATED' } }], 401);
  if (Date.parse(session.accessTokenExpiresAt) - Date.now() > EARLY_MS) return session.accessToken;
  return refresh();
}

/** Runs a query or mutation as the signed-in member; throws ApiError on any error. */
export async function gql(query, variables = {}) {
  const token = await accessToken();
  try {
    return await post(query, variables, token);
  } catch (err) {
    // A token refused although it looked valid (the server's keys rotated): refresh once.
    if (err.code === 'UNAUTHENTICATED' && session) {
      return post(query, variables, await refresh());
    }
    throw err;
  }
}

// ---- live updates: one WebSocket for every subscription of the page -------------------------

const subs = new Map(); // id → { query, variables, next, error, resync }
let socket = null;
let acked = false;
let nextId = 1;
let retry = 0;
let idleTimer = null;
const status = { connected: false };
const statusListeners = new Set();

function setConnected(v) {
  if (status.connected === v) return;
  status.connected = v;
  for (const l of statusListeners) l(v);
}

/** Follows whether live updates are connected (for the header's indicator). */
export function onLiveStatus(fn) {
  statusListeners.add(fn);
  fn(status.connected);
  return () => statusListeners.delete(fn);
}

function send(msg) {
  if (socket?.readyState === WebSocket.OPEN) socket.send(JSON.stringify(msg));
}

function startSub(id, s) {
  send({ id, type: 'subscribe', payload: { query: s.query, variables: s.variables } });
}

async function connect() {
  if (socket || !session) return;
  const url = new URL('/graphql', location.href);
  url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:';
  const ws = new WebSocket(url, 'graphql-transport-ws');
  socket = ws;
  acked = false;
  ws.onopen = async () => {
    try {
      ws.send(JSON.stringify({ type: 'connection_init', payload: { Authorization: 'Bearer ' + (await accessToken()) } }));
    } catch {
      ws.close(4499, 'signed out');
    }
  };
  ws.onmessage = (ev) => {
    let msg;
    try {
      msg = JSON.parse(ev.data);
    } catch {
      return;
    }
    switch (msg.type) {
      case 'connection_ack': {
        const reconnected = retry > 0;
        acked = true;
        retry = 0;
        setConnected(true);
        for (const [id, s] of subs) {
          startSub(id, s);
          // Anything may have happened while the socket was down: pages refetch what they show.
          if (reconnected) s.resync?.();
        }
        break;
      }
      case 'ping':
        send({ type: 'pong' });
        break;
      case 'next':
        subs.get(msg.id)?.next(msg.payload);
        break;
      case 'error':
        subs.get(msg.id)?.error?.(new ApiError(msg.payload || [{ message: 'subscription failed' }], 200));
        break;
      case 'complete':
        break;
    }
  };
  ws.onclose = (ev) => {
    if (socket === ws) socket = null;
    acked = false;
    setConnected(false);
    if (!session || subs.size === 0) return;
    // 1008: no longer a member of the business; the next request will say so.
    if (ev.code === 1008) return;
    retry++;
    const wait = Math.min(30_000, 500 * 2 ** Math.min(retry, 6)) * (0.5 + Math.random() / 2);
    setTimeout(connect, ev.code === 4403 ? 0 : wait); // 4403: token expired, connect with a fresh one
  };
}

// A refreshed token keeps the socket open: graphql-transport-ws's ping carries it to the server.
onSession((next, old) => {
  if (!next) {
    socket?.close(1000, 'signed out');
    return;
  }
  if (old && next.accessToken !== old.accessToken && acked) {
    if (old.tenant?.id !== next.tenant?.id) socket?.close(1000, 'business switched');
    else send({ type: 'ping', payload: { Authorization: 'Bearer ' + next.accessToken } });
  }
});

// Renew before expiry while subscriptions run, so the socket never meets 4403.
setInterval(() => {
  if (subs.size && session && Date.parse(session.accessTokenExpiresAt) - Date.now() < EARLY_MS + 30_000) {
    accessToken().catch(() => {});
  }
}, 30_000);

/**
 * Subscribes over the shared WebSocket. handlers: next(payload), error(err), resync() when events may
 * have been missed (the socket reconnected). Returns the function that ends it.
 */
export function subscribe(query, variables, handlers) {
  const id = String(nextId++);
  subs.set(id, { query, variables, ...handlers });
  clearTimeout(idleTimer);
  if (!socket) connect();
  else if (acked) startSub(id, subs.get(id));
  return () => {
    if (!subs.delete(id)) return;
    send({ id, type: 'complete' });
    if (subs.size === 0) {
      // Keep the socket a little: the next page usually subscribes again at once.
      idleTimer = setTimeout(() => subs.size === 0 && socket?.close(1000, 'idle'), 5_000);
    }
  };
}
