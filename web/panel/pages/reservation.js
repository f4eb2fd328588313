// One reservation: who, when, what, the money (due, paid, refunded, balance), each payment with its
// refunds, the history, and what staff can do now (approve or decline a request, confirm, cancel
// with a chosen refund, refund part of a payment, mark paid on site, complete, no-show). It follows
// reservationUpdated and paymentUpdated, so a refund settling at imoje shows without a reload.
import { html, useState, useEffect, useRef } from '../lib.js';
import { getSession, subscribe, gql, GraphQLError, fieldsOf } from '../api.js';
import { t, lang } from '../i18n.js';
import { useQuery } from '../data.js';
import { formatDateTime, formatMoney, parseAmount, amountText } from '../format.js';
import { Field, FormErrors, Dialog, StatusBadge, PayBadge, Loading, LoadError, announce, newId } from '../ui.js';

const MONEY = 'amount currency';
const DETAIL = `query PanelReservation($id: UUID!) { reservation(id: $id) {
  id startsAt endsAt status paymentStatus note cancelReason declineReason decisionDeadline holdExpiresAt createdAt
  service { id name } staffMember { id name }
  customer { id name email phone }
  price { ${MONEY} } amountDue { ${MONEY} } amountPaid { ${MONEY} } amountRefunded { ${MONEY} }
  balanceDue { ${MONEY} } overpaidAmount { ${MONEY} } depositDue { ${MONEY} }
  answers { key label value valueLabels type }
  payments { id channel status createdAt paidAt failureMessage imojeTransactionId
    amount { ${MONEY} } refundedAmount { ${MONEY} }
    refunds { id status reason automatic failureMessage createdAt amount { ${MONEY} } } }
  history { fromStatus toStatus fromPaymentStatus toPaymentStatus actor reason at fromStartsAt toStartsAt }
} paymentMethods { id kind displayName enabled } }`;

