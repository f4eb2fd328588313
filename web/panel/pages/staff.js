// Staff: the team, and one staff member's page: name, services and whether they take bookings;
// weekly working hours (any number of intervals per weekday, in the business's zone); time off.
import { html, useState, useEffect } from '../lib.js';
import { getSession, gql, GraphQLError, fieldsOf } from '../api.js';
import { t, lang } from '../i18n.js';
import { useQuery } from '../data.js';
import { formatDateTime, zonedToUTC } from '../format.js';
import { Field, FormErrors, Loading, LoadError, announce } from '../ui.js';
import { navigate } from '../router.js';

const WEEKDAYS = ['MONDAY', 'TUESDAY', 'WEDNESDAY', 'THURSDAY', 'FRIDAY', 'SATURDAY', 'SUNDAY'];
const isAdmin = () => ['OWNER', 'ADMIN'].includes(getSession().role);

export function Staff() {
  const q = useQuery(`query PanelStaff { staffMembers(includeArchived: true) { id name active archivedAt services { id name } } }`);
  const [name, setName] = useState('');
  const [errors, setErrors] = useState(null);
  const add = async (e) => {
    e.preventDefault();
    try {
      const d = await gql(`mutation PanelAddStaff($input: StaffMemberInput!) { createStaffMember(input: $input) { id } }`, { input: { name: name.trim() } });
      announce(t('common.saved'));
      navigate('staff', d.createStaffMember.id);
    } catch (err) {
      setErrors(err);
    }
  };
  return html`<section>
    <h1>${t('staff.title')}</h1>
    ${isAdmin() && html`<form class="toolbar" onSubmit=${add} novalidate>
      <${Field} id="staff-new" label=${t('staff.newName')} errors=${fieldsOf(errors).name}>
        ${(a) => html`<input ...${a} required value=${name} onInput=${(e) => setName(e.target.value)} />`}<//>
      <button type="submit" class="primary">${t('staff.add')}</button>
    </form>`}
    ${q.error && html`<${LoadError} error=${q.error} retry=${q.reload} />`}
    ${!q.data && !q.error && html`<${Loading} />`}
    ${q.data && html`<ul class="cards">${q.data.staffMembers.map((m) => html`<li class=${'card' + (m.archivedAt ? ' gone' : '')}>
      <h2><a href=${'#/staff/' + m.id}>${m.name}</a>${m.archivedAt ? html` <span class="badge muted">${t('svc.archived')}</span>` : !m.active && html` <span class="badge warn">${t('svc.inactive')}</span>`}</h2>
      <p class="muted">${m.services.map((s) => s.name).join(', ') || t('staff.noServices')}</p>
    </li>`)}</ul>`}
  </section>`;
}

const ONE = `query PanelStaffMember($id: UUID!) {
  staffMember(id: $id) { id name active archivedAt userId services { id }
    weeklySchedule { weekday start end } timeOff { id startsAt endsAt reason } }
  services { id name } }`;

export function StaffPage({ id }) {
  const q = useQuery(ONE, { id });
  if (q.error && !q.data) return html`<h1>${t('staff.title')}</h1><${LoadError} error=${q.error} retry=${q.reload} />`;
  if (!q.data) return html`<h1>${t('staff.title')}</h1><${Loading} />`;
  const m = q.data.staffMember;
  return html`<article>
    <p><a href="#/staff">← ${t('staff.title')}</a></p>
    <h1>${m.name}</h1>
    ${isAdmin() && html`<${Profile} m=${m} services=${q.data.services} onDone=${q.reload} />`}
    <${WeeklyHours} m=${m} onDone=${q.reload} />
    <${TimeOff} m=${m} onDone=${q.reload} />
  </article>`;
}

