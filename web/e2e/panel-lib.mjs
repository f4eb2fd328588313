// What the panel's journeys share: signing in through the panel's form, finding a free slot and
// booking it the way a customer's app does (the public API), paying it with BLIK at the imoje
// simulator, and the simulator's admin API (the stand-in for imoje's own panel).
import { env, gql, assert } from './lib.mjs';

export const desktop = { viewport: { width: 1280, height: 800 } };

// logIn signs in through the panel's own form (Polish labels: the journeys run in pl-PL).
export async function logIn(page, email, password) {
  await page.goto(`${env.url}/panel/`);
  await page.getByLabel('E-mail').fill(email);
  await page.getByLabel('Hasło').fill(password);
  await page.getByRole('button', { name: 'Zaloguj się' }).click();
  await page.getByRole('navigation', { name: 'Główne' }).waitFor();
}

// liveOn waits for the panel's live updates to be connected (the subscriptions are running).
export const liveOn = (page) => page.locator('.live.on').waitFor({ timeout: 15_000 });

// freeSlot is a bookable slot of a service (optionally with one staff member) from tomorrow on,
// skipping the first `skip` slots: journeys take slots of their own.
export async function freeSlot(slug, serviceId, staffMemberId = null, skip = 0) {
  const from = new Date(Date.now() + 86_400_000).toISOString().slice(0, 10);
  const to = new Date(Date.now() + 14 * 86_400_000).toISOString().slice(0, 10);
  const d = await gql(`query($slug: String!, $s: UUID!, $f: Date!, $t: Date!, $m: UUID) {
    availability(tenantSlug: $slug, serviceId: $s, from: $f, to: $t, staffMemberId: $m) { days { date slots { startsAt } } } }`,
  { slug, s: serviceId, f: from, t: to, m: staffMemberId });
  for (const day of d.availability.days) {
    if (day.slots.length > skip) return { date: day.date, startsAt: day.slots[skip].startsAt };
    skip -= day.slots.length;
  }
  throw new Error('no free slot in two weeks');
}

// book makes a public reservation as a customer's app would; it returns the reservation and its
// customer token.
export async function book(slug, { serviceId, staffMemberId, startsAt, name, email, answers = [] }) {
  const d = await gql(`mutation($in: CreateReservationInput!) { createReservation(input: $in) {
    customerAccessToken reservation { id status paymentStatus } } }`,
  { in: { tenantSlug: slug, serviceId, staffMemberId, startsAt, customer: { name, email }, answers, idempotencyKey: 'panel-' + email + startsAt } });
  return d.createReservation;
}

// payBlik pays a reservation with a BLIK code the simulator settles by itself (777xxx).
export async function payBlik(reservationId, customerToken) {
  const d = await gql(`mutation($in: InitiatePaymentInput!) { initiatePayment(input: $in) { id status } }`,
    { in: { reservationId, channel: 'BLIK', blikCode: '777123', idempotencyKey: 'blik-' + reservationId } }, customerToken);
  return d.initiatePayment;
}

// sim calls the built-in imoje simulator's admin API (mounted under /_imoje in development).
export async function sim(method, path, body) {
  const res = await fetch(`${env.url}/_imoje/_sim${path}`, { method, headers: { 'Content-Type': 'application/json' }, body: body && JSON.stringify(body) });
  const text = await res.text();
  assert(res.ok, `simulator ${method} ${path}: ${res.status} ${text}`);
  return text ? JSON.parse(text) : null;
}

export async function demoIds(token) {
  const d = await gql(`{ services { id name } staffMembers { id name services { id } } }`, {}, token);
  const service = (n) => d.services.find((s) => s.name === n).id;
  const staff = (n) => d.staffMembers.find((s) => s.name === n);
  return { service, staff };
}
