// Paying a reservation: the channels imoje offers for the amount due (paymentOptions: BLIK, the
// banks of a fast transfer, pay-later providers within their limits, card by link), then
// initiatePayment. A BLIK code typed here is confirmed in the bank's app (no redirect); everything
// else goes to imoje's page and back to the reservation's page. Embedded in another site, imoje's
// page opens in a new tab (payment pages refuse to be framed) while this frame waits live.
import { html, useEffect, useState } from '../shared/ui.js';
import { PAY, PAYMENT_OPTIONS } from './api.js';
import { newKey } from './util.js';

const order = ['BLIK', 'PBL', 'PAY_LATER', 'CARD', 'CHOOSE'];

// The last failure is said by the page's status banner (a live region), not again here.
export function PayPanel({ client, r, token, t, f, embedded, onStarted }) {
  const [options, setOptions] = useState(null);
  const [error, setError] = useState(null);
  const [channel, setChannel] = useState(null);
  const [blik, setBlik] = useState('');
  const [bank, setBank] = useState('');
  const [provider, setProvider] = useState('');
  const [fieldErrors, setFieldErrors] = useState({});
  const [formError, setFormError] = useState('');
  const [busy, setBusy] = useState(false);

  useEffect(() => {
    client.request(PAYMENT_OPTIONS, { id: r.id }, { token }).then((d) => {
      setOptions(d.paymentOptions);
      const first = order.find((c) => d.paymentOptions.some((o) => o.channel === c));
      setChannel(first || null);
    }, setError);
  }, [r.id, r.balanceDue.amount]);

  if (error) return html`<p class="notice bad" role="alert">${error.message}</p>`;
  if (!options) return html`<p aria-busy="true">${t.loading}</p>`;
  if (!options.length) return html`<p class="notice warn">${t.noOnline}</p>`;

  const of = (c) => options.filter((o) => o.channel === c);
  const channels = order.filter((c) => of(c).length);
  const banks = of('PBL');
  const providers = of('PAY_LATER');

  const submit = async (e) => {
    e.preventDefault();
    if (busy) return;
    setBusy(true);
    setFieldErrors({});
    setFormError('');
    // A tab opened now, while the click still counts as the person's, is not blocked; it is
    // pointed at imoje's page once initiatePayment answers.
    const needsPage = !(channel === 'BLIK' && blik.trim());
    const tab = embedded && needsPage ? window.open('', '_blank') : null;
    try {
      const d = await client.request(PAY, { in: {
        reservationId: r.id, channel, idempotencyKey: newKey(),
        blikCode: channel === 'BLIK' && blik ? blik.replace(/\s/g, '') : null,
        bankCode: channel === 'PBL' ? bank || banks[0]?.code : null,
        payLaterProvider: channel === 'PAY_LATER' ? provider || providers[0]?.payLaterProvider : null,
        returnUrl: location.origin + '/b/' + r.business.slug + '/r/' + r.id,
      } }, { token });
      const p = d.initiatePayment;
      setBusy(false);
      if (p.redirectUrl) {
        if (embedded) {
          if (tab) { tab.opener = null; tab.location.href = p.redirectUrl; }
          onStarted(p, p.redirectUrl);
          return;
        }
        location.assign(p.redirectUrl);
        return;
      }
      tab?.close();
      onStarted(p, null);
    } catch (err) {
      tab?.close();
      setBusy(false);
      const byField = err.fieldErrors ? err.fieldErrors() : {};
      setFieldErrors(byField);
      const rest = (err.errors || []).filter((x) => !['input.blikCode', 'input.bankCode', 'input.payLaterProvider'].includes(x.extensions?.field));
      setFormError(rest.map((x) => x.message).join(' '));
    }
  };

  const amount = f.money(r.balanceDue);
  const blikErr = fieldErrors['input.blikCode'];
  const bankErr = fieldErrors['input.bankCode'];
  return html`
    <section class="pay" aria-labelledby="pay-heading">
      <h2 id="pay-heading">${t.payTitle}</h2>
      <p class="to-pay">${t.toPay}: <strong data-amount>${amount}</strong></p>
      <form onSubmit=${submit} noValidate>
        <fieldset class="channels">
          <legend>${t.chooseMethod}</legend>
          ${channels.map((c) => html`
            <label class=${'channel' + (channel === c ? ' on' : '')}>
              <input type="radio" name="channel" value=${c} checked=${channel === c} onChange=${() => setChannel(c)} data-channel=${c} />
              <span>${t[c]}</span>
            </label>`)}
        </fieldset>
        ${channel === 'BLIK' && html`
          <div class="field">
            <label for="blik-code">${t.blikCode} <span class="muted">${t.optional}</span></label>
            <input id="blik-code" class="blik" inputmode="numeric" autocomplete="one-time-code" maxLength="7" value=${blik}
              onInput=${(e) => setBlik(e.currentTarget.value)} aria-describedby=${'blik-help' + (blikErr ? ' blik-error' : '')}
              aria-invalid=${blikErr ? 'true' : undefined} />
            <p class="help" id="blik-help">${t.blikHelp}</p>
            ${blikErr && html`<p class="error" id="blik-error">${blikErr.join(' ')}</p>`}
          </div>`}
        ${channel === 'PBL' && html`
          <div class="field">
            <label for="bank">${t.bank}</label>
            <select id="bank" value=${bank || banks[0]?.code} onChange=${(e) => setBank(e.currentTarget.value)}
              aria-invalid=${bankErr ? 'true' : undefined} aria-describedby=${bankErr ? 'bank-error' : undefined}>
              ${banks.map((b) => html`<option value=${b.code}>${b.description}</option>`)}
            </select>
            ${bankErr && html`<p class="error" id="bank-error">${bankErr.join(' ')}</p>`}
          </div>`}
        ${channel === 'PAY_LATER' && html`
          <fieldset class="field">
            <legend>${t.provider}</legend>
            ${providers.map((p, i) => html`
              <label class="check"><input type="radio" name="provider" value=${p.payLaterProvider}
                checked=${(provider || providers[0].payLaterProvider) === p.payLaterProvider} onChange=${() => setProvider(p.payLaterProvider)} />
                <span>${p.description}</span></label>`)}
            <p class="help">${t.payLaterLimits}</p>
          </fieldset>`}
        ${channel === 'CARD' && html`<p class="help">${t.cardHelp}</p>`}
        ${formError && html`<p class="notice bad" role="alert">${formError}</p>`}
        <button type="submit" class="wide" disabled=${busy} data-pay>${busy ? t.paying : t.pay(amount)}</button>
      </form>
    </section>`;
}
