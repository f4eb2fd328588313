// The panel's session with slotpay's public GraphQL API: the apps' shared client (web/shared/gql.js,
// HTTP and graphql-transport-ws) with the signed-in member's access token, refreshed before expiry.
//
// The session (tokens, business, role) is kept in localStorage so a reload stays signed in. A
// refresh token is single-use and presenting a spent one revokes the whole session, so two tabs
// must never refresh at once: refreshing happens under a Web Lock shared by every tab of the
// origin, and a tab that gets the lock after another refreshed takes the other's fresh tokens.

import { Client, GraphQLError } from '../shared/gql.js';

export { GraphQLError };

const STORE = 'slotpay.panel.session';
const LOCK = 'slotpay.panel.refresh';
const EARLY_MS = 60_000; // refresh this long before the access token expires

const AUTH_FIELDS = `accessToken accessTokenExpiresAt refreshToken refreshTokenExpiresAt role
  user { id name email } tenant { id name slug timeZone currency locale }`;

/** Errors by the input field they name, without the argument prefix ("input.shopId" → "shopId"). */
export function fieldsOf(err, prefix = 'input.') {
  const out = {};
  for (const [f, msgs] of Object.entries(err?.fieldErrors?.() || {})) {
    const key = f.startsWith(prefix) ? f.slice(prefix.length) : f;
    (out[key] ||= []).push(...msgs);
  }
  return out;
}

/** Messages that name no field, for a form's summary. */
export function generalOf(err) {
  if (!err?.errors) return [String(err?.message || err)];
  return err.errors.filter((e) => !e.extensions?.field).map((e) => e.message);
}

const signedOut = () => new GraphQLError([{ message: 'signed out', extensions: { code: 'UNAUTHENTICATED' } }], 401);

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
  client.language = lang;
}

// One function object: the client keeps one socket per token value, and this one stays the same.
const tokenFn = () => accessToken();
const client = new Client({ endpoint: '/graphql', language, token: tokenFn, onStatus: (up) => setConnected(up) });

const post = (query, variables, token = null) => client.request(query, variables, { token });

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
      throw signedOut();
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
  if (!session) throw signedOut();
  if (Date.parse(session.accessTokenExpiresAt) - Date.now() > EARLY_MS) return session.accessToken;
  return refresh();
}

/** Runs a query or mutation as the signed-in member; throws GraphQLError on any error. */
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

// ---- live updates: the shared client's one WebSocket for every subscription of the page --------

let connected = false;
let running = 0; // subscriptions the page holds
const statusListeners = new Set();

// What the header's indicator says: null while the page follows nothing live, else whether the
// socket is connected.
const liveState = () => (running ? connected : null);

function setConnected(v) {
  connected = v;
  for (const l of statusListeners) l(liveState());
}

/** Follows whether live updates are connected (null: the page has no live updates). */
export function onLiveStatus(fn) {
  statusListeners.add(fn);
  fn(liveState());
  return () => statusListeners.delete(fn);
}

// A refreshed token keeps the socket open (Client.renew); a new business needs a new socket, which
// the pages open again as they mount under the new session.
onSession((next, old) => {
  if (next && old && next.accessToken !== old.accessToken && old.tenant?.id === next.tenant?.id) client.renew(next.accessToken);
});

// Renew before expiry while subscriptions run, so the socket never meets 4403 (token expired).
setInterval(() => {
  if (running && session && Date.parse(session.accessTokenExpiresAt) - Date.now() < EARLY_MS + 30_000) accessToken().catch(() => {});
}, 30_000);

/**
 * Subscribes over the shared WebSocket. handlers: next({data}), error(err), resync() when events may
 * have been missed (the socket reconnected). Returns the function that ends it.
 */
export function subscribe(query, variables, { next, error = () => {}, resync = () => {} }) {
  running++;
  if (running === 1) setConnected(connected);
  const stop = client.subscribe(query, variables, { onNext: (data) => next({ data }), onError: error, onResync: resync, token: tokenFn });
  let done = false;
  return () => {
    if (done) return;
    done = true;
    running--;
    stop();
    if (running === 0) setConnected(false);
  };
}
