// A reservation's own page (/b/<slug>/r/<id>), with the customer access token this browser keeps:
// payment while it is due, a live "waiting for your bank" screen while a payment is in flight (with
// the hold's countdown), then the confirmation, and the manage actions (cancel, change the time)
// with the policy's consequence shown before confirming. reservationUpdated and paymentUpdated push
// every change; the page reads the reservation again on each (one query, one shape).
import { html, useEffect, useMemo, useRef, useState } from '../shared/ui.js';
import { CANCEL, PAYMENT_UPDATED, RESCHEDULE, RESERVATION, RESERVATION_UPDATED } from './api.js';
import { PayPanel } from './pay.js';
import { Week } from './slots.js';
import { countdown, loadToken, useNow } from './util.js';
import { icsFile } from './ics.js';

const inFlight = (p) => p && ['CREATED', 'UNKNOWN', 'PENDING'].includes(p.status);

export function ReservationPage({ client, slug, id, t, f, embedded, navigate }) {
  const [token] = useState(() => loadToken(id));
  const [r, setR] = useState(null);
  const [error, setError] = useState(null);
  const [opened, setOpened] = useState(null); // the paywall opened in another tab (embedded)
  const seq = useRef(0);

  const load = async () => {
    const mine = ++seq.current;
    try {
      const d = await client.request(RESERVATION, { id }, { token });
      if (mine === seq.current) { setR(d.reservation); setError(null); }
    } catch (e) {
      if (mine === seq.current) setError(e);
    }
  };

  useEffect(() => {
    if (!token) return;
    load();
    const opts = { token, onNext: load, onResync: load, onError: () => {} };
    const a = client.subscribe(RESERVATION_UPDATED, { id }, opts);
    const b = client.subscribe(PAYMENT_UPDATED, { id }, opts);
    return () => { a(); b(); };
  }, [id, token]);

  if (!token) {
    // AFTER MESSAGES LAND: offer "send me a link" here (msg-cal's magic link by e-mail).
    return html`<section class="result"><h2>${t.manage}</h2><p class="notice info">${t.noToken}</p>
      <button type="button" class="secondary" onClick=${() => window.close()}>${t.closeWindow}</button></section>`;
  }
  if (error && !r) {
    return html`<div class="notice bad" role="alert">${error.code === 'NETWORK' ? t.networkError : error.message}
      <button type="button" class="link" onClick=${load}>${t.retry}</button></div>`;
  }
  if (!r) return html`<p aria-busy="true">${t.loading}</p>`;

  const latest = r.payments[0];
  const payable = r.balanceDue.amount > 0 && r.service.paymentPolicy !== 'NONE' &&
    (r.status === 'PENDING_PAYMENT' || (r.status === 'CONFIRMED' && r.service.paymentPolicy === 'OPTIONAL') || (r.status === 'CONFIRMED' && r.paymentStatus === 'PARTIALLY_PAID'));
  const waiting = inFlight(latest) && ['PENDING_PAYMENT', 'CONFIRMED', 'REQUESTED'].includes(r.status);
  return html`
    <div class="reservation" data-status=${r.status} data-payment-status=${r.paymentStatus}>
      <${StatusBanner} r=${r} latest=${latest} waiting=${waiting} t=${t} f=${f} />
      ${r.status === 'PENDING_PAYMENT' && html`<${Hold} r=${r} t=${t} onExpired=${load} />`}
      ${waiting && html`<${Waiting} payment=${latest} opened=${opened} t=${t} />`}
      ${!waiting && payable && html`<${PayPanel} client=${client} r=${r} token=${token} t=${t} f=${f} embedded=${embedded}
        onStarted=${(p, url) => { setOpened(url || null); load(); }} />`}
      <${Details} r=${r} t=${t} f=${f} />
      <${Manage} client=${client} r=${r} token=${token} t=${t} f=${f} reload=${load} setR=${setR} />
      ${['CANCELLED', 'EXPIRED', 'DECLINED', 'COMPLETED', 'NO_SHOW'].includes(r.status) && html`
        <p><button type="button" class="secondary" onClick=${() => navigate('/b/' + slug)}>${t.bookAgain}</button></p>`}
    </div>`;
}

