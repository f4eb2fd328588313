// Requests on a phone (360 px): a service that takes bookings as requests; two are waiting, a
// third arrives live while staff look; staff approve one and decline another with a reason.
import { journey, env, assert, gql, ownerToken } from './lib.mjs';
import { logIn, liveOn, freeSlot, book, demoIds } from './panel-lib.mjs';

await journey('panel-requests', async ({ context, shot, a11y, fits }) => {
  const owner = await ownerToken();
  const { staff } = await demoIds(owner);
  const marek = staff('Marek Nowak');
  const svc = (await gql(`mutation { createService(input: {name: "Konsultacja na prośbę", durationMinutes: 30, priceAmount: 0,
    paymentPolicy: NONE, requiresConfirmation: true}) { id } }`, {}, owner)).createService.id;
  await gql(`mutation($id: UUID!, $s: [UUID!]) { updateStaffMember(id: $id, input: {serviceIds: $s}) { id } }`,
    { id: marek.id, s: [...marek.services.map((s) => s.id), svc] }, owner);
  const request = async (n, name) => {
    const slot = await freeSlot(env.slug, svc, marek.id, n * 2);
    const r = await book(env.slug, { serviceId: svc, staffMemberId: marek.id, startsAt: slot.startsAt, name,
      email: name.split(' ')[0].toLowerCase() + '@example.com', answers: [{ key: 'terms', value: 'true' }] });
    assert(r.reservation.status === 'REQUESTED', 'a request: ' + r.reservation.status);
    return r.reservation.id;
  };
  const first = await request(0, 'Adam Prośba');
  const second = await request(1, 'Beata Prośba');

  const page = await context.newPage();
  await logIn(page, env.ownerEmail, env.ownerPassword);
  await page.getByRole('link', { name: 'Prośby o rezerwację' }).click();
  await page.getByRole('heading', { level: 1, name: 'Prośby o rezerwację' }).waitFor();
  await page.locator(`li.request[data-reservation="${second}"]`).waitFor();
  await liveOn(page);
  await shot(page, 'requests');
  await a11y(page, 'requests');
  await fits(page, 'requests');

  const third = await request(2, 'Celina Prośba');
  await page.locator(`li.request[data-reservation="${third}"]`).waitFor({ timeout: 15_000 });
  await shot(page, 'request-arrived-live');

  await page.getByRole('button', { name: 'Przyjmij prośbę: Adam Prośba' }).click();
  await page.locator(`li.request[data-reservation="${first}"]`).waitFor({ state: 'detached' });
  await page.getByText('Przyjęto prośbę: Adam Prośba').first().waitFor();
  await shot(page, 'approved');

  await page.getByRole('button', { name: 'Odrzuć prośbę: Beata Prośba' }).click();
  const dialog = page.getByRole('dialog');
  await dialog.getByLabel('Powód').fill('Tego dnia salon jest zamknięty');
  await shot(page, 'decline-dialog');
  await a11y(page, 'decline-dialog');
  await fits(page, 'decline-dialog');
  await dialog.getByRole('button', { name: 'Odrzuć' }).click();
  await page.locator(`li.request[data-reservation="${second}"]`).waitFor({ state: 'detached' });
  await shot(page, 'declined');

  // The approved request is a confirmed visit now.
  await page.goto(`${env.url}/panel/#/reservations/${first}`);
  await page.getByText('Potwierdzona', { exact: true }).first().waitFor();
  await shot(page, 'approved-detail');
  await fits(page, 'reservation');
  await a11y(page, 'reservation-phone');
  return { approved: first, declined: second, waiting: third };
});
