// Staff see a booking appear live in the agenda, open it, see the customer's BLIK payment arrive,
// refund part of it through imoje (the simulator) and see the refund settle — all in the panel,
// which talks only to the public API over HTTP and WebSocket.
import { journey, env, assert, ownerToken } from './lib.mjs';
import { desktop, logIn, liveOn, freeSlot, book, payBlik, demoIds } from './panel-lib.mjs';

await journey('panel-agenda', async ({ context, shot, a11y }) => {
  const owner = await ownerToken();
  const { service, staff } = await demoIds(owner);
  const manicure = service('Manicure hybrydowy');
  const marek = staff('Marek Nowak').id;
  const slot = await freeSlot(env.slug, manicure, marek, 3);

  const page = await context.newPage();
  await logIn(page, env.ownerEmail, env.ownerPassword);
  await page.goto(`${env.url}/panel/#/agenda?view=day&date=${slot.date}&staff=${marek}`);
  await page.getByRole('heading', { level: 1, name: /Terminarz/ }).waitFor();
  await liveOn(page);
  await shot(page, 'agenda-before');
  await a11y(page, 'agenda');

  // A customer books through the API (as the widget does) while the agenda is open.
  const r = await book(env.slug, { serviceId: manicure, staffMemberId: marek, startsAt: slot.startsAt,
    name: 'Zofia Live', email: 'zofia.live@example.com', answers: [{ key: 'terms', value: 'true' }] });
  const visit = page.locator(`li.visit[data-reservation="${r.reservation.id}"]`);
  await visit.waitFor({ timeout: 15_000 });
  assert((await visit.textContent()).includes('Zofia Live'), 'the new visit names its customer');
  await page.getByText('Nowa rezerwacja').first().waitFor(); // announced to screen readers too
  await shot(page, 'agenda-booking-appeared-live');

  // The week view shows it too.
  await page.getByRole('button', { name: 'Tydzień', exact: true }).click();
  await visit.waitFor();
  await shot(page, 'agenda-week');
  await a11y(page, 'agenda-week');

  // The day of everyone: a column per staff member, the visit in Marek's.
  await page.getByLabel('Pracownik').selectOption({ label: 'Wszyscy' });
  await page.getByRole('button', { name: 'Dzień', exact: true }).click();
  await page.getByRole('region', { name: 'Anna Kowalska' }).waitFor();
  await page.getByRole('region', { name: 'Marek Nowak' }).locator(`li.visit[data-reservation="${r.reservation.id}"]`).waitFor();
  await shot(page, 'agenda-day-per-staff');
  await a11y(page, 'agenda-per-staff');

  await visit.getByRole('link').click();
  await page.getByRole('heading', { level: 1, name: /Zofia Live/ }).waitFor();
  await liveOn(page);
  await shot(page, 'reservation-unpaid');

  // The customer pays online with BLIK; the payment arrives live.
  await payBlik(r.reservation.id, r.customerAccessToken);
  await page.locator('.payment', { hasText: 'opłacona' }).waitFor({ timeout: 20_000 });
  await page.getByText('Opłacona', { exact: true }).first().waitFor();
  await shot(page, 'reservation-paid');
  await a11y(page, 'reservation');

  // Refund part of it: first too much (refused beside the field), then 20 zł.
  await page.getByRole('button', { name: 'Zwrot…' }).click();
  const dialog = page.getByRole('dialog', { name: 'Zwrot płatności' });
  await dialog.waitFor();
  const amount = dialog.getByLabel(/Kwota zwrotu/);
  assert((await amount.inputValue()) === '90.00', 'the refundable amount is offered');
  await amount.fill('500');
  await dialog.getByRole('button', { name: 'Zwróć' }).click();
  await dialog.getByText('Można zwrócić najwyżej').waitFor();
  assert((await amount.getAttribute('aria-invalid')) === 'true', 'the amount is marked invalid');
  await shot(page, 'refund-too-much');
  await a11y(page, 'refund-dialog');
  await amount.fill('20,00');
  await dialog.getByLabel('Powód (opcjonalnie)').fill('rabat za spóźnienie');
  await shot(page, 'refund-dialog');
  await dialog.getByRole('button', { name: 'Zwróć' }).click();
  await dialog.waitFor({ state: 'detached' });
  const refund = page.locator('li.refund', { hasText: 'rabat za spóźnienie' });
  await refund.waitFor();
  await shot(page, 'refund-requested');
  // imoje settles the refund and notifies slotpay; the page follows paymentUpdated.
  await page.locator('li.refund', { hasText: 'zwrócony' }).waitFor({ timeout: 30_000 });
  await page.getByText('Częściowo zwrócona', { exact: true }).first().waitFor({ timeout: 15_000 });
  assert((await page.getByTestId('amount-refunded').textContent()).includes('20,00'), 'the refunded amount is shown');
  await shot(page, 'refund-settled');
  return { reservationId: r.reservation.id };
}, desktop);
