// Customers: a searchable list a page at a time, and one customer's record (contact, notes, tags,
// consents, totals, visits) with an edit form whose errors stand beside their fields.
import { html, useState, useEffect, useRef } from '../lib.js';
import { getSession, gql, GraphQLError, fieldsOf } from '../api.js';
import { t, lang } from '../i18n.js';
import { useQuery } from '../data.js';
import { formatDateTime, formatMoney } from '../format.js';
import { Field, FormErrors, StatusBadge, Loading, LoadError, announce } from '../ui.js';
import { navigate } from '../router.js';

const LIST = `query PanelCustomers($search: String, $first: Int, $after: String) {
  customers(search: $search, first: $first, after: $after) {
    totalCount edges { node { id name email phone tags stats { visitCount lastVisitAt } } } pageInfo { hasNextPage endCursor } } }`;

export function Customers({ params }) {
  const tz = getSession().tenant.timeZone;
  const search = params.get('q') || '';
  const [text, setText] = useState(search);
  const [after, setAfter] = useState([null]); // cursors of the pages seen, for "previous"
  const q = useQuery(LIST, { search: search || null, first: 20, after: after[after.length - 1] });
  useEffect(() => setAfter([null]), [search]);
  const c = q.data?.customers;
  return html`<section>
    <h1>${t('cust.title')}</h1>
    <form role="search" class="toolbar" onSubmit=${(e) => { e.preventDefault(); navigate('customers', null, text ? { q: text } : null); }}>
      <label class="inline" for="cust-search">${t('cust.search')}</label>
      <input id="cust-search" type="search" value=${text} onInput=${(e) => setText(e.target.value)} />
      <button type="submit">${t('cust.searchSubmit')}</button>
    </form>
    ${q.error && html`<${LoadError} error=${q.error} retry=${q.reload} />`}
    ${!c && !q.error && html`<${Loading} />`}
    ${c && html`<p class="muted" role="status">${t('cust.count', { n: c.totalCount })}</p>
      <div class="table-wrap"><table>
        <caption class="sr-only">${t('cust.title')}</caption>
        <thead><tr><th scope="col">${t('cust.name')}</th><th scope="col">${t('cust.contact')}</th><th scope="col">${t('cust.visits')}</th><th scope="col">${t('cust.last')}</th></tr></thead>
        <tbody>${c.edges.map(({ node: n }) => html`<tr>
          <th scope="row"><a href=${'#/customers/' + n.id}>${n.name}</a>${n.tags.map((tag) => html` <span class="badge">${tag}</span>`)}</th>
          <td>${n.email}${n.phone && html`<br />${n.phone}`}</td>
          <td>${n.stats.visitCount}</td>
          <td>${n.stats.lastVisitAt ? formatDateTime(n.stats.lastVisitAt, tz, lang()) : '—'}</td>
        </tr>`)}</tbody>
      </table></div>
      <div class="actions">
        ${after.length > 1 && html`<button type="button" onClick=${() => setAfter(after.slice(0, -1))}>${t('common.prev')}</button>`}
        ${c.pageInfo.hasNextPage && html`<button type="button" onClick=${() => setAfter([...after, c.pageInfo.endCursor])}>${t('common.next')}</button>`}
      </div>`}
  </section>`;
}

const ONE = `query PanelCustomer($id: UUID!) { customer(id: $id) {
  id name email phone locale notes tags createdAt
  consents { marketingEmail marketingEmailAt marketingSms marketingSmsAt }
  stats { visitCount completedCount noShowCount cancelledCount amountPaid { amount currency } amountRefunded { amount currency } firstVisitAt lastVisitAt }
  visits(first: 50) { totalCount edges { node { id startsAt status service { name } staffMember { name } } } }
} }`;

