// "My bookings" (/b/<slug>/my-bookings): without a link, a form asks for one by e-mail (the answer is
// the same for every address); with #token=<link token> (the e-mailed link) the token leaves the
// address bar at once, is redeemed for a session, and the customer's reservations are listed, each
// opening its own page with the customer access token myBookings issues for it.
import { html, useEffect, useRef, useState } from '../shared/ui.js';
import { MY_BOOKINGS, REDEEM_MY_BOOKINGS, REQUEST_MY_BOOKINGS } from './api.js';
import { focusHeading, saveToken } from './util.js';

// takeLinkToken returns the #token= of the address (once) and removes it from the address bar.
function takeLinkToken() {
  const m = /(?:^#|&)token=([^&]+)/.exec(location.hash);
  if (!m) return null;
  history.replaceState(history.state, '', location.pathname + location.search);
  return decodeURIComponent(m[1]);
}

export function MyBookingsPage({ client, slug, t, f, navigate }) {
  const [linkToken] = useState(takeLinkToken);
  const [state, setState] = useState(linkToken ? 'redeeming' : 'form'); // form | redeeming | list | expired | error
  const [items, setItems] = useState([]);
  const heading = useRef(null);
  useEffect(() => { focusHeading(heading); }, [state]);

  const redeem = async () => {
    setState('redeeming');
    try {
      const d = await client.request(REDEEM_MY_BOOKINGS, { in: { tenantSlug: slug, token: linkToken } });
      const session = d.redeemMyBookingsLink.accessToken;
      const list = await client.request(MY_BOOKINGS, {}, { token: session });
      setItems(list.myBookings.edges.map((e) => e.node));
      setState('list');
    } catch (err) {
      setState(err.code === 'UNAUTHENTICATED' || err.code === 'FORBIDDEN' ? 'expired' : 'error');
    }
  };
  useEffect(() => { if (linkToken) redeem(); }, []);

  const open = (r) => {
    saveToken(r.id, r.customerAccessToken);
    navigate('/b/' + slug + '/r/' + r.id);
  };

  const title = state === 'list' ? t.myBookingsTitle : state === 'expired' ? t.myBookingsExpiredTitle : t.myBookings;
  return html`
    <section class="my-bookings" aria-labelledby="mb-heading">
      <div class="step-head">
        <a class="link back" href=${'/b/' + slug} onClick=${(e) => { e.preventDefault(); navigate('/b/' + slug); }}>← ${t.backToBooking}</a>
      </div>
      <h2 id="mb-heading" tabindex="-1" ref=${heading}>${title}</h2>
      ${state === 'redeeming' && html`<p aria-busy="true">${t.loading}</p>`}
      ${state === 'error' && html`<div class="notice bad" role="alert">${t.networkError} <button type="button" class="link" onClick=${redeem}>${t.retry}</button></div>`}
      ${state === 'expired' && html`<div class="notice warn" role="alert" data-link-expired>${t.myBookingsExpired}</div>`}
      ${(state === 'form' || state === 'expired') && html`<${LinkForm} client=${client} slug=${slug} t=${t} />`}
      ${state === 'list' && (items.length === 0
        ? html`<p data-my-bookings-empty>${t.myBookingsEmpty}</p>`
        : html`<ul class="cards" role="list" data-my-bookings>
          ${items.map((r) => html`<li><a class="card" href=${'/b/' + slug + '/r/' + r.id} data-my-booking=${r.id}
              onClick=${(e) => { e.preventDefault(); open(r); }}>
            <span class="card-title">${r.service.name}</span>
            <span class="card-meta">${f.dateTime(r.startsAt)}</span>
            <span class="card-meta">${r.staffMember?.name || ''}${r.staffMember ? ' · ' : ''}<strong data-status=${r.status}>${t.status[r.status] || r.status}</strong></span>
          </a></li>`)}
        </ul>`)}
    </section>`;
}

function LinkForm({ client, slug, t }) {
  const [email, setEmail] = useState('');
  const [errors, setErrors] = useState([]);
  const [formError, setFormError] = useState('');
  const [busy, setBusy] = useState(false);
  const [sent, setSent] = useState(null);
  const summary = useRef(null);
  const done = useRef(null);

  const submit = async (e) => {
    e.preventDefault();
    if (busy) return;
    setBusy(true);
    setErrors([]);
    setFormError('');
    try {
      const d = await client.request(REQUEST_MY_BOOKINGS, { in: { tenantSlug: slug, email } });
      setSent(d.requestMyBookingsLink.linkValidMinutes);
      requestAnimationFrame(() => done.current?.focus());
    } catch (err) {
      const field = [];
      const rest = [];
      for (const x of err.errors || []) (x.extensions?.field === 'input.email' ? field : rest).push(x.message);
      setErrors(field);
      setFormError(rest.join(' ') || (field.length ? '' : t.networkError));
      requestAnimationFrame(() => summary.current?.focus());
    } finally {
      setBusy(false);
    }
  };

  if (sent != null) {
    return html`<div class="notice ok" role="status" tabindex="-1" ref=${done} data-link-sent>${t.myBookingsSent(sent)}</div>`;
  }
  const invalid = errors.length > 0;
  return html`
    <form class="booking-form" onSubmit=${submit} noValidate data-my-bookings-form>
      <p>${t.myBookingsIntro}</p>
      ${(invalid || formError) && html`
        <div class="notice bad error-summary" role="alert" tabindex="-1" ref=${summary}>
          ${invalid && html`<p><strong>${t.fixErrors(1)}</strong></p>
          <ul><li><a href="#f-mb-email" onClick=${(ev) => { ev.preventDefault(); document.getElementById('f-mb-email')?.focus(); }}>${t.email}: ${errors.join(' ')}</a></li></ul>`}
          ${formError && html`<p>${formError}</p>`}
        </div>`}
      <div class="field">
        <label for="f-mb-email">${t.email}</label>
        <input type="email" id="f-mb-email" value=${email} onInput=${(e) => setEmail(e.currentTarget.value)} autocomplete="email"
          aria-required="true" aria-invalid=${invalid ? 'true' : undefined} aria-describedby=${invalid ? 'e-mb-email' : undefined} />
        ${invalid && html`<p class="error" id="e-mb-email">${errors.join(' ')}</p>`}
      </div>
      <button type="submit" class="primary wide" disabled=${busy} data-send-link>${busy ? t.sending : t.sendLink}</button>
    </form>`;
}
