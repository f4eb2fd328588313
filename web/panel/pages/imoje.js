// "Konfiguracja płatności": connecting the business's imoje shop. The owner pastes the four values
// from imoje's panel (each field says exactly where in that panel it is), slotpay checks them with
// imoje (saveImojeCredentials), and the owner copies the notification URL into the shop's
// integration data. The health section says whether it works: when imoje last notified, and what
// looks wrong (payments pending with no notification: the notification URL is wrong).
import { html, useState, useEffect, useRef } from '../lib.js';
import { getSession, gql, GraphQLError, fieldsOf } from '../api.js';
import { t, lang, has } from '../i18n.js';
import { useQuery } from '../data.js';
import { formatDateTime } from '../format.js';
import { Field, FormErrors, Loading, LoadError, announce } from '../ui.js';
import { imojeHealth } from '../health.js';

const SETUP = `configured merchantId shopId environment authorizationTokenSet authorizationTokenHint shopKeySet shopKeyHint
  channels shopChannels { method code active online description minAmount maxAmount }
  notificationUrl lastNotificationAt verifiedAt setupWarnings warnings { code message }`;
const QUERY = `query PanelPayments {
  paymentMethods { id kind displayName enabled isDefault imoje { ${SETUP} } }
  paymentNotifications(first: 5) { totalCount edges { node { id kind imojeStatus outcome detail receivedAt } } } }`;

const CHANNELS = ['BLIK', 'PBL', 'CARD', 'PAY_LATER'];
const PANEL = { PRODUCTION: 'https://imoje.ing.pl', SANDBOX: 'https://sandbox.imoje.ing.pl' };

export function PaymentsSetup() {
  const q = useQuery(QUERY);
  const [creating, setCreating] = useState(false);
  const [error, setError] = useState(null);
  // Health is read again now and then while the page is open: a notification may arrive any time.
  useEffect(() => {
    const timer = setInterval(() => q.reload(), 15_000);
    return () => clearInterval(timer);
  }, [q.reload]);
  if (q.error && !q.data) return html`<h1>${t('imoje.title')}</h1><${LoadError} error=${q.error} retry=${q.reload} />`;
  if (!q.data) return html`<h1>${t('imoje.title')}</h1><${Loading} />`;
  const method = q.data.paymentMethods.find((m) => m.kind === 'IMOJE');
  const create = async () => {
    setCreating(true);
    try {
      // Not offered to customers until the credentials work (saving them switches it on).
      await gql(`mutation PanelCreateImoje($input: PaymentMethodInput!) { createPaymentMethod(input: $input) { id } }`,
        { input: { kind: 'IMOJE', displayName: t('imoje.methodName'), enabled: false } });
      q.reload();
    } catch (err) {
      setError(err);
    }
    setCreating(false);
  };
  return html`<section class="imoje">
    <h1>${t('imoje.title')}</h1>
    <p class="lead">${t('imoje.lead')}</p>
    ${!method && html`<div class="card">
      <p>${t('imoje.none')}</p>
      <${FormErrors} error=${error} />
      <button type="button" class="primary" disabled=${creating} onClick=${create}>${t('imoje.connect')}</button>
    </div>`}
    ${method && html`
      <${Health} method=${method} notifications=${q.data.paymentNotifications} onCheck=${q.reload} />
      <${Credentials} method=${method} onSaved=${q.reload} />
      <${NotificationUrl} url=${method.imoje.notificationUrl} env=${method.imoje.environment} />
      ${method.imoje.shopChannels.length > 0 && html`<${ShopChannels} setup=${method.imoje} />`}`}
  </section>`;
}

