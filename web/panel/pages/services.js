// Services: the catalogue, and a form to add or change one (name, length, price, buffers, seats,
// how it is paid, deposit, hold, approval, active). Prices are typed in the currency's main unit
// and sent in minor units; the server's per-field errors stand beside their fields.
import { html, useState } from '../lib.js';
import { getSession, gql, GraphQLError, fieldsOf } from '../api.js';
import { t, lang } from '../i18n.js';
import { useQuery } from '../data.js';
import { formatMoney, parseAmount, amountText } from '../format.js';
import { Field, FormErrors, Loading, LoadError, announce } from '../ui.js';

const FIELDS = `id name description category durationMinutes price { amount currency } bufferBeforeMinutes bufferAfterMinutes
  capacity paymentPolicy depositKind depositValue holdMinutes requiresConfirmation active archivedAt`;
const LIST = `query PanelServices { services(includeArchived: true) { ${FIELDS} } }`;

export function Services() {
  const q = useQuery(LIST);
  const [editing, setEditing] = useState(null); // a service, or {} for a new one
  const s = getSession();
  const admin = s.role === 'OWNER' || s.role === 'ADMIN';
  return html`<section>
    <h1>${t('svc.title')}</h1>
    ${admin && !editing && html`<button type="button" class="primary" onClick=${() => setEditing({})}>${t('svc.add')}</button>`}
    ${editing && html`<${ServiceForm} svc=${editing} onDone=${() => { setEditing(null); q.reload(); }} onCancel=${() => setEditing(null)} />`}
    ${q.error && html`<${LoadError} error=${q.error} retry=${q.reload} />`}
    ${!q.data && !q.error && html`<${Loading} />`}
    ${q.data && html`<div class="table-wrap"><table>
      <caption class="sr-only">${t('svc.title')}</caption>
      <thead><tr><th scope="col">${t('svc.name')}</th><th scope="col">${t('svc.duration')}</th><th scope="col">${t('svc.price')}</th><th scope="col">${t('svc.policy')}</th><th scope="col"><span class="sr-only">${t('common.actions')}</span></th></tr></thead>
      <tbody>${q.data.services.map((v) => html`<tr class=${v.archivedAt ? 'gone' : ''}>
        <th scope="row">${v.name}${v.archivedAt ? html` <span class="badge muted">${t('svc.archived')}</span>` : !v.active && html` <span class="badge warn">${t('svc.inactive')}</span>`}</th>
        <td>${t('svc.minutes', { n: v.durationMinutes })}</td>
        <td>${formatMoney(v.price, lang())}</td>
        <td>${t('policy.' + v.paymentPolicy)}${v.requiresConfirmation ? ' · ' + t('svc.approval') : ''}</td>
        <td>${admin && !v.archivedAt && html`<button type="button" onClick=${() => setEditing(v)}>${t('common.edit')}<span class="sr-only"> ${v.name}</span></button>
          <button type="button" onClick=${async () => { await gql(`mutation($id: UUID!) { archiveService(id: $id) { id } }`, { id: v.id }); announce(t('svc.archivedMsg')); q.reload(); }} >${t('svc.archive')}<span class="sr-only"> ${v.name}</span></button>`}</td>
      </tr>`)}</tbody></table></div>`}
  </section>`;
}

