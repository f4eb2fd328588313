// Requests waiting for a decision (REQUESTED), the nearest deadline first, live: a new request
// appears, and one decided (here, in another tab, or by the deadline) leaves.
import { html, useState, useEffect } from '../lib.js';
import { getSession, subscribe, gql } from '../api.js';
import { t, lang } from '../i18n.js';
import { allPages } from '../data.js';
import { formatDateTime, formatMoney } from '../format.js';
import { Loading, LoadError, announce } from '../ui.js';
import { DeclineDialog } from './reservation.js';

const FIELDS = `id startsAt status decisionDeadline note service { name } staffMember { name } customer { name email phone } price { amount currency }`;
const LIST = `query PanelRequests($filter: ReservationFilter, $first: Int, $after: String) {
  reservations(filter: $filter, first: $first, after: $after) { edges { node { ${FIELDS} } } pageInfo { hasNextPage endCursor } } }`;

export function Requests() {
  const tz = getSession().tenant.timeZone;
  const [items, setItems] = useState(null);
  const [error, setError] = useState(null);
  const [declining, setDeclining] = useState(null);
  const load = async () => {
    try {
      const list = await allPages(LIST, { filter: { statuses: ['REQUESTED'] } }, (d) => d.reservations);
      setItems(list.sort((a, b) => (a.decisionDeadline || a.startsAt).localeCompare(b.decisionDeadline || b.startsAt)));
      setError(null);
    } catch (err) {
      setError(err);
    }
  };
  useEffect(() => {
    load();
    return subscribe(`subscription PanelRequestsLive { reservationsChanged { kind reservation { id status } } }`, {}, {
      next: ({ data }) => {
        const ev = data?.reservationsChanged;
        if (!ev?.reservation || ev.kind === 'RESYNC') return load();
        if (ev.reservation.status === 'REQUESTED' || ev.kind === 'UPDATED') load();
      },
      resync: load,
    });
  }, []);
  const approve = async (r) => {
    try {
      await gql(`mutation PanelApprove($id: UUID!) { approveReservation(id: $id) { id status } }`, { id: r.id });
      announce(t('req.approvedOf', { customer: r.customer.name }));
      load();
    } catch (err) {
      setError(err);
    }
  };
  return html`<section>
    <h1>${t('req.title')}</h1>
    <p class="muted">${t('req.lead')}</p>
    ${error && html`<${LoadError} error=${error} retry=${load} />`}
    ${!items && !error && html`<${Loading} />`}
    ${items && items.length === 0 && html`<p>${t('req.none')}</p>`}
    ${items && items.length > 0 && html`<ul class="cards">
      ${items.map((r) => html`<li class="card request" data-reservation=${r.id}>
        <h2><a href=${'#/reservations/' + r.id}>${r.customer.name}: ${r.service.name}</a></h2>
        <dl class="facts">
          <dt>${t('res.when')}</dt><dd>${formatDateTime(r.startsAt, tz, lang())} · ${r.staffMember.name}</dd>
          <dt>${t('res.price')}</dt><dd>${formatMoney(r.price, lang())}</dd>
          <dt>${t('req.deadline')}</dt><dd>${formatDateTime(r.decisionDeadline, tz, lang())}</dd>
          <dt>${t('res.contact')}</dt><dd>${r.customer.email}${r.customer.phone ? ' · ' + r.customer.phone : ''}</dd>
          ${r.note && html`<dt>${t('res.note')}</dt><dd>${r.note}</dd>`}
        </dl>
        <div class="actions">
          <button type="button" class="primary" onClick=${() => approve(r)} aria-label=${t('req.approveOf', { customer: r.customer.name })}>${t('req.approve')}</button>
          <button type="button" onClick=${() => setDeclining(r)} aria-label=${t('req.declineOf', { customer: r.customer.name })}>${t('req.decline')}</button>
        </div>
      </li>`)}
    </ul>`}
    ${declining && html`<${DeclineDialog} r=${declining} onClose=${() => setDeclining(null)} onDone=${() => { setDeclining(null); load(); }} />`}
  </section>`;
}
