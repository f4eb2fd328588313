// icsFile builds the visit's calendar file in the browser (RFC 5545), for "add to calendar".
// AFTER MESSAGES LAND (branch msg-cal, issue 16): the server publishes each reservation's .ics (and
// sends it with the confirmation mail, with a stable UID and SEQUENCE across reschedules); link to
// that endpoint here instead of building the file, so updates replace the same calendar entry.
export function icsFile(r) {
  if (typeof Blob === 'undefined' || !URL.createObjectURL) return null;
  const stamp = (t) => new Date(t).toISOString().replace(/[-:]/g, '').replace(/\.\d{3}/, '');
  const esc = (s) => String(s || '').replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/([,;])/g, '\\$1');
  const where = [r.business.name, r.business.addressLine1, r.business.city].filter(Boolean).join(', ');
  const lines = [
    'BEGIN:VCALENDAR', 'VERSION:2.0', 'PRODID:-//slotpay//widget//EN', 'CALSCALE:GREGORIAN', 'METHOD:PUBLISH',
    'BEGIN:VEVENT',
    `UID:${r.id}@slotpay`,
    `DTSTAMP:${stamp(r.updatedAt)}`,
    `DTSTART:${stamp(r.startsAt)}`,
    `DTEND:${stamp(r.endsAt)}`,
    `SUMMARY:${esc(r.service.name + ' — ' + r.business.name)}`,
    `LOCATION:${esc(where)}`,
    `DESCRIPTION:${esc(r.staffMember.name)}`,
    'END:VEVENT', 'END:VCALENDAR', '',
  ];
  const href = URL.createObjectURL(new Blob([lines.join('\r\n')], { type: 'text/calendar' }));
  return { href, name: 'visit-' + r.id.slice(0, 8) + '.ics' };
}
