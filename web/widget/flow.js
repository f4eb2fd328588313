// The booking flow: service → staff member or anyone → a time → the form → (payment happens on the
// reservation's own page, reservation.js). Every rule is the server's: the form sends what was typed
// and shows each error the API returns beside its field (extensions.field, extensions.bookingField),
// all at once, changing nothing on the server.
import { html, useEffect, useRef, useState } from '../shared/ui.js';
import { BOOK, STAFF } from './api.js';
import { Week } from './slots.js';
import { focusHeading, newKey, saveToken } from './util.js';

export function Flow({ client, business, services, t, f, navigate, initialService }) {
  const [step, setStep] = useState(services.some((s) => s.id === initialService) ? 'staff' : 'service');
  // The service by id: after a language switch the catalogue is read again in the new language and
  // the flow carries on where it was, with the new labels.
  const [serviceId, setServiceId] = useState(() => services.some((s) => s.id === initialService) ? initialService : null);
  const service = services.find((s) => s.id === serviceId) || null;
  const [staff, setStaff] = useState(null); // null: anyone
  const [slot, setSlot] = useState(null);
  const [message, setMessage] = useState('');
  const heading = useRef(null);
  const mounted = useRef(false);
  // Focus follows the step (not on the page's first load: the person has not moved yet).
  useEffect(() => { if (mounted.current) focusHeading(heading); mounted.current = true; }, [step]);

  const total = 4;
  const index = { service: 1, staff: 2, slot: 3, form: 4 }[step];
  const go = (s) => { setMessage(''); setStep(s); };
  const title = { service: t.stepService, staff: t.stepStaff, slot: t.stepSlot, form: t.stepForm }[step];

  return html`
    <section class="flow" aria-labelledby="step-heading">
      <div class="step-head">
        ${step !== 'service' && html`<button type="button" class="link back" onClick=${() => go({ staff: 'service', slot: 'staff', form: 'slot' }[step])}>← ${t.back}</button>`}
        <p class="muted step-count">${t.steps(index, total)}</p>
      </div>
      <h2 id="step-heading" tabindex="-1" ref=${heading}>${title}</h2>
      ${service && step !== 'service' && html`<${Picked} service=${service} staff=${step === 'slot' || step === 'form' ? staff : undefined} slot=${step === 'form' ? slot : null} t=${t} f=${f} />`}
      ${message && html`<div class="notice warn" role="alert">${message}</div>`}
      ${step === 'service' && html`<${Services} services=${services} t=${t} f=${f} onPick=${(s) => { setServiceId(s.id); setStaff(null); setSlot(null); go('staff'); }} />`}
      ${step === 'service' && html`<p class="my-bookings-link"><a href=${'/b/' + business.slug + '/my-bookings'} data-my-bookings-link
        onClick=${(e) => { e.preventDefault(); navigate('/b/' + business.slug + '/my-bookings'); }}>${t.myBookings}</a></p>`}
      ${step === 'staff' && html`<${StaffPicker} client=${client} slug=${business.slug} service=${service} t=${t}
        onPick=${(m) => { setStaff(m); setSlot(null); go('slot'); }} />`}
      ${step === 'slot' && html`<${Week} client=${client} slug=${business.slug} serviceId=${service.id} staffId=${staff?.id} timeZone=${business.timeZone}
        t=${t} f=${f} selected=${slot?.startsAt} headingLevel=${3}
        onPick=${(s, gone) => { if (gone) { setSlot(null); setMessage(t.slotTaken); return; } setSlot(s); go('form'); }} />`}
      ${step === 'form' && html`<${BookingForm} client=${client} business=${business} service=${service} staff=${staff} slot=${slot} t=${t} f=${f}
        onSlotGone=${() => { setSlot(null); setStep('slot'); setMessage(t.slotTaken); }}
        onBooked=${(id) => navigate('/b/' + business.slug + '/r/' + id, { justBooked: true })} />`}
    </section>`;
}

function Picked({ service, staff, slot, t, f }) {
  return html`
    <div class="picked">
      <strong>${service.name}</strong>
      <span> · ${t.minutes(service.durationMinutes)} · ${service.price.amount ? f.money(service.price) : t.free}</span>
      ${staff !== undefined && html`<span> · ${staff ? staff.name : t.anyone}</span>`}
      ${slot && html`<div>${f.dateTime(slot.startsAt)}</div>`}
    </div>`;
}

function Services({ services, t, f, onPick }) {
  const policy = (s) => {
    if (!s.price.amount || s.paymentPolicy === 'NONE') return t.payOnSite;
    if (s.paymentPolicy === 'OPTIONAL') return t.payOptional;
    return t.payOnline;
  };
  const deposit = (s) => {
    if (s.depositKind === 'FIXED') return t.deposit(f.money({ amount: s.depositValue, currency: s.price.currency }));
    if (s.depositKind === 'PERCENT') return t.deposit(s.depositValue + '%');
    return '';
  };
  return html`
    <ul class="cards" role="list">
      ${services.map((s) => html`
        <li><button type="button" class="card" onClick=${() => onPick(s)} data-service=${s.id}>
          <span class="card-title">${s.name}</span>
          <span class="card-meta">${t.minutes(s.durationMinutes)} · <strong>${s.price.amount ? f.money(s.price) : t.free}</strong></span>
          ${s.description && html`<span class="card-desc">${s.description}</span>`}
          <span class="card-meta">${[policy(s), deposit(s), s.requiresConfirmation ? t.requiresConfirmation : ''].filter(Boolean).join(' · ')}</span>
        </button></li>`)}
    </ul>`;
}