export function CustomerPage({ id }) {
  const tz = getSession().tenant.timeZone;
  const q = useQuery(ONE, { id });
  const [editing, setEditing] = useState(false);
  if (q.error && !q.data) return html`<h1>${t('cust.one')}</h1><${LoadError} error=${q.error} retry=${q.reload} />`;
  if (!q.data) return html`<h1>${t('cust.one')}</h1><${Loading} />`;
  const c = q.data.customer;
  const st = c.stats;
  return html`<article>
    <p><a href="#/customers">← ${t('cust.title')}</a></p>
    <h1>${c.name}</h1>
    ${editing ? html`<${CustomerForm} c=${c} onDone=${() => { setEditing(false); q.reload(); }} onCancel=${() => setEditing(false)} />` : html`
      <dl class="facts">
        <dt>${t('cust.email')}</dt><dd>${c.email}</dd>
        <dt>${t('cust.phone')}</dt><dd>${c.phone || '—'}</dd>
        <dt>${t('cust.tags')}</dt><dd>${c.tags.length ? c.tags.join(', ') : '—'}</dd>
        <dt>${t('cust.notes')}</dt><dd class="pre">${c.notes || '—'}</dd>
        <dt>${t('cust.consents')}</dt><dd>${t('cust.consentEmail')}: ${c.consents.marketingEmail ? t('common.yes') : t('common.no')} · ${t('cust.consentSms')}: ${c.consents.marketingSms ? t('common.yes') : t('common.no')}</dd>
      </dl>
      <button type="button" onClick=${() => setEditing(true)}>${t('common.edit')}</button>`}
    <section aria-labelledby="cust-stats"><h2 id="cust-stats">${t('cust.stats')}</h2>
      <dl class="facts">
        <dt>${t('cust.visits')}</dt><dd>${st.visitCount} (${t('cust.completed')}: ${st.completedCount}, ${t('cust.noShows')}: ${st.noShowCount}, ${t('cust.cancelled')}: ${st.cancelledCount})</dd>
        <dt>${t('cust.paid')}</dt><dd>${formatMoney(st.amountPaid, lang())} (${t('res.refunded')}: ${formatMoney(st.amountRefunded, lang())})</dd>
        <dt>${t('cust.first')}</dt><dd>${st.firstVisitAt ? formatDateTime(st.firstVisitAt, tz, lang()) : '—'}</dd>
        <dt>${t('cust.last')}</dt><dd>${st.lastVisitAt ? formatDateTime(st.lastVisitAt, tz, lang()) : '—'}</dd>
      </dl>
    </section>
    <section aria-labelledby="cust-visits"><h2 id="cust-visits">${t('cust.visitList', { n: c.visits.totalCount })}</h2>
      <ul class="visits">${c.visits.edges.map(({ node: r }) => html`<li class="visit"><a href=${'#/reservations/' + r.id}>
        <span class="time">${formatDateTime(r.startsAt, tz, lang())}</span> <span class="what">${r.service.name} · ${r.staffMember.name}</span>
        <span class="badges"><${StatusBadge} status=${r.status} /></span></a></li>`)}</ul>
    </section>
  </article>`;
}

function CustomerForm({ c, onDone, onCancel }) {
  const [v, setV] = useState({ name: c.name, email: c.email, phone: c.phone || '', tags: c.tags.join(', '), notes: c.notes || '',
    marketingEmail: c.consents.marketingEmail, marketingSms: c.consents.marketingSms });
  const [errors, setErrors] = useState({});
  const [error, setError] = useState(null);
  const set = (k) => (e) => setV({ ...v, [k]: e.target.type === 'checkbox' ? e.target.checked : e.target.value });
  const submit = async (e) => {
    e.preventDefault();
    const input = { name: v.name, email: v.email, phone: v.phone, notes: v.notes,
      tags: v.tags.split(',').map((s) => s.trim()).filter(Boolean),
      consents: { marketingEmail: v.marketingEmail, marketingSms: v.marketingSms } };
    try {
      await gql(`mutation PanelUpdateCustomer($id: UUID!, $input: CustomerUpdateInput!) { updateCustomer(id: $id, input: $input) { id } }`, { id: c.id, input });
      announce(t('common.saved'));
      onDone();
    } catch (err) {
      if (err instanceof GraphQLError) setErrors(fieldsOf(err));
      setError(err);
    }
  };
  const input = (k, label, attrs = {}) => html`<${Field} id=${'cu-' + k} label=${label} errors=${errors[k]}>
    ${(a) => html`<input ...${a} ...${attrs} value=${v[k]} onInput=${set(k)} />`}<//>`;
  return html`<form class="form" onSubmit=${submit} novalidate>
    <${FormErrors} error=${error} byField=${errors} />
    ${input('name', t('cust.name'), { required: true, autocomplete: 'off' })}
    ${input('email', t('cust.email'), { type: 'email', required: true })}
    ${input('phone', t('cust.phone'), { type: 'tel' })}
    ${input('tags', t('cust.tags'), { 'aria-description': t('cust.tagsHint') })}
    <${Field} id="cu-notes" label=${t('cust.notes')} errors=${errors.notes} wide>
      ${(a) => html`<textarea ...${a} rows="4" value=${v.notes} onInput=${set('notes')}></textarea>`}<//>
    <label class="check"><input type="checkbox" checked=${v.marketingEmail} onChange=${set('marketingEmail')} /> ${t('cust.consentEmail')}</label>
    <label class="check"><input type="checkbox" checked=${v.marketingSms} onChange=${set('marketingSms')} /> ${t('cust.consentSms')}</label>
    <div class="actions"><button type="submit" class="primary">${t('common.save')}</button>
      <button type="button" onClick=${onCancel}>${t('common.cancel')}</button></div>
  </form>`;
}