// StatusBanner says where the reservation is, in a live region: the confirmation arriving from
// the bank is announced without the page being reloaded.
function StatusBanner({ r, latest, waiting, t, f }) {
  let kind = 'info', title = t.status[r.status], body = '', failed;
  if (waiting) {
    kind = 'info'; title = t.waitingTitle;
  } else if (r.status === 'PENDING_PAYMENT' && latest?.status === 'FAILED') {
    kind = 'bad'; title = t.failedTitle; body = [latest.failureMessage, t.failedHelp].filter(Boolean).join(' — '); failed = true;
  } else if (r.status === 'PENDING_PAYMENT') {
    kind = 'info'; title = t.heldTitle;
  } else if (r.status === 'CONFIRMED') {
    kind = 'ok'; title = t.confirmedTitle;
    body = [r.amountPaid.amount ? t.confirmedPaid(f.money(r.amountPaid)) : '', r.balanceDue.amount ? t.confirmedBalance(f.money(r.balanceDue)) : ''].filter(Boolean).join(' ');
  } else if (r.status === 'REQUESTED') {
    kind = 'info'; title = t.requestedTitle; body = r.decisionDeadline ? t.requestedHelp(f.dateTime(r.decisionDeadline)) : '';
  } else if (r.status === 'CANCELLED') {
    kind = 'warn'; title = t.cancelledTitle; body = r.cancelReason || '';
  } else if (r.status === 'EXPIRED') {
    kind = 'warn'; title = t.expiredTitle; body = t.expiredHelp;
  } else if (r.status === 'DECLINED') {
    kind = 'warn'; title = t.declinedTitle; body = r.declineReason || '';
  } else if (r.status === 'COMPLETED') {
    title = t.completedTitle;
  } else if (r.status === 'NO_SHOW') {
    kind = 'warn'; title = t.noShowTitle;
  }
  const refunds = r.payments.flatMap((p) => p.refunds);
  return html`
    <div class=${'notice banner ' + kind} role="status" aria-live="polite" aria-atomic="true" data-banner=${kind} data-failed=${failed}>
      <h2>${title}</h2>
      ${body && html`<p>${body}</p>`}
      ${refunds.map((x) => html`<p data-refund=${x.status}>${t.refundLine(f.money(x.amount), t.refundStatus[x.status] || x.status)}</p>`)}
    </div>`;
}

// Hold counts down the time the slot stays held for payment.
function Hold({ r, t, onExpired }) {
  const now = useNow();
  const left = r.holdExpiresAt ? new Date(r.holdExpiresAt).getTime() - now : 0;
  const expired = r.holdExpiresAt && left <= 0;
  useEffect(() => {
    if (!expired) return;
    const timer = setInterval(onExpired, 5000); // the server expires it within its round
    return () => clearInterval(timer);
  }, [expired]);
  if (!r.holdExpiresAt) return null;
  if (expired) return html`<p class="notice warn">${t.holdExpired}</p>`;
  const minute = Math.ceil(left / 60000);
  return html`
    <p class="hold"><span>${t.holdLeft} </span><strong role="timer" aria-live="off" data-hold>${countdown(left)}</strong>
      <span class="visually-hidden" aria-live="polite">${minute <= 5 ? t.minutes(minute) : ''}</span></p>`;
}

function Waiting({ payment, opened, t }) {
  return html`
    <div class="waiting" data-waiting>
      <div class="spinner" aria-hidden="true"></div>
      <p>${payment.channel === 'BLIK' && !payment.redirectUrl ? t.waitingBlik : t.waitingBank}</p>
      ${opened && html`<p class="muted">${t.paywallOpened}</p>`}
      ${payment.redirectUrl && html`<p><a class="button secondary" href=${payment.redirectUrl} target=${opened ? '_blank' : '_top'} rel="noopener">${t.openPaywall}</a></p>`}
    </div>`;
}