function StaffPicker({ client, slug, service, t, onPick }) {
  const [staff, setStaff] = useState(null);
  const [error, setError] = useState(null);
  const load = () => client.request(STAFF, { slug, service: service.id }).then((d) => { setStaff(d.publicStaff); setError(null); }, setError);
  useEffect(() => { load(); }, [service.id]);
  if (error) return html`<div class="notice bad" role="alert">${t.networkError} <button type="button" class="link" onClick=${load}>${t.retry}</button></div>`;
  if (!staff) return html`<p aria-busy="true">${t.loading}</p>`;
  return html`
    <ul class="cards" role="list">
      <li><button type="button" class="card" onClick=${() => onPick(null)} data-staff="any">
        <span class="card-title">${t.anyone}</span><span class="card-meta">${t.anyoneHint}</span></button></li>
      ${staff.map((m) => html`<li><button type="button" class="card" onClick=${() => onPick(m)} data-staff=${m.id}>
        <span class="card-title">${m.name}</span></button></li>`)}
    </ul>`;
}

// Where each error of createReservation belongs: a field of the form, or the form as a whole.
function errorTarget(e) {
  const key = e.extensions?.bookingField;
  if (key) return 'answer-' + key;
  return {
    'input.customer.name': 'name', 'input.customer.email': 'email', 'input.customer.phone': 'phone', 'input.note': 'note',
  }[e.extensions?.field] || null;
}

function BookingForm({ client, business, service, staff, slot, t, f, onBooked, onSlotGone }) {
  const [values, setValues] = useState({ name: '', email: '', phone: '', note: '' });
  const [answers, setAnswers] = useState({});
  const [errors, setErrors] = useState({}); // target → [messages]
  const [formError, setFormError] = useState('');
  const [busy, setBusy] = useState(false);
  const summary = useRef(null);
  const fields = service.bookingFields || [];
  const set = (k) => (e) => setValues({ ...values, [k]: e.currentTarget.value });
  const setAnswer = (k, v) => setAnswers({ ...answers, [k]: v });

  const answerInputs = () => fields.flatMap((fd) => {
    const v = answers[fd.key];
    if (fd.type === 'MULTI_CHOICE') return v?.length ? [{ key: fd.key, values: v }] : [];
    if (fd.type === 'CHECKBOX') return v ? [{ key: fd.key, value: 'true' }] : [];
    return v !== undefined && String(v).trim() !== '' ? [{ key: fd.key, value: String(v) }] : [];
  });

  const submit = async (e) => {
    e.preventDefault();
    if (busy) return;
    setBusy(true);
    setFormError('');
    try {
      const d = await client.request(BOOK, { in: {
        tenantSlug: business.slug, serviceId: service.id, staffMemberId: staff?.id || null, startsAt: slot.startsAt,
        customer: { name: values.name, email: values.email, phone: values.phone || null },
        note: values.note || null, answers: answerInputs(), idempotencyKey: newKey(),
      } });
      const r = d.createReservation;
      saveToken(r.reservation.id, r.customerAccessToken);
      onBooked(r.reservation.id);
    } catch (err) {
      setBusy(false);
      if (err.code === 'SLOT_UNAVAILABLE' || err.errors?.some((x) => x.extensions?.field === 'input.startsAt')) { onSlotGone(); return; }
      const byField = {};
      const rest = [];
      for (const x of err.errors || []) {
        const target = errorTarget(x);
        if (target) (byField[target] ||= []).push(x.message); else rest.push(x.message);
      }
      setErrors(byField);
      setFormError(rest.join(' ') || (Object.keys(byField).length ? '' : t.networkError));
      requestAnimationFrame(() => summary.current?.focus());
    }
  };

  const count = Object.keys(errors).length;
  const labelOf = (target) => {
    if (target.startsWith('answer-')) return fields.find((x) => 'answer-' + x.key === target)?.label || target;
    return t[target];
  };
  const price = service.price.amount && service.paymentPolicy === 'REQUIRED' ? f.money(service.price) : '';
  return html`
    <form class="booking-form" onSubmit=${submit} noValidate>
      ${(count > 0 || formError) && html`
        <div class="notice bad error-summary" role="alert" tabindex="-1" ref=${summary}>
          ${count > 0 && html`<p><strong>${t.fixErrors(count)}</strong></p>
          <ul>${Object.entries(errors).map(([k, msgs]) => html`<li><a href=${'#f-' + k} onClick=${(ev) => { ev.preventDefault(); document.getElementById('f-' + k)?.focus(); }}>${labelOf(k)}: ${msgs.join(' ')}</a></li>`)}</ul>`}
          ${formError && html`<p>${formError}</p>`}
        </div>`}
      <${Text} id="name" label=${t.name} value=${values.name} onInput=${set('name')} errors=${errors.name} autocomplete="name" required t=${t} />
      <${Text} id="email" label=${t.email} type="email" value=${values.email} onInput=${set('email')} errors=${errors.email} autocomplete="email" help=${t.emailHelp} required t=${t} />
      <${Text} id="phone" label=${t.phone} type="tel" value=${values.phone} onInput=${set('phone')} errors=${errors.phone} autocomplete="tel" t=${t} />
      ${fields.map((fd) => html`<${Answer} field=${fd} value=${answers[fd.key]} onChange=${(v) => setAnswer(fd.key, v)} errors=${errors['answer-' + fd.key]} t=${t} />`)}
      <${Text} id="note" label=${t.note} multiline value=${values.note} onInput=${set('note')} errors=${errors.note} t=${t} />
      <button type="submit" class="primary wide" disabled=${busy} data-book>${busy ? t.booking : price ? t.bookAndPay(price) : t.book}</button>
    </form>`;
}

