// The agenda: a day or a week of reservations per staff member, live. The list is read once for the
// range (every page of reservations(filter: {from, to})) and then kept current by
// reservationsChanged: a made or changed reservation is put in (or taken out of) its place, and a
// RESYNC or a reconnected socket reads the range again.
import { html, useState, useEffect, useMemo } from '../lib.js';
import { getSession, subscribe, gql } from '../api.js';
import { t, lang } from '../i18n.js';
import { allPages } from '../data.js';
import { todayIn, addDays, mondayOf, zonedToUTC, dateIn, timeIn, formatDate } from '../format.js';
import { StatusBadge, PayBadge, Loading, LoadError, announce } from '../ui.js';
import { navigate } from '../router.js';

export const AGENDA_FIELDS = `id startsAt endsAt status paymentStatus
  service { id name } staffMember { id name } customer { name } note decisionDeadline`;

const RESERVATIONS = `query PanelAgenda($filter: ReservationFilter, $first: Int, $after: String) {
  reservations(filter: $filter, first: $first, after: $after) {
    edges { node { ${AGENDA_FIELDS} } } pageInfo { hasNextPage endCursor } } }`;

const CHANGED = `subscription PanelAgendaLive($filter: ReservationsChangedFilter) {
  reservationsChanged(filter: $filter) { kind reservation { ${AGENDA_FIELDS} } } }`;

// Reservations that no longer hold their slot are shown struck through, not hidden: staff see
// that a visit was cancelled.
const GONE = new Set(['CANCELLED', 'EXPIRED', 'DECLINED']);

