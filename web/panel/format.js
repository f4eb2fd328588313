// Times and money as the panel shows them: instants are UTC on the wire and shown in the business's
// time zone (not the browser's: staff abroad still see the salon's hours); money is minor units
// of its currency.

const partsFormatters = new Map();
function partsIn(tz) {
  let f = partsFormatters.get(tz);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone: tz, hourCycle: 'h23', year: 'numeric', month: '2-digit', day: '2-digit',
      hour: '2-digit', minute: '2-digit', second: '2-digit',
    });
    partsFormatters.set(tz, f);
  }
  return f;
}

/** The wall-clock fields of instant ms in zone tz. */
export function wallClock(ms, tz) {
  const p = {};
  for (const { type, value } of partsIn(tz).formatToParts(new Date(ms))) p[type] = value;
  return { y: +p.year, m: +p.month, d: +p.day, hh: +p.hour % 24, mm: +p.minute, ss: +p.second };
}

function offsetMs(ms, tz) {
  const w = wallClock(ms, tz);
  return Date.UTC(w.y, w.m - 1, w.d, w.hh, w.mm, w.ss) - Math.floor(ms / 1000) * 1000;
}

/** The UTC instant of a wall-clock time in tz (the earlier one when a DST change repeats it). */
export function zonedToUTC(date, time, tz) {
  const [y, m, d] = date.split('-').map(Number);
  const [hh, mm] = (time || '00:00').split(':').map(Number);
  const guess = Date.UTC(y, m - 1, d, hh, mm);
  const first = guess - offsetMs(guess, tz);
  const second = guess - offsetMs(first, tz);
  return new Date(Math.min(first, second));
}

/** YYYY-MM-DD of instant ms in tz. */
export function dateIn(ms, tz) {
  const w = wallClock(ms, tz);
  return `${w.y}-${String(w.m).padStart(2, '0')}-${String(w.d).padStart(2, '0')}`;
}

/** HH:MM of instant ms in tz. */
export function timeIn(ms, tz) {
  const w = wallClock(ms, tz);
  return `${String(w.hh).padStart(2, '0')}:${String(w.mm).padStart(2, '0')}`;
}

export const todayIn = (tz) => dateIn(Date.now(), tz);

/** date plus n days (calendar arithmetic, no zone involved). */
export function addDays(date, n) {
  const [y, m, d] = date.split('-').map(Number);
  const t = new Date(Date.UTC(y, m - 1, d + n));
  return t.toISOString().slice(0, 10);
}

/** The Monday of date's week. */
export function mondayOf(date) {
  const [y, m, d] = date.split('-').map(Number);
  const wd = (new Date(Date.UTC(y, m - 1, d)).getUTCDay() + 6) % 7;
  return addDays(date, -wd);
}

const locales = { pl: 'pl-PL', en: 'en-GB' };

export function formatDate(date, lang, opts = { weekday: 'long', day: 'numeric', month: 'long' }) {
  const [y, m, d] = date.split('-').map(Number);
  return new Intl.DateTimeFormat(locales[lang], { ...opts, timeZone: 'UTC' }).format(new Date(Date.UTC(y, m - 1, d)));
}

export function formatDateTime(iso, tz, lang) {
  if (!iso) return '';
  return new Intl.DateTimeFormat(locales[lang], { timeZone: tz, dateStyle: 'medium', timeStyle: 'short' }).format(new Date(iso));
}

/** Digits after the point in currency (2 for PLN, 0 for HUF). */
export function minorDigits(currency) {
  return new Intl.NumberFormat('en', { style: 'currency', currency }).resolvedOptions().maximumFractionDigits;
}

export function formatMoney(money, lang) {
  if (!money) return '';
  const digits = minorDigits(money.currency);
  return new Intl.NumberFormat(locales[lang], { style: 'currency', currency: money.currency }).format(money.amount / 10 ** digits);
}

/** Minor units from what a person typed ("12,50" or "12.50"); null when it is not an amount. */
export function parseAmount(text, currency) {
  const s = String(text).trim().replace(/\s/g, '').replace(',', '.');
  const digits = minorDigits(currency);
  const re = digits ? new RegExp(`^\\d+(\\.\\d{1,${digits}})?$`) : /^\d+$/;
  if (!re.test(s)) return null;
  const [whole, frac = ''] = s.split('.');
  return Number(whole) * 10 ** digits + Number(frac.padEnd(digits, '0') || 0);
}

/** Minor units as the amount a person edits ("12.50"). */
export function amountText(amount, currency) {
  const digits = minorDigits(currency);
  if (!digits) return String(amount);
  return (amount / 10 ** digits).toFixed(digits);
}