function describedBy(id, help, errors) {
  return [help && 'h-' + id, errors?.length && 'e-' + id].filter(Boolean).join(' ') || undefined;
}

function FieldErrors({ id, errors }) {
  return errors?.length ? html`<p class="error" id=${'e-' + id}>${errors.join(' ')}</p>` : null;
}

function Text({ id, label, type = 'text', value, onInput, errors, help, required, multiline, autocomplete, t, inputmode, maxLength }) {
  const props = {
    id: 'f-' + id, value, onInput, 'aria-invalid': errors?.length ? 'true' : undefined,
    'aria-describedby': describedBy(id, help, errors), 'aria-required': required ? 'true' : undefined, autocomplete, inputmode, maxLength,
  };
  return html`
    <div class="field">
      <label for=${'f-' + id}>${label} ${!required && html`<span class="muted">${t.optional}</span>`}</label>
      ${multiline ? html`<textarea ...${props}></textarea>` : html`<input type=${type} ...${props} />`}
      ${help && html`<p class="help" id=${'h-' + id}>${help}</p>`}
      <${FieldErrors} id=${id} errors=${errors} />
    </div>`;
}

// Answer renders one of the business's questions by its type.
function Answer({ field, value, onChange, errors, t }) {
  const id = 'answer-' + field.key;
  const invalid = errors?.length ? 'true' : undefined;
  const described = describedBy(id, field.help, errors);
  const tail = html`${field.help && html`<p class="help" id=${'h-' + id}>${field.help}</p>`}<${FieldErrors} id=${id} errors=${errors} />`;
  const mark = field.required ? '' : html` <span class="muted">${t.optional}</span>`;
  switch (field.type) {
    case 'SINGLE_CHOICE':
    case 'MULTI_CHOICE': {
      const multi = field.type === 'MULTI_CHOICE';
      const chosen = multi ? value || [] : value;
      return html`
        <fieldset class="field choice" id=${'f-' + id} tabindex="-1" aria-invalid=${invalid} aria-describedby=${described}>
          <legend>${field.label}${mark}</legend>
          ${field.choices.map((c) => html`
            <label class="check">
              <input type=${multi ? 'checkbox' : 'radio'} name=${id} value=${c.key}
                checked=${multi ? chosen.includes(c.key) : chosen === c.key}
                onChange=${(e) => onChange(multi ? (e.currentTarget.checked ? [...chosen, c.key] : chosen.filter((k) => k !== c.key)) : c.key)} />
              <span>${c.label}</span>
            </label>`)}
          ${tail}
        </fieldset>`;
    }
    case 'CHECKBOX':
      return html`
        <div class="field">
          <label class="check">
            <input type="checkbox" id=${'f-' + id} checked=${!!value} onChange=${(e) => onChange(e.currentTarget.checked)}
              aria-invalid=${invalid} aria-describedby=${described} aria-required=${field.required ? 'true' : undefined} />
            <span>${field.label}${mark}</span>
          </label>
          ${tail}
        </div>`;
    default: {
      const type = field.type === 'DATE' ? 'date' : 'text';
      const multiline = field.type === 'TEXT' && (field.maxLength == null || field.maxLength > 120);
      const props = {
        id: 'f-' + id, value: value ?? '', onInput: (e) => onChange(e.currentTarget.value), 'aria-invalid': invalid,
        'aria-describedby': described, 'aria-required': field.required ? 'true' : undefined,
        inputmode: field.type === 'NUMBER' ? 'decimal' : undefined, maxLength: field.maxLength ?? undefined,
      };
      return html`
        <div class="field">
          <label for=${'f-' + id}>${field.label}${mark}</label>
          ${multiline ? html`<textarea ...${props}></textarea>` : html`<input type=${type} ...${props} />`}
          ${tail}
        </div>`;
    }
  }
}