function Details({ r, t, f }) {
  const ics = useMemo(() => icsFile(r), [r.id, r.updatedAt]);
  useEffect(() => () => ics && URL.revokeObjectURL(ics.href), [ics]);
  return html`
    <section class="details" aria-labelledby="details-heading">
      <h2 id="details-heading">${t.details}</h2>
      <dl>
        <dt>${t.service}</dt><dd>${r.service.name}</dd>
        <dt>${t.when}</dt><dd data-when>${f.dateTime(r.startsAt)} – ${f.time(r.endsAt)}</dd>
        <dt>${t.staff}</dt><dd>${r.staffMember.name}</dd>
        <dt>${t.price}</dt><dd>${r.price.amount ? f.money(r.price) : t.free}</dd>
        ${r.amountPaid.amount > 0 && html`<dt>${t.paid}</dt><dd data-paid>${f.money(r.amountPaid)}</dd>`}
        ${r.amountRefunded.amount > 0 && html`<dt>${t.refunded}</dt><dd data-refunded>${f.money(r.amountRefunded)}</dd>`}
        ${r.balanceDue.amount > 0 && html`<dt>${t.balance}</dt><dd>${f.money(r.balanceDue)}</dd>`}
        <dt>${t.customer}</dt><dd>${r.customer.name}, ${r.customer.email}</dd>
        ${r.answers.map((a) => html`<dt>${a.label}</dt><dd>${a.valueLabels.length ? a.valueLabels.join(', ') : a.value === 'true' ? t.yes : a.value}</dd>`)}
        <dt>${t.bookingNo}</dt><dd class="mono">${r.id.slice(0, 8)}</dd>
      </dl>
      ${ics && ['CONFIRMED', 'REQUESTED', 'PENDING_PAYMENT'].includes(r.status) && html`
        <p><a class="button secondary" href=${ics.href} download=${ics.name}>${t.calendar}</a></p>`}
      ${r.business.cancellationPolicy && html`<details><summary>${t.policy}</summary><p>${r.business.cancellationPolicy}</p></details>`}
    </section>`;
}

// Manage: cancel or move the visit. Each opens a dialog that first reads the reservation again, so
// the consequence shown (refund, fee, deadlines) is the server's for this moment.
function Manage({ client, r, token, t, f, reload, setR }) {
  const [dialog, setDialog] = useState(null);
  const active = ['CONFIRMED', 'PENDING_PAYMENT', 'REQUESTED'].includes(r.status);
  if (!active) return null;
  return html`
    <section class="manage" aria-labelledby="manage-heading">
      <h2 id="manage-heading">${t.manage}</h2>
      <div class="actions">
        <button type="button" class="secondary" onClick=${() => setDialog('reschedule')} data-reschedule>${t.reschedule}</button>
        <button type="button" class="secondary" onClick=${() => setDialog('cancel')} data-cancel>${t.cancel}</button>
      </div>
      ${dialog === 'cancel' && html`<${CancelDialog} client=${client} r=${r} token=${token} t=${t} f=${f} onClose=${() => setDialog(null)} onDone=${(x) => { setR(x); setDialog(null); reload(); }} />`}
      ${dialog === 'reschedule' && html`<${RescheduleDialog} client=${client} r=${r} token=${token} t=${t} f=${f} onClose=${() => setDialog(null)} onDone=${(x) => { setR(x); setDialog(null); reload(); }} />`}
    </section>`;
}

// Dialog is a native modal <dialog>: focus moves into it and stays there, Escape closes it, and
// focus returns to the button that opened it.
function Dialog({ title, onClose, children, t }) {
  const ref = useRef(null);
  useEffect(() => {
    const opener = document.activeElement;
    ref.current.showModal();
    return () => opener?.focus?.();
  }, []);
  return html`
    <dialog ref=${ref} aria-labelledby="dialog-title" onClose=${onClose} onCancel=${onClose}>
      <h2 id="dialog-title">${title}</h2>
      ${children}
      <button type="button" class="link dialog-close" onClick=${onClose}>${t.close}</button>
    </dialog>`;
}