export function ReservationPage({ id }) {
  const q = useQuery(DETAIL, { id });
  const s = getSession();
  const tz = s.tenant.timeZone;
  const [dialog, setDialog] = useState(null);
  useEffect(() => {
    const stop1 = subscribe(`subscription PanelReservationLive($id: UUID!) { reservationUpdated(id: $id) { kind } }`, { id }, { next: q.reload, resync: q.reload });
    const stop2 = subscribe(`subscription PanelPaymentLive($id: UUID!) { paymentUpdated(reservationId: $id) { kind } }`, { id }, { next: q.reload, resync: q.reload });
    return () => {
      stop1();
      stop2();
    };
  }, [id]);
  if (q.error && !q.data) return html`<h1>${t('res.title')}</h1><${LoadError} error=${q.error} retry=${q.reload} />`;
  if (!q.data) return html`<h1>${t('res.title')}</h1><${Loading} />`;
  const r = q.data.reservation;
  const admin = s.role === 'OWNER' || s.role === 'ADMIN';
  const started = Date.parse(r.startsAt) <= Date.now();
  const holds = ['REQUESTED', 'PENDING_PAYMENT', 'CONFIRMED'].includes(r.status);
  const done = () => {
    setDialog(null);
    q.reload();
  };
  const act = async (mutation, vars, msg) => {
    try {
      await gql(mutation, vars);
      announce(msg);
      q.reload();
    } catch (err) {
      announce(err.message);
      alertError(err);
    }
  };
  const onSite = q.data.paymentMethods.filter((m) => m.enabled && m.kind !== 'IMOJE');
  return html`<article class="reservation">
    <p><a href="#/agenda">← ${t('nav.agenda')}</a></p>
    <h1>${r.customer.name}: ${r.service.name}, ${formatDateTime(r.startsAt, tz, lang())}</h1>
    <p class="badges"><${StatusBadge} status=${r.status} /> <${PayBadge} status=${r.paymentStatus} /></p>
    <div id="res-error" role="alert" class="alert error" hidden></div>

    <div class="actions">
      ${r.status === 'REQUESTED' && html`
        <button type="button" class="primary" onClick=${() => act(`mutation($id: UUID!) { approveReservation(id: $id) { id } }`, { id }, t('req.approved'))}>${t('req.approve')}</button>
        <button type="button" onClick=${() => setDialog({ kind: 'decline' })}>${t('req.decline')}</button>`}
      ${r.status === 'PENDING_PAYMENT' && html`<button type="button" onClick=${() => act(`mutation($id: UUID!) { confirmReservation(id: $id) { id } }`, { id }, t('res.confirmed'))}>${t('res.confirm')}</button>`}
      ${r.balanceDue.amount > 0 && onSite.length > 0 && html`<button type="button" onClick=${() => setDialog({ kind: 'markPaid' })}>${t('res.markPaid')}</button>`}
      ${started && r.status === 'CONFIRMED' && html`
        <button type="button" onClick=${() => act(`mutation($id: UUID!) { completeReservation(id: $id) { id } }`, { id }, t('res.completed'))}>${t('res.complete')}</button>
        <button type="button" onClick=${() => act(`mutation($id: UUID!) { markNoShow(id: $id) { id } }`, { id }, t('res.noShowed'))}>${t('res.noShow')}</button>`}
      ${holds && html`<button type="button" class="danger" onClick=${() => setDialog({ kind: 'cancel' })}>${t('res.cancel')}</button>`}
    </div>

    <div class="grid2">
      <section aria-labelledby="res-visit"><h2 id="res-visit">${t('res.visit')}</h2>
        <dl class="facts">
          <dt>${t('res.when')}</dt><dd>${formatDateTime(r.startsAt, tz, lang())} – ${formatDateTime(r.endsAt, tz, lang())}</dd>
          <dt>${t('res.service')}</dt><dd>${r.service.name}</dd>
          <dt>${t('res.staff')}</dt><dd>${r.staffMember.name}</dd>
          <dt>${t('res.customer')}</dt><dd><a href=${'#/customers/' + r.customer.id}>${r.customer.name}</a><br />${r.customer.email}${r.customer.phone && html`<br />${r.customer.phone}`}</dd>
          ${r.note && html`<dt>${t('res.note')}</dt><dd>${r.note}</dd>`}
          ${r.decisionDeadline && r.status === 'REQUESTED' && html`<dt>${t('req.deadline')}</dt><dd>${formatDateTime(r.decisionDeadline, tz, lang())}</dd>`}
          ${r.holdExpiresAt && r.status === 'PENDING_PAYMENT' && html`<dt>${t('res.hold')}</dt><dd>${formatDateTime(r.holdExpiresAt, tz, lang())}</dd>`}
          ${r.cancelReason && html`<dt>${t('res.cancelReason')}</dt><dd>${r.cancelReason}</dd>`}
          ${r.declineReason && html`<dt>${t('req.declineReason')}</dt><dd>${r.declineReason}</dd>`}
          ${r.answers.map((a) => html`<dt>${a.label}</dt><dd>${answerText(a)}</dd>`)}
        </dl>
      </section>
      <section aria-labelledby="res-money"><h2 id="res-money">${t('res.money')}</h2>
        <dl class="facts money">
          <dt>${t('res.due')}</dt><dd>${formatMoney(r.amountDue, lang())}</dd>
          ${r.depositDue && html`<dt>${t('res.deposit')}</dt><dd>${formatMoney(r.depositDue, lang())}</dd>`}
          <dt>${t('res.paid')}</dt><dd data-testid="amount-paid">${formatMoney(r.amountPaid, lang())}</dd>
          <dt>${t('res.refunded')}</dt><dd data-testid="amount-refunded">${formatMoney(r.amountRefunded, lang())}</dd>
          <dt>${t('res.balance')}</dt><dd>${formatMoney(r.balanceDue, lang())}</dd>
          ${r.overpaidAmount && html`<dt>${t('res.overpaid')}</dt><dd>${formatMoney(r.overpaidAmount, lang())}</dd>`}
        </dl>
      </section>
    </div>

    <section aria-labelledby="res-payments"><h2 id="res-payments">${t('res.payments')}</h2>
      ${r.payments.length === 0 ? html`<p class="muted">${t('res.noPayments')}</p>` : html`<ul class="payments">
        ${r.payments.map((p) => html`<li class="payment" data-payment=${p.id}>
          <div class="row">
            <strong>${formatMoney(p.amount, lang())}</strong>
            <span>${t('channel.' + p.channel)}</span>
            <span class="badge">${t('pstate.' + p.status)}</span>
            <span class="muted">${formatDateTime(p.paidAt || p.createdAt, tz, lang())}</span>
            ${admin && p.status === 'PAID' && p.amount.amount > p.refundedAmount.amount && html`
              <button type="button" onClick=${() => setDialog({ kind: 'refund', payment: p })}>${t('refund.open')}</button>`}
          </div>
          ${p.failureMessage && html`<p class="muted">${p.failureMessage}</p>`}
          ${p.refunds.length > 0 && html`<ul class="refunds" aria-label=${t('refund.list')}>
            ${p.refunds.map((f) => html`<li class="refund" data-refund=${f.id}>
              ${t('refund.item')} ${formatMoney(f.amount, lang())} · <span class="badge">${t('rstate.' + f.status)}</span>
              ${f.reason && html` · ${f.reason}`}${f.automatic && html` · ${t('refund.automatic')}`}
              ${f.failureMessage && html` · ${f.failureMessage}`}
              <span class="muted"> · ${formatDateTime(f.createdAt, tz, lang())}</span>
            </li>`)}
          </ul>`}
        </li>`)}
      </ul>`}
    </section>

    <section aria-labelledby="res-history"><h2 id="res-history">${t('res.history')}</h2>
      <ol class="history">
        ${r.history.map((h) => html`<li>
          <span class="muted">${formatDateTime(h.at, tz, lang())}</span>
          ${' '}${h.fromStatus ? html`${t('status.' + h.fromStatus)} → ` : ''}${t('status.' + h.toStatus)}
          ${h.fromPaymentStatus !== h.toPaymentStatus && html` · ${t('pay.' + h.toPaymentStatus)}`}
          ${h.toStartsAt && html` · ${t('res.moved', { from: formatDateTime(h.fromStartsAt, tz, lang()), to: formatDateTime(h.toStartsAt, tz, lang()) })}`}
          ${' · '}${actorName(h.actor)}${h.reason && html` · ${h.reason}`}
        </li>`)}
      </ol>
    </section>

    ${dialog?.kind === 'refund' && html`<${RefundDialog} payment=${dialog.payment} onClose=${() => setDialog(null)} onDone=${done} />`}
    ${dialog?.kind === 'cancel' && html`<${CancelDialog} r=${r} onClose=${() => setDialog(null)} onDone=${done} />`}
    ${dialog?.kind === 'decline' && html`<${DeclineDialog} r=${r} onClose=${() => setDialog(null)} onDone=${done} />`}
    ${dialog?.kind === 'markPaid' && html`<${MarkPaidDialog} r=${r} methods=${onSite} onClose=${() => setDialog(null)} onDone=${done} />`}
  </article>`;
}

