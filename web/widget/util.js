// Small helpers: calendar dates of the business's zone, ids, the customer tokens this browser keeps.

// today is the current date in timeZone, YYYY-MM-DD.
export function today(timeZone) {
  return new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' }).format(new Date());
}

// addDays moves a YYYY-MM-DD date by n days (calendar arithmetic, no zone involved).
export function addDays(date, n) {
  const d = new Date(date + 'T12:00:00Z');
  d.setUTCDate(d.getUTCDate() + n);
  return d.toISOString().slice(0, 10);
}

// newKey is a random idempotency key (crypto.randomUUID needs a secure context; this does not).
export function newKey() {
  if (crypto.randomUUID) return crypto.randomUUID();
  const b = crypto.getRandomValues(new Uint8Array(16));
  return [...b].map((x) => x.toString(16).padStart(2, '0')).join('');
}

// Customer access tokens (createReservation's capability for one reservation) are kept in this
// browser's localStorage, so the manage page works after the paywall's redirect and later visits.
// A link with #token=… also brings one: AFTER MESSAGES LAND (msg-cal's magic-link "my bookings",
// issue 16) the confirmation mail can link to /b/<slug>/r/<id>#token=<customer token> (the fragment
// never reaches a server or a log) and this page opens on any device; until then a customer manages a
// booking from the browser that made it.
// Where storage is refused (a browser blocking a third-party frame's storage), the tokens live in
// memory for as long as the page does, which covers a booking made in the frame.
const tokenKey = (id) => 'slotpay:reservation:' + id;
const inMemory = new Map();

export function saveToken(id, token) {
  inMemory.set(id, token);
  try { localStorage.setItem(tokenKey(id), token); } catch {}
}

export function loadToken(id) {
  const m = /(?:^#|&)token=([^&]+)/.exec(location.hash);
  if (m) {
    const token = decodeURIComponent(m[1]);
    saveToken(id, token);
    // The token leaves the address bar (and the history) at once.
    history.replaceState(history.state, '', location.pathname + location.search);
    return token;
  }
  try { return localStorage.getItem(tokenKey(id)) || inMemory.get(id) || null; } catch { return inMemory.get(id) || null; }
}

// useNow ticks every second while mounted (countdowns).
import { useEffect, useState } from '../shared/ui.js';
export function useNow(every = 1000) {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    const t = setInterval(() => setNow(Date.now()), every);
    return () => clearInterval(t);
  }, [every]);
  return now;
}

// countdown writes ms as m:ss.
export function countdown(ms) {
  const s = Math.max(0, Math.ceil(ms / 1000));
  return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, '0')}`;
}

// focusHeading moves focus to the view's heading after a step changes (screen readers announce it;
// keyboard users continue from there).
export function focusHeading(ref) {
  requestAnimationFrame(() => ref.current?.focus({ preventScroll: false }));
}