function CancelDialog({ client, r: initial, token, t, f, onClose, onDone }) {
  const [r, setR] = useState(null);
  const [reason, setReason] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState('');
  useEffect(() => {
    client.request(RESERVATION, { id: initial.id }, { token }).then((d) => setR(d.reservation), (e) => setError(e.message));
  }, []);
  const submit = async (e) => {
    e.preventDefault();
    setBusy(true);
    try {
      const d = await client.request(CANCEL, { id: r.id, reason: reason || null }, { token });
      onDone(d.cancelReservation);
    } catch (err) {
      setBusy(false);
      setError(err.message);
    }
  };
  const paid = r && r.refundIfCancelledNow.amount + r.feeIfCancelledNow.amount > 0;
  const free = r && new Date(r.freeCancellationUntil) > new Date();
  return html`
    <${Dialog} title=${t.cancelTitle} onClose=${onClose} t=${t}>
      ${!r && !error && html`<p aria-busy="true">${t.loading}</p>`}
      ${error && html`<p class="notice bad" role="alert">${error}</p>`}
      ${r && !r.canCancel && html`<p class="notice warn">${t.cancelNotAllowed}</p>`}
      ${r && r.canCancel && html`
        <form onSubmit=${submit}>
          <div class="consequence" data-consequence>
            <p>${free ? t.cancelFree(f.dateTime(r.freeCancellationUntil)) : t.cancelLate(f.dateTime(r.freeCancellationUntil))}</p>
            ${paid ? html`
              <p><strong data-refund-now>${t.cancelRefund(f.money(r.refundIfCancelledNow))}</strong></p>
              ${r.feeIfCancelledNow.amount > 0 && html`<p>${t.cancelFee(f.money(r.feeIfCancelledNow))}</p>`}` : html`<p>${t.cancelNothingPaid}</p>`}
            ${r.cancellationDeadline && html`<p class="muted">${t.cancelDeadline(f.dateTime(r.cancellationDeadline))}</p>`}
          </div>
          <div class="field">
            <label for="cancel-reason">${t.reason} <span class="muted">${t.optional}</span></label>
            <textarea id="cancel-reason" maxLength="500" value=${reason} onInput=${(e) => setReason(e.currentTarget.value)}></textarea>
          </div>
          <div class="actions">
            <button type="submit" class="danger" disabled=${busy} data-confirm-cancel>${busy ? t.cancelling : t.confirmCancel}</button>
            <button type="button" class="secondary" onClick=${onClose}>${t.keep}</button>
          </div>
        </form>`}
    <//>`;
}

function RescheduleDialog({ client, r, token, t, f, onClose, onDone }) {
  const [slot, setSlot] = useState(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState('');
  const submit = async () => {
    setBusy(true);
    try {
      const d = await client.request(RESCHEDULE, { id: r.id, in: { startsAt: slot.startsAt } }, { token });
      onDone(d.rescheduleReservation);
    } catch (err) {
      setBusy(false);
      setError(err.message);
    }
  };
  return html`
    <${Dialog} title=${t.rescheduleTitle} onClose=${onClose} t=${t}>
      ${!r.canReschedule ? html`<p class="notice warn">${t.rescheduleNotAllowed}</p>` : html`
        <p class="consequence">${t.rescheduleRules(f.dateTime(r.rescheduleDeadline))}</p>
        ${error && html`<p class="notice bad" role="alert">${error}</p>`}
        ${slot ? html`
          <p><strong>${t.rescheduleConfirm(f.dateTime(slot.startsAt))}</strong></p>
          <div class="actions">
            <button type="button" disabled=${busy} onClick=${submit} data-confirm-reschedule>${t.rescheduleDo}</button>
            <button type="button" class="secondary" onClick=${() => setSlot(null)}>${t.back}</button>
          </div>` : html`
          <${Week} client=${client} slug=${r.business.slug} serviceId=${r.service.id} staffId=${r.staffMember.id}
            timeZone=${r.business.timeZone} t=${t} f=${f} headingLevel=${3} onPick=${(s) => s && setSlot(s)} />`}`}
    <//>`;
}