function Profile({ m, services, onDone }) {
  const [name, setName] = useState(m.name);
  const [chosen, setChosen] = useState(new Set(m.services.map((s) => s.id)));
  const [active, setActive] = useState(m.active);
  const [error, setError] = useState(null);
  const submit = async (e) => {
    e.preventDefault();
    try {
      await gql(`mutation PanelUpdateStaff($id: UUID!, $input: StaffMemberInput!) { updateStaffMember(id: $id, input: $input) { id } }`,
        { id: m.id, input: { name: name.trim(), serviceIds: [...chosen], active } });
      announce(t('common.saved'));
      setError(null);
      onDone();
    } catch (err) {
      setError(err);
    }
  };
  const fields = error instanceof GraphQLError ? fieldsOf(error) : {};
  return html`<section aria-labelledby="st-profile"><h2 id="st-profile">${t('staff.profile')}</h2>
    <form class="form" onSubmit=${submit} novalidate>
      <${FormErrors} error=${error} byField=${fields} />
      <${Field} id="st-name" label=${t('staff.name')} errors=${fields.name}>${(a) => html`<input ...${a} required value=${name} onInput=${(e) => setName(e.target.value)} />`}<//>
      <fieldset class="wide"><legend>${t('staff.services')}</legend>
        ${services.map((s) => html`<label class="check"><input type="checkbox" checked=${chosen.has(s.id)} onChange=${(e) => {
          const next = new Set(chosen);
          e.target.checked ? next.add(s.id) : next.delete(s.id);
          setChosen(next);
        }} /> ${s.name}</label>`)}
      </fieldset>
      <label class="check"><input type="checkbox" checked=${active} onChange=${(e) => setActive(e.target.checked)} /> ${t('staff.active')}</label>
      <div class="actions"><button type="submit" class="primary">${t('common.save')}</button></div>
    </form>
  </section>`;
}

function WeeklyHours({ m, onDone }) {
  const initial = () => Object.fromEntries(WEEKDAYS.map((d) => [d, m.weeklySchedule.filter((i) => i.weekday === d).map((i) => ({ start: i.start, end: i.end }))]));
  const [days, setDays] = useState(initial);
  const [errors, setErrors] = useState({});
  const [error, setError] = useState(null);
  useEffect(() => setDays(initial()), [m]);
  const flat = () => WEEKDAYS.flatMap((d) => days[d].map((i) => ({ weekday: d, start: i.start, end: i.end })));
  const change = (d, i, k, val) => setDays({ ...days, [d]: days[d].map((x, j) => (j === i ? { ...x, [k]: val } : x)) });
  const submit = async (e) => {
    e.preventDefault();
    try {
      await gql(`mutation PanelHours($id: UUID!, $intervals: [WeeklyIntervalInput!]!) { setWeeklySchedule(staffMemberId: $id, intervals: $intervals) { weekday } }`,
        { id: m.id, intervals: flat() });
      setErrors({});
      setError(null);
      announce(t('staff.hoursSaved'));
      onDone();
    } catch (err) {
      // Errors name intervals.<n>.start|end (or intervals.<n>): map n back to its weekday row.
      const byIndex = {};
      if (err instanceof GraphQLError) {
        for (const ge of err.errors) {
          const f = ge.extensions?.field || '';
          const mm = /^intervals\.(\d+)(?:\.(\w+))?$/.exec(f);
          if (mm) (byIndex[mm[1]] ||= []).push(ge.message);
        }
      }
      setErrors(byIndex);
      setError(err);
    }
  };
  let n = -1;
  return html`<section aria-labelledby="st-hours"><h2 id="st-hours">${t('staff.hours')}</h2>
    <p class="muted">${t('staff.hoursLead', { zone: getSession().tenant.timeZone })}</p>
    <form onSubmit=${submit} novalidate>
      <${FormErrors} error=${error} byField=${errors} />
      <div class="week">${WEEKDAYS.map((d) => html`<fieldset class="weekday"><legend>${t('wd.' + d)}</legend>
        ${days[d].length === 0 && html`<p class="muted">${t('staff.dayOff')}</p>`}
        ${days[d].map((iv, i) => {
          n++;
          const idx = n;
          const err = errors[idx];
          const base = `h-${d}-${i}`;
          return html`<div class=${'interval' + (err ? ' invalid' : '')}>
            <label for=${base + '-s'}>${t('staff.from')}</label>
            <input id=${base + '-s'} type="text" inputmode="numeric" placeholder="HH:MM" size="5" value=${iv.start} onInput=${(e) => change(d, i, 'start', e.target.value)} aria-invalid=${err ? 'true' : undefined} aria-describedby=${err ? base + '-e' : undefined} />
            <label for=${base + '-e2'}>${t('staff.to')}</label>
            <input id=${base + '-e2'} type="text" inputmode="numeric" placeholder="HH:MM" size="5" value=${iv.end} onInput=${(e) => change(d, i, 'end', e.target.value)} aria-invalid=${err ? 'true' : undefined} aria-describedby=${err ? base + '-e' : undefined} />
            <button type="button" onClick=${() => setDays({ ...days, [d]: days[d].filter((_, j) => j !== i) })} aria-label=${t('staff.removeInterval', { day: t('wd.' + d) })}>${t('common.remove')}</button>
            ${err && html`<div class="error" id=${base + '-e'}>${err.join(' ')}</div>`}
          </div>`;
        })}
        <button type="button" class="link" onClick=${() => setDays({ ...days, [d]: [...days[d], { start: '09:00', end: '17:00' }] })} >${t('staff.addInterval')}<span class="sr-only">: ${t('wd.' + d)}</span></button>
      </fieldset>`)}</div>
      <div class="actions"><button type="submit" class="primary">${t('staff.saveHours')}</button></div>
    </form>
  </section>`;
}