export function Agenda({ params }) {
  const tz = getSession().tenant.timeZone;
  const view = params.get('view') === 'week' ? 'week' : 'day';
  const date = params.get('date') || todayIn(tz);
  const staffId = params.get('staff') || '';
  const first = view === 'week' ? mondayOf(date) : date;
  const days = view === 'week' ? 7 : 1;
  const from = zonedToUTC(first, '00:00', tz).toISOString();
  const to = zonedToUTC(addDays(first, days), '00:00', tz).toISOString();

  const [staff, setStaff] = useState([]);
  const [items, setItems] = useState(null);
  const [error, setError] = useState(null);
  const [fresh, setFresh] = useState(new Set());
  const [hideGone, setHideGone] = useState(false);

  useEffect(() => {
    gql(`query PanelStaffNames { staffMembers { id name active } }`).then((d) => setStaff(d.staffMembers)).catch(setError);
  }, []);

  const load = async () => {
    try {
      const filter = { from, to };
      if (staffId) filter.staffMemberId = staffId;
      setItems(await allPages(RESERVATIONS, { filter }, (d) => d.reservations));
      setError(null);
    } catch (err) {
      setError(err);
    }
  };

  useEffect(() => {
    setItems(null);
    load();
    const filter = staffId ? { staffMemberId: staffId } : null;
    return subscribe(CHANGED, { filter }, {
      next: ({ data }) => {
        const ev = data?.reservationsChanged;
        if (!ev) return;
        if (ev.kind === 'RESYNC' || !ev.reservation) return load();
        const r = ev.reservation;
        const inRange = r.startsAt >= from && r.startsAt < to;
        setItems((list) => {
          if (!list) return list;
          const rest = list.filter((x) => x.id !== r.id);
          return inRange ? [...rest, r] : rest;
        });
        if (inRange && ev.kind === 'CREATED') {
          setFresh((s) => new Set(s).add(r.id));
          announce(t('agenda.newBooking', { time: timeIn(Date.parse(r.startsAt), tz), customer: r.customer.name, service: r.service.name }));
        }
      },
      resync: load,
    });
  }, [from, to, staffId]);

  const go = (p) => navigate('agenda', null, { view, date, ...(staffId ? { staff: staffId } : {}), ...p });
  const step = view === 'week' ? 7 : 1;

  const byDay = useMemo(() => {
    const out = {};
    for (let i = 0; i < days; i++) out[addDays(first, i)] = [];
    for (const r of items || []) {
      if (hideGone && GONE.has(r.status)) continue;
      (out[dateIn(Date.parse(r.startsAt), tz)] ||= []).push(r);
    }
    for (const k in out) out[k].sort((a, b) => a.startsAt.localeCompare(b.startsAt) || a.staffMember.name.localeCompare(b.staffMember.name));
    return out;
  }, [items, hideGone, first, days]);

  const title = view === 'week'
    ? t('agenda.weekOf', { date: formatDate(first, lang(), { day: 'numeric', month: 'long', year: 'numeric' }) })
    : formatDate(date, lang(), { weekday: 'long', day: 'numeric', month: 'long', year: 'numeric' });

  return html`<section class="agenda">
    <h1>${t('agenda.title')}: ${title}</h1>
    <div class="toolbar" role="group" aria-label=${t('agenda.controls')}>
      <button type="button" onClick=${() => go({ date: addDays(date, -step) })}>${view === 'week' ? t('agenda.prevWeek') : t('agenda.prevDay')}</button>
      <button type="button" onClick=${() => go({ date: todayIn(tz) })}>${t('agenda.today')}</button>
      <button type="button" onClick=${() => go({ date: addDays(date, step) })}>${view === 'week' ? t('agenda.nextWeek') : t('agenda.nextDay')}</button>
      <label class="inline">${t('agenda.date')} <input type="date" value=${date} onChange=${(e) => e.target.value && go({ date: e.target.value })} /></label>
      <div class="seg" role="group" aria-label=${t('agenda.view')}>
        <button type="button" aria-pressed=${view === 'day' ? 'true' : 'false'} onClick=${() => go({ view: 'day' })}>${t('agenda.day')}</button>
        <button type="button" aria-pressed=${view === 'week' ? 'true' : 'false'} onClick=${() => go({ view: 'week' })}>${t('agenda.week')}</button>
      </div>
      <label class="inline">${t('agenda.staff')}
        <select value=${staffId} onChange=${(e) => navigate('agenda', null, { view, date, ...(e.target.value ? { staff: e.target.value } : {}) })}>
          <option value="">${t('agenda.allStaff')}</option>
          ${staff.map((s) => html`<option value=${s.id}>${s.name}</option>`)}
        </select></label>
      <label class="inline check"><input type="checkbox" checked=${hideGone} onChange=${(e) => setHideGone(e.target.checked)} /> ${t('agenda.hideCancelled')}</label>
    </div>
    ${error && html`<${LoadError} error=${error} retry=${load} />`}
    ${!items && !error && html`<${Loading} />`}
    ${items && view === 'day' && !staffId && html`<div class="days day per-staff">
      ${columns(staff, byDay[date] || []).map(({ member, list }) => html`<section class="day" aria-labelledby=${'col-' + member.id}>
        <h2 id=${'col-' + member.id}>${member.name}</h2>
        ${list.length === 0 ? html`<p class="muted">${t('agenda.empty')}</p>` : html`<ul class="visits">
          ${list.map((r) => html`<${Visit} r=${r} tz=${tz} fresh=${fresh.has(r.id)} showStaff=${false} />`)}
        </ul>`}
      </section>`)}
    </div>`}
    ${items && (view === 'week' || staffId) && html`<div class=${'days ' + view}>
      ${Object.entries(byDay).map(([d, list]) => html`<section class="day" aria-labelledby=${'day-' + d}>
        <h2 id=${'day-' + d}>${formatDate(d, lang())}</h2>
        ${list.length === 0 ? html`<p class="muted">${t('agenda.empty')}</p>` : html`<ul class="visits">
          ${list.map((r) => html`<${Visit} r=${r} tz=${tz} fresh=${fresh.has(r.id)} showStaff=${!staffId} />`)}
        </ul>`}
      </section>`)}
    </div>`}
  </section>`;
}

// columns is a day's visits per staff member: every active one (an empty column says they are
// free), and anyone else who has a visit that day (archived since, say).
export function columns(staff, list) {
  const out = staff.filter((m) => m.active).map((member) => ({ member, list: [] }));
  for (const r of list) {
    let col = out.find((c) => c.member.id === r.staffMember.id);
    if (!col) out.push((col = { member: r.staffMember, list: [] }));
    col.list.push(r);
  }
  return out;
}

function Visit({ r, tz, fresh, showStaff }) {
  const start = timeIn(Date.parse(r.startsAt), tz);
  const end = timeIn(Date.parse(r.endsAt), tz);
  return html`<li class=${'visit' + (GONE.has(r.status) ? ' gone' : '') + (fresh ? ' fresh' : '') + (r.status === 'REQUESTED' ? ' request' : '')} data-reservation=${r.id}>
    <a href=${'#/reservations/' + r.id}>
      <span class="time">${start}–${end}</span>
      <span class="who">${r.customer.name}</span>
      <span class="what">${r.service.name}${showStaff ? ' · ' + r.staffMember.name : ''}</span>
      <span class="badges"><${StatusBadge} status=${r.status} /> <${PayBadge} status=${r.paymentStatus} />
        ${fresh && html`<span class="badge new">${t('agenda.new')}</span>`}</span>
    </a>
  </li>`;
}