function Credentials({ method, onSaved }) {
  const s = method.imoje;
  const [v, setV] = useState({ authorizationToken: '', merchantId: s.merchantId || '', shopId: s.shopId || '', shopKey: '',
    environment: s.environment || 'PRODUCTION', customBaseUrl: '', channels: s.configured ? s.channels : CHANNELS, enable: true });
  const [errors, setErrors] = useState({});
  const [error, setError] = useState(null);
  const [busy, setBusy] = useState(false);
  const set = (k) => (e) => setV({ ...v, [k]: e.target.value });
  const submit = async (e) => {
    e.preventDefault();
    const mine = {};
    for (const k of ['authorizationToken', 'merchantId', 'shopId', 'shopKey']) if (!v[k].trim()) mine[k] = [t('imoje.' + k + '.missing')];
    if (v.shopId.trim() && !/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(v.shopId.trim())) mine.shopId = [t('imoje.shopId.format')];
    if (!v.channels.length) mine.channels = [t('imoje.channels.missing')];
    setError(null);
    if (Object.keys(mine).length) return setErrors(mine);
    setBusy(true);
    const input = { paymentMethodId: method.id, authorizationToken: v.authorizationToken.trim(), merchantId: v.merchantId.trim(),
      shopId: v.shopId.trim(), shopKey: v.shopKey.trim(), environment: v.environment, channels: v.channels };
    if (v.environment === 'CUSTOM') input.customBaseUrl = v.customBaseUrl.trim();
    try {
      await gql(`mutation PanelSaveImoje($input: ImojeCredentialsInput!) { saveImojeCredentials(input: $input) { id } }`, { input });
      if (v.enable && !method.enabled) {
        await gql(`mutation PanelEnableImoje($id: UUID!) { updatePaymentMethod(id: $id, input: {enabled: true}) { id } }`, { id: method.id });
      }
      setErrors({});
      setV({ ...v, authorizationToken: '', shopKey: '' });
      announce(t('imoje.saved'));
      onSaved();
    } catch (err) {
      const byField = err instanceof GraphQLError ? fieldsOf(err) : {};
      // channels.<n> errors belong to the channel list.
      for (const k of Object.keys(byField)) if (k.startsWith('channels')) (byField.channels ||= []).push(...byField[k]);
      setErrors(byField);
      setError(err);
    } finally {
      setBusy(false);
    }
  };
  const where = (k) => html`<span class="where"><strong>${t('imoje.where')}</strong> ${t('imoje.' + k + '.where')}</span>`;
  const secret = (k, hint) => (s.configured && hint ? t('imoje.secretSaved', { hint }) : undefined);
  return html`<section aria-labelledby="imoje-creds" class="card">
    <h2 id="imoje-creds">${t('imoje.step1')}</h2>
    <p>${t('imoje.step1Lead')} ${PANEL[v.environment] && html`<a href=${PANEL[v.environment]} target="_blank" rel="noopener noreferrer">${t('imoje.openPanel')}</a>`}</p>
    ${s.configured && html`<p class="muted">${t('imoje.resave')}</p>`}
    <form class="form" onSubmit=${submit} novalidate>
      <${FormErrors} error=${error} byField=${errors} />
      <fieldset class="wide"><legend>${t('imoje.environment')}</legend>
        ${['PRODUCTION', 'SANDBOX'].map((env) => html`<label class="check"><input type="radio" name="imoje-env" value=${env} checked=${v.environment === env} onChange=${set('environment')} /> ${t('env.' + env)}</label>`)}
        <details open=${v.environment === 'CUSTOM'}><summary>${t('imoje.advanced')}</summary>
          <label class="check"><input type="radio" name="imoje-env" value="CUSTOM" checked=${v.environment === 'CUSTOM'} onChange=${set('environment')} /> ${t('env.CUSTOM')}</label>
          ${v.environment === 'CUSTOM' && html`<${Field} id="imoje-customBaseUrl" label=${t('imoje.customBaseUrl')} errors=${errors.customBaseUrl}>
            ${(a) => html`<input ...${a} type="url" value=${v.customBaseUrl} onInput=${set('customBaseUrl')} />`}<//>`}
        </details>
        ${errors.environment && html`<div class="error">${errors.environment.join(' ')}</div>`}
      </fieldset>
      ${[['authorizationToken', s.authorizationTokenHint], ['merchantId'], ['shopId'], ['shopKey', s.shopKeyHint]].map(([k, hint]) => html`
        <${Field} id=${'imoje-' + k} label=${t('imoje.' + k + '.label')} hint=${where(k)} errors=${errors[k]} wide>
          ${(a) => html`<input ...${a} name=${k} autocomplete="off" autocapitalize="none" spellcheck="false" required
            placeholder=${secret(k, hint)} value=${v[k]} onInput=${set(k)} />`}
        <//>`)}
      <fieldset class="wide" aria-describedby=${errors.channels ? 'imoje-channels-err' : undefined}><legend>${t('imoje.channels')}</legend>
        ${CHANNELS.map((c) => html`<label class="check"><input type="checkbox" name="channel" value=${c} checked=${v.channels.includes(c)}
          onChange=${(e) => setV({ ...v, channels: e.target.checked ? [...v.channels, c] : v.channels.filter((x) => x !== c) })} /> ${t('channel.' + c)}</label>`)}
        ${errors.channels && html`<div class="error" id="imoje-channels-err">${errors.channels.join(' ')}</div>`}
      </fieldset>
      ${!method.enabled && html`<label class="check wide"><input type="checkbox" checked=${v.enable} onChange=${(e) => setV({ ...v, enable: e.target.checked })} /> ${t('imoje.enable')}</label>`}
      <div class="actions"><button type="submit" class="primary" disabled=${busy}>${busy ? t('imoje.checking') : t('imoje.save')}</button></div>
    </form>
  </section>`;
}

function NotificationUrl({ url }) {
  const ref = useRef();
  const [copied, setCopied] = useState(false);
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(url);
    } catch {
      // Without the Clipboard API (an insecure origin): select it for Ctrl+C.
      ref.current.select();
      document.execCommand?.('copy');
    }
    setCopied(true);
    announce(t('imoje.copied'));
    setTimeout(() => setCopied(false), 3000);
  };
  return html`<section aria-labelledby="imoje-url" class="card">
    <h2 id="imoje-url">${t('imoje.step2')}</h2>
    <p>${t('imoje.step2Lead')}</p>
    <div class="copy">
      <label for="imoje-notification-url" class="sr-only">${t('imoje.notificationUrl')}</label>
      <input id="imoje-notification-url" ref=${ref} readonly value=${url} onFocus=${(e) => e.target.select()} />
      <button type="button" class="primary" onClick=${copy}>${copied ? t('imoje.copiedShort') : t('imoje.copy')}</button>
    </div>
    <p class="where"><strong>${t('imoje.where')}</strong> ${t('imoje.notificationUrl.where')}</p>
  </section>`;
}

function Health({ method, notifications, onCheck }) {
  const s = method.imoje;
  const tz = getSession().tenant.timeZone;
  const h = imojeHealth(method);
  const fmt = (iso) => (iso ? formatDateTime(iso, tz, lang()) : t('imoje.never'));
  return html`<section aria-labelledby="imoje-health" class=${'card health ' + h.level} data-health=${h.level}>
    <h2 id="imoje-health">${t('imoje.health')}</h2>
    <p class="status" role="status"><span class="dot" aria-hidden="true"></span> <strong>${t('level.' + h.level)}</strong>: ${t(h.key, h.params)}</p>
    ${h.problems.length > 0 && html`<ul class="problems">${h.problems.map((p) => html`<li>${has('warning.' + p.code) ? t('warning.' + p.code, { url: s.notificationUrl, since: fmt(s.lastNotificationAt) }) : p.message}</li>`)}</ul>`}
    <dl class="facts">
      <dt>${t('imoje.lastNotification')}</dt><dd data-testid="last-notification">${fmt(s.lastNotificationAt)}</dd>
      <dt>${t('imoje.verifiedAt')}</dt><dd>${fmt(s.verifiedAt)}</dd>
      ${s.configured && html`<dt>${t('imoje.environment')}</dt><dd>${t('env.' + s.environment)}</dd>
        <dt>${t('imoje.merchantId.label')}</dt><dd><code>${s.merchantId}</code></dd>
        <dt>${t('imoje.shopId.label')}</dt><dd><code>${s.shopId}</code></dd>
        <dt>${t('imoje.authorizationToken.label')}</dt><dd>${s.authorizationTokenSet ? t('imoje.endsWith', { hint: s.authorizationTokenHint }) : '—'}</dd>
        <dt>${t('imoje.shopKey.label')}</dt><dd>${s.shopKeySet ? t('imoje.endsWith', { hint: s.shopKeyHint }) : '—'}</dd>
        <dt>${t('imoje.offered')}</dt><dd>${s.channels.map((c) => t('channel.' + c)).join(', ')}</dd>
        <dt>${t('imoje.offeredToCustomers')}</dt><dd>${method.enabled ? t('common.yes') : t('common.no')}</dd>`}
    </dl>
    ${notifications.totalCount > 0 && html`<h3>${t('imoje.recent', { n: notifications.totalCount })}</h3>
      <ul class="notifications">${notifications.edges.map(({ node: n }) => html`<li>
        ${fmt(n.receivedAt)} · ${t('nkind.' + n.kind)} · <code>${n.imojeStatus}</code> · ${t('outcome.' + n.outcome)}${n.detail ? ' · ' + n.detail : ''}</li>`)}</ul>`}
    <button type="button" onClick=${onCheck}>${t('imoje.checkAgain')}</button>
  </section>`;
}

function ShopChannels({ setup }) {
  return html`<section aria-labelledby="imoje-shop" class="card">
    <h2 id="imoje-shop">${t('imoje.shopChannels')}</h2>
    <div class="table-wrap"><table>
      <caption class="sr-only">${t('imoje.shopChannels')}</caption>
      <thead><tr><th scope="col">${t('imoje.method')}</th><th scope="col">${t('imoje.code')}</th><th scope="col">${t('imoje.state')}</th></tr></thead>
      <tbody>${setup.shopChannels.map((c) => html`<tr><th scope="row">${c.description || c.method}</th><td><code>${c.code}</code></td>
        <td>${c.active ? (c.online ? t('imoje.online') : t('imoje.offline')) : t('imoje.inactive')}</td></tr>`)}</tbody>
    </table></div>
  </section>`;
}
