// Small shared pieces: labelled fields with their errors, dialogs, status badges, announcements.
import { html, useEffect, useRef } from './lib.js';
import { t } from './i18n.js';
import { generalOf } from './api.js';

let uid = 0;
export const newId = (p = 'f') => `${p}-${++uid}`;

/**
 * A labelled control. errors: the messages for this field (from fieldsOf(error) or the page's own
 * checks); the control is aria-invalid and described by them, and by the hint.
 */
export function Field({ id, label, hint, errors, children, wide }) {
  const hintId = hint ? id + '-hint' : null;
  const errId = errors?.length ? id + '-err' : null;
  const describedBy = [hintId, errId].filter(Boolean).join(' ') || undefined;
  const control = children({ id, 'aria-describedby': describedBy, 'aria-invalid': errId ? 'true' : undefined });
  return html`<div class=${'field' + (wide ? ' wide' : '') + (errId ? ' invalid' : '')}>
    <label for=${id}>${label}</label>
    ${hint && html`<div class="hint" id=${hintId}>${hint}</div>`}
    ${control}
    ${errId && html`<div class="error" id=${errId}>${errors.map((m) => html`<div>${m}</div>`)}</div>`}
  </div>`;
}

/** Messages of an error that name no field (or every message of another error). */
export function FormErrors({ error, byField }) {
  if (!error) return null;
  const msgs = generalOf(error);
  const fieldCount = byField ? Object.keys(byField).length : 0;
  if (!msgs.length && !fieldCount) return null;
  return html`<div class="alert error" role="alert">
    ${fieldCount > 0 && html`<p>${t('form.fixFields', { n: fieldCount })}</p>`}
    ${msgs.map((m) => html`<p>${m}</p>`)}
  </div>`;
}

/** A modal dialog (the native <dialog>: focus stays inside, Escape closes it). */
export function Dialog({ title, onClose, children }) {
  const ref = useRef();
  const titleId = useRef(newId('dlg')).current;
  useEffect(() => {
    const d = ref.current;
    const opener = document.activeElement;
    d.showModal();
    const close = (e) => {
      e.preventDefault();
      onClose();
    };
    d.addEventListener('cancel', close);
    return () => {
      d.removeEventListener('cancel', close);
      if (d.open) d.close();
      opener?.focus?.();
    };
  }, []);
  return html`<dialog ref=${ref} aria-labelledby=${titleId} class="dialog">
    <div class="dialog-head">
      <h2 id=${titleId}>${title}</h2>
      <button type="button" class="icon" onClick=${onClose} aria-label=${t('common.close')}>×</button>
    </div>
    ${children}
  </dialog>`;
}

const statusTone = {
  REQUESTED: 'warn', PENDING_PAYMENT: 'warn', CONFIRMED: 'ok', CANCELLED: 'muted', COMPLETED: 'info',
  NO_SHOW: 'bad', EXPIRED: 'muted', DECLINED: 'muted',
};
const payTone = {
  NOT_REQUIRED: 'muted', UNPAID: 'warn', PENDING: 'warn', PARTIALLY_PAID: 'warn', PAID: 'ok',
  PARTIALLY_REFUNDED: 'info', REFUNDED: 'info', FAILED: 'bad',
};

export const StatusBadge = ({ status }) => html`<span class=${'badge ' + (statusTone[status] || '')}>${t('status.' + status)}</span>`;
export const PayBadge = ({ status }) => html`<span class=${'badge ' + (payTone[status] || '')}>${t('pay.' + status)}</span>`;

/** Says msg to screen readers (and shows it briefly). */
export function announce(msg) {
  const region = document.getElementById('announcer');
  if (!region) return;
  region.textContent = '';
  // A fresh text node after a tick is announced even when the text repeats.
  setTimeout(() => {
    region.textContent = msg;
  }, 50);
  const toast = document.getElementById('toast');
  if (toast) {
    toast.textContent = msg;
    toast.hidden = false;
    clearTimeout(announce.timer);
    announce.timer = setTimeout(() => (toast.hidden = true), 5000);
  }
}

export const Loading = () => html`<p class="loading" role="status">${t('common.loading')}</p>`;

export function LoadError({ error, retry }) {
  return html`<div class="alert error" role="alert">
    <p>${t('common.loadFailed')}: ${error.message}</p>
    ${retry && html`<button type="button" onClick=${retry}>${t('common.retry')}</button>`}
  </div>`;
}