function answerText(a) {
  if (a.type === 'CHECKBOX') return a.value === 'true' ? t('common.yes') : t('common.no');
  return a.valueLabels.length ? a.valueLabels.join(', ') : a.value;
}

function actorName(actor) {
  if (actor === 'customer') return t('actor.customer');
  if (actor === 'system') return t('actor.system');
  return actor === getSession().user.id ? t('actor.you') : t('actor.staff');
}

function alertError(err) {
  const box = document.getElementById('res-error');
  if (!box) return;
  box.textContent = err.message;
  box.hidden = false;
}

/** Refund part (or all) of one paid payment: the amount is checked here, then by the server. */
export function RefundDialog({ payment, onClose, onDone }) {
  const cur = payment.amount.currency;
  const left = payment.amount.amount - payment.refundedAmount.amount;
  const [amount, setAmount] = useState(amountText(left, cur));
  const [reason, setReason] = useState('');
  const [errors, setErrors] = useState({});
  const [error, setError] = useState(null);
  const [busy, setBusy] = useState(false);
  const ids = useRef({ amount: newId('refund'), reason: newId('refund') }).current;
  const submit = async (e) => {
    e.preventDefault();
    const minor = parseAmount(amount, cur);
    if (minor === null || minor < 1) return setErrors({ amount: [t('refund.badAmount')] });
    if (minor > left) return setErrors({ amount: [t('refund.tooMuch', { max: formatMoney({ amount: left, currency: cur }, lang()) })] });
    setErrors({});
    setBusy(true);
    try {
      const input = { paymentId: payment.id, amount: minor };
      if (reason.trim()) input.reason = reason.trim();
      await gql(`mutation PanelRefund($input: RefundPaymentInput!) { refundPayment(input: $input) { id status } }`, { input });
      announce(t('refund.done', { amount: formatMoney({ amount: minor, currency: cur }, lang()) }));
      onDone();
    } catch (err) {
      setBusy(false);
      if (err instanceof GraphQLError) setErrors(fieldsOf(err));
      setError(err);
    }
  };
  return html`<${Dialog} title=${t('refund.title')} onClose=${onClose}>
    <form onSubmit=${submit} novalidate>
      <p>${t('refund.lead', { paid: formatMoney(payment.amount, lang()), left: formatMoney({ amount: left, currency: cur }, lang()) })}</p>
      <${FormErrors} error=${error} byField=${errors} />
      <${Field} id=${ids.amount} label=${t('refund.amount', { currency: cur })} hint=${t('refund.amountHint')} errors=${errors.amount}>
        ${(a) => html`<input ...${a} inputmode="decimal" required value=${amount} onInput=${(e) => setAmount(e.target.value)} />`}
      <//>
      <${Field} id=${ids.reason} label=${t('refund.reason')} errors=${errors.reason}>
        ${(a) => html`<input ...${a} maxlength="500" value=${reason} onInput=${(e) => setReason(e.target.value)} />`}
      <//>
      <div class="actions">
        <button type="submit" class="primary" disabled=${busy}>${t('refund.submit')}</button>
        <button type="button" onClick=${onClose}>${t('common.cancel')}</button>
      </div>
    </form>
  <//>`;
}

