// A week of bookable times that stays current: the week is read with availability and read again
// whenever availabilityChanged says slots of the service in that week may have changed (another
// customer booked, staff moved a visit), or after the live connection was re-established.
import { html, useEffect, useRef, useState } from '../shared/ui.js';
import { AVAILABILITY, AVAILABILITY_CHANGED } from './api.js';
import { addDays, today } from './util.js';

export function Week({ client, slug, serviceId, staffId, timeZone, t, f, onPick, selected, headingLevel = 2 }) {
  const first = today(timeZone);
  const [from, setFrom] = useState(first);
  const [week, setWeek] = useState(null);
  const [error, setError] = useState(null);
  const [day, setDay] = useState(null);
  const [notice, setNotice] = useState('');
  const seq = useRef(0);
  const to = addDays(from, 6);

  const load = async (announce) => {
    const mine = ++seq.current;
    try {
      const d = await client.request(AVAILABILITY, { slug, service: serviceId, from, to, staff: staffId || null });
      if (mine !== seq.current) return;
      setWeek(d.availability.days);
      setError(null);
      if (announce) setNotice(t.slotsUpdated + ' ' + new Date().toLocaleTimeString());
    } catch (e) {
      if (mine === seq.current) setError(e);
    }
  };

  useEffect(() => {
    setWeek(null);
    setDay(null);
    load(false);
    let timer = null;
    const refetch = () => { clearTimeout(timer); timer = setTimeout(() => load(true), 250); };
    const stop = client.subscribe(AVAILABILITY_CHANGED, { slug, service: serviceId, from, to }, {
      onNext: refetch, onResync: refetch, onError: () => {},
    });
    return () => { clearTimeout(timer); stop(); };
  }, [slug, serviceId, staffId, from]);

  // The chosen day stays chosen across live updates; it falls to the first day with times.
  const days = week || [];
  const current = days.find((d) => d.date === day) || days.find((d) => d.slots.length) || days[0];
  const selectedGone = selected && week && !days.some((d) => d.slots.some((s) => s.startsAt === selected));
  useEffect(() => { if (selectedGone) onPick(null, true); }, [selectedGone]);

  const H = 'h' + headingLevel;
  return html`
    <section class="week" aria-labelledby="week-heading">
      <div class="week-nav">
        <button type="button" class="secondary icon" onClick=${() => setFrom(addDays(from, -7) < first ? first : addDays(from, -7))}
          disabled=${from <= first} aria-label=${t.prevWeek}>‹</button>
        <${H} id="week-heading" class="week-title">${t.weekOf(f.day(from), f.day(to))}<//>
        <button type="button" class="secondary icon" onClick=${() => setFrom(addDays(from, 7))} aria-label=${t.nextWeek} data-next-week>›</button>
      </div>
      <p class="muted live-note"><span class="dot" aria-hidden="true"></span> ${t.live}</p>
      <div class="visually-hidden" role="status" aria-live="polite">${notice}</div>
      ${error && html`<div class="notice bad" role="alert">${t.networkError} <button type="button" class="link" onClick=${() => load(false)}>${t.retry}</button></div>`}
      ${!week && !error && html`<p aria-busy="true">${t.loading}</p>`}
      ${week && html`
        <div class="days" role="group" aria-label=${t.stepSlot}>
          ${days.map((d) => html`
            <button type="button" class=${'day' + (d === current ? ' on' : '')} aria-pressed=${d === current}
              onClick=${() => setDay(d.date)} data-day=${d.date}>
              <span class="day-name">${f.day(d.date)}</span>
              <span class="day-count">${d.slots.length ? t.slotsCount(d.slots.length) : '—'}</span>
            </button>`)}
        </div>
        ${days.every((d) => !d.slots.length) && html`<p class="notice info">${t.noSlotsWeek}</p>`}
        ${current && html`
          <h3 class="slots-day">${f.dayLong(current.date)}</h3>
          ${current.slots.length === 0 ? html`<p class="muted">${t.noSlotsDay}</p>` : html`
            <ul class="slots" role="list">
              ${current.slots.map((s) => html`
                <li><button type="button" class=${'slot' + (s.startsAt === selected ? ' on' : '')} aria-pressed=${s.startsAt === selected}
                  aria-label=${f.dayLong(current.date) + ', ' + s.localStart} data-slot=${s.startsAt}
                  onClick=${() => onPick(s)}>${s.localStart}</button></li>`)}
            </ul>`}`}`}
    </section>`;
}