function ServiceForm({ svc, onDone, onCancel }) {
  const cur = svc.price?.currency || getSession().tenant.currency;
  const [v, setV] = useState({
    name: svc.name || '', description: svc.description || '', category: svc.category || '',
    durationMinutes: String(svc.durationMinutes ?? 60), price: svc.price ? amountText(svc.price.amount, cur) : '',
    bufferBeforeMinutes: String(svc.bufferBeforeMinutes ?? 0), bufferAfterMinutes: String(svc.bufferAfterMinutes ?? 0),
    capacity: String(svc.capacity ?? 1), paymentPolicy: svc.paymentPolicy || 'NONE', depositKind: svc.depositKind || 'NONE',
    depositValue: svc.depositKind === 'FIXED' ? amountText(svc.depositValue, cur) : String(svc.depositValue || ''),
    holdMinutes: svc.holdMinutes ? String(svc.holdMinutes) : '', confirmation: svc.requiresConfirmation == null ? 'BUSINESS' : svc.requiresConfirmation ? 'YES' : 'NO',
    active: svc.active ?? true,
  });
  const [errors, setErrors] = useState({});
  const [error, setError] = useState(null);
  const set = (k) => (e) => setV({ ...v, [k]: e.target.type === 'checkbox' ? e.target.checked : e.target.value });
  const submit = async (e) => {
    e.preventDefault();
    const mine = {};
    const price = parseAmount(v.price, cur);
    if (!v.name.trim()) mine.name = [t('form.required')];
    if (price === null) mine.priceAmount = [t('refund.badAmount')];
    if (Object.keys(mine).length) return setErrors(mine);
    const input = {
      name: v.name.trim(), description: v.description, category: v.category, durationMinutes: +v.durationMinutes, priceAmount: price,
      bufferBeforeMinutes: +v.bufferBeforeMinutes, bufferAfterMinutes: +v.bufferAfterMinutes, capacity: +v.capacity,
      paymentPolicy: v.paymentPolicy, depositKind: v.depositKind, active: v.active,
    };
    if (v.depositKind === 'FIXED') input.depositValue = parseAmount(v.depositValue, cur) ?? -1;
    if (v.depositKind === 'PERCENT') input.depositValue = +v.depositValue;
    if (v.paymentPolicy === 'REQUIRED') input.holdMinutes = v.holdMinutes ? +v.holdMinutes : 0;
    if (v.confirmation === 'BUSINESS') input.followBusinessConfirmation = true;
    else input.requiresConfirmation = v.confirmation === 'YES';
    try {
      if (svc.id) await gql(`mutation PanelUpdateService($id: UUID!, $input: ServiceInput!) { updateService(id: $id, input: $input) { id } }`, { id: svc.id, input });
      else await gql(`mutation PanelCreateService($input: ServiceInput!) { createService(input: $input) { id } }`, { input });
      announce(t('common.saved'));
      onDone();
    } catch (err) {
      if (err instanceof GraphQLError) setErrors(fieldsOf(err));
      setError(err);
    }
  };
  const num = (k, label, attrs = {}) => html`<${Field} id=${'svc-' + k} label=${label} errors=${errors[k]}>
    ${(a) => html`<input ...${a} type="number" inputmode="numeric" ...${attrs} value=${v[k]} onInput=${set(k)} />`}<//>`;
  const sel = (k, label, options, errKey = k) => html`<${Field} id=${'svc-' + k} label=${label} errors=${errors[errKey]}>
    ${(a) => html`<select ...${a} value=${v[k]} onChange=${set(k)}>${options.map(([val, text]) => html`<option value=${val}>${text}</option>`)}</select>`}<//>`;
  return html`<form class="form card" onSubmit=${submit} novalidate aria-labelledby="svc-form-title">
    <h2 id="svc-form-title">${svc.id ? t('svc.editOf', { name: svc.name }) : t('svc.add')}</h2>
    <${FormErrors} error=${error} byField=${errors} />
    <${Field} id="svc-name" label=${t('svc.name')} errors=${errors.name}>${(a) => html`<input ...${a} required value=${v.name} onInput=${set('name')} />`}<//>
    <${Field} id="svc-category" label=${t('svc.category')} errors=${errors.category}>${(a) => html`<input ...${a} value=${v.category} onInput=${set('category')} />`}<//>
    <${Field} id="svc-description" label=${t('svc.description')} errors=${errors.description} wide>${(a) => html`<textarea ...${a} rows="3" value=${v.description} onInput=${set('description')}></textarea>`}<//>
    ${num('durationMinutes', t('svc.durationMin'), { min: 5 })}
    <${Field} id="svc-price" label=${t('svc.priceIn', { currency: cur })} errors=${errors.priceAmount}>${(a) => html`<input ...${a} inputmode="decimal" required value=${v.price} onInput=${set('price')} />`}<//>
    ${num('bufferBeforeMinutes', t('svc.bufferBefore'), { min: 0 })}
    ${num('bufferAfterMinutes', t('svc.bufferAfter'), { min: 0 })}
    ${num('capacity', t('svc.capacity'), { min: 1 })}
    ${sel('paymentPolicy', t('svc.policy'), ['NONE', 'OPTIONAL', 'REQUIRED'].map((p) => [p, t('policy.' + p)]))}
    ${sel('depositKind', t('svc.deposit'), ['NONE', 'FIXED', 'PERCENT'].map((p) => [p, t('deposit.' + p)]))}
    ${v.depositKind !== 'NONE' && html`<${Field} id="svc-depositValue" label=${v.depositKind === 'FIXED' ? t('svc.depositAmount', { currency: cur }) : t('svc.depositPercent')} errors=${errors.depositValue}>
      ${(a) => html`<input ...${a} inputmode="decimal" value=${v.depositValue} onInput=${set('depositValue')} />`}<//>`}
    ${v.paymentPolicy === 'REQUIRED' && num('holdMinutes', t('svc.hold'), { min: 5, max: 1440, placeholder: t('svc.holdDefault') })}
    ${sel('confirmation', t('svc.confirmation'), [['BUSINESS', t('svc.followBusiness')], ['YES', t('svc.approvalYes')], ['NO', t('svc.approvalNo')]], 'requiresConfirmation')}
    <label class="check"><input type="checkbox" checked=${v.active} onChange=${set('active')} /> ${t('svc.active')}</label>
    <div class="actions"><button type="submit" class="primary">${t('common.save')}</button>
      <button type="button" onClick=${onCancel}>${t('common.cancel')}</button></div>
  </form>`;
}