function CancelDialog({ r, onClose, onDone }) {
  const paidOnline = r.amountPaid.amount - r.amountRefunded.amount;
  const [mode, setMode] = useState('FULL');
  const [amount, setAmount] = useState(amountText(Math.max(paidOnline, 0), r.amountDue.currency));
  const [reason, setReason] = useState('');
  const [errors, setErrors] = useState({});
  const [error, setError] = useState(null);
  const ids = useRef({ amount: newId('c'), reason: newId('c') }).current;
  const submit = async (e) => {
    e.preventDefault();
    const vars = { id: r.id, reason: reason.trim() || null };
    if (mode === 'AMOUNT') {
      const minor = parseAmount(amount, r.amountDue.currency);
      if (minor === null) return setErrors({ refundAmount: [t('refund.badAmount')] });
      vars.refundAmount = minor;
    } else vars.refund = mode;
    try {
      await gql(`mutation PanelCancel($id: UUID!, $reason: String, $refund: CancellationRefund, $refundAmount: Int) {
        cancelReservation(id: $id, reason: $reason, refund: $refund, refundAmount: $refundAmount) { id } }`, vars);
      announce(t('res.cancelled'));
      onDone();
    } catch (err) {
      if (err instanceof GraphQLError) setErrors(fieldsOf(err, ''));
      setError(err);
    }
  };
  return html`<${Dialog} title=${t('res.cancelTitle')} onClose=${onClose}>
    <form onSubmit=${submit} novalidate>
      <${FormErrors} error=${error} byField=${errors} />
      ${paidOnline > 0 && html`<fieldset><legend>${t('res.cancelRefund', { paid: formatMoney({ amount: paidOnline, currency: r.amountDue.currency }, lang()) })}</legend>
        ${['FULL', 'POLICY', 'NONE', 'AMOUNT'].map((m) => html`<label class="check"><input type="radio" name="refund" value=${m} checked=${mode === m} onChange=${() => setMode(m)} /> ${t('cancel.' + m)}</label>`)}
        ${mode === 'AMOUNT' && html`<${Field} id=${ids.amount} label=${t('refund.amount', { currency: r.amountDue.currency })} errors=${errors.refundAmount}>
          ${(a) => html`<input ...${a} inputmode="decimal" value=${amount} onInput=${(e) => setAmount(e.target.value)} />`}<//>`}
      </fieldset>`}
      <${Field} id=${ids.reason} label=${t('res.cancelReason')} errors=${errors.reason}>
        ${(a) => html`<input ...${a} maxlength="500" value=${reason} onInput=${(e) => setReason(e.target.value)} />`}
      <//>
      <div class="actions">
        <button type="submit" class="danger">${t('res.cancelSubmit')}</button>
        <button type="button" onClick=${onClose}>${t('common.back')}</button>
      </div>
    </form>
  <//>`;
}