function TimeOff({ m, onDone }) {
  const tz = getSession().tenant.timeZone;
  const [v, setV] = useState({ from: '', to: '', reason: '' });
  const [error, setError] = useState(null);
  const fields = error instanceof GraphQLError ? fieldsOf(error) : {};
  const add = async (e) => {
    e.preventDefault();
    if (!v.from || !v.to) return setError(new GraphQLError([{ message: t('form.required'), extensions: { field: 'input.startsAt' } }]));
    const [fd, ft] = v.from.split('T');
    const [td, tt] = v.to.split('T');
    try {
      await gql(`mutation PanelTimeOff($input: TimeOffInput!) { addTimeOff(input: $input) { id } }`, { input: {
        staffMemberId: m.id, startsAt: zonedToUTC(fd, ft, tz).toISOString(), endsAt: zonedToUTC(td, tt, tz).toISOString(), reason: v.reason || null } });
      setV({ from: '', to: '', reason: '' });
      setError(null);
      announce(t('common.saved'));
      onDone();
    } catch (err) {
      setError(err);
    }
  };
  return html`<section aria-labelledby="st-off"><h2 id="st-off">${t('staff.timeOff')}</h2>
    ${m.timeOff.length === 0 ? html`<p class="muted">${t('staff.noTimeOff')}</p>` : html`<ul>${m.timeOff.map((o) => html`<li>
      ${formatDateTime(o.startsAt, tz, lang())} – ${formatDateTime(o.endsAt, tz, lang())}${o.reason ? ' · ' + o.reason : ''}
      <button type="button" onClick=${async () => { await gql(`mutation($id: UUID!) { removeTimeOff(id: $id) }`, { id: o.id }); onDone(); }}>${t('common.remove')}</button></li>`)}</ul>`}
    <form class="form" onSubmit=${add} novalidate>
      <${FormErrors} error=${error} byField=${fields} />
      <${Field} id="to-from" label=${t('staff.offFrom')} errors=${fields.startsAt}>${(a) => html`<input ...${a} type="datetime-local" value=${v.from} onInput=${(e) => setV({ ...v, from: e.target.value })} />`}<//>
      <${Field} id="to-to" label=${t('staff.offTo')} errors=${fields.endsAt}>${(a) => html`<input ...${a} type="datetime-local" value=${v.to} onInput=${(e) => setV({ ...v, to: e.target.value })} />`}<//>
      <${Field} id="to-reason" label=${t('staff.offReason')} errors=${fields.reason}>${(a) => html`<input ...${a} value=${v.reason} onInput=${(e) => setV({ ...v, reason: e.target.value })} />`}<//>
      <div class="actions"><button type="submit">${t('staff.addTimeOff')}</button></div>
    </form>
  </section>`;
}