export function DeclineDialog({ r, onClose, onDone }) {
  const [reason, setReason] = useState('');
  const [error, setError] = useState(null);
  const id = useRef(newId('d')).current;
  const submit = async (e) => {
    e.preventDefault();
    try {
      await gql(`mutation PanelDecline($id: UUID!, $reason: String) { declineReservation(id: $id, reason: $reason) { id } }`, { id: r.id, reason: reason.trim() || null });
      announce(t('req.declined'));
      onDone();
    } catch (err) {
      setError(err);
    }
  };
  return html`<${Dialog} title=${t('req.declineTitle', { customer: r.customer.name })} onClose=${onClose}>
    <form onSubmit=${submit}>
      <${FormErrors} error=${error} />
      <p>${t('req.declineLead')}</p>
      <${Field} id=${id} label=${t('req.declineReason')} hint=${t('req.declineHint')}>
        ${(a) => html`<input ...${a} maxlength="500" value=${reason} onInput=${(e) => setReason(e.target.value)} />`}
      <//>
      <div class="actions">
        <button type="submit" class="danger">${t('req.declineSubmit')}</button>
        <button type="button" onClick=${onClose}>${t('common.back')}</button>
      </div>
    </form>
  <//>`;
}

function MarkPaidDialog({ r, methods, onClose, onDone }) {
  const [method, setMethod] = useState(methods[0].id);
  const [note, setNote] = useState('');
  const [error, setError] = useState(null);
  const ids = useRef({ m: newId('mp'), n: newId('mp') }).current;
  const submit = async (e) => {
    e.preventDefault();
    try {
      await gql(`mutation PanelMarkPaid($id: UUID!, $m: UUID!, $note: String) { markReservationPaid(reservationId: $id, paymentMethodId: $m, note: $note) { id } }`,
        { id: r.id, m: method, note: note.trim() || null });
      announce(t('res.markedPaid'));
      onDone();
    } catch (err) {
      setError(err);
    }
  };
  return html`<${Dialog} title=${t('res.markPaidTitle', { amount: formatMoney(r.balanceDue, lang()) })} onClose=${onClose}>
    <form onSubmit=${submit}>
      <${FormErrors} error=${error} />
      <${Field} id=${ids.m} label=${t('res.method')}>
        ${(a) => html`<select ...${a} value=${method} onChange=${(e) => setMethod(e.target.value)}>${methods.map((m) => html`<option value=${m.id}>${m.displayName}</option>`)}</select>`}
      <//>
      <${Field} id=${ids.n} label=${t('res.note')}>
        ${(a) => html`<input ...${a} maxlength="500" value=${note} onInput=${(e) => setNote(e.target.value)} />`}
      <//>
      <div class="actions"><button type="submit" class="primary">${t('res.markPaid')}</button>
        <button type="button" onClick=${onClose}>${t('common.cancel')}</button></div>
    </form>
  <//>`;
}
