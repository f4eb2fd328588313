// Setting up imoje from scratch on a new business: sign up (API), open "Konfiguracja płatności",
// connect imoje, paste the four values of a new shop in the imoje simulator (the stand-in for
// imoje's panel) — first wrongly, seeing each error beside its field — then rightly; copy the
// notification URL with the copy button and paste it into the simulator's shop; after the first
// payment the integration's health says it works.
import { journey, env, assert, gql } from './lib.mjs';
import { desktop, logIn, freeSlot, book, payBlik, sim } from './panel-lib.mjs';

await journey('panel-imoje', async ({ context, shot, a11y }) => {
  const slug = 'gabinet-' + Date.now().toString(36);
  const email = `owner@${slug}.test`;
  const password = 'nowy-gabinet-haslo-2026';
  const owner = (await gql(`mutation($in: SignUpInput!) { signUp(input: $in) { accessToken } }`, { in: {
    tenantName: 'Gabinet Nowy', slug, timeZone: 'Europe/Warsaw', ownerName: 'Nina Nowa', email, password } })).signUp.accessToken;
  await gql(`mutation { updateBookingSettings(input: {minNoticeMinutes: 0, slotStepMinutes: 30}) { slotStepMinutes } }`, {}, owner);
  const service = (await gql(`mutation { createService(input: {name: "Masaż", durationMinutes: 60, priceAmount: 15000,
    paymentPolicy: REQUIRED, holdMinutes: 30}) { id } }`, {}, owner)).createService.id;
  const staff = (await gql(`mutation($s: [UUID!]) { createStaffMember(input: {name: "Nina", serviceIds: $s}) { id } }`, { s: [service] }, owner)).createStaffMember.id;
  const week = ['MONDAY', 'TUESDAY', 'WEDNESDAY', 'THURSDAY', 'FRIDAY', 'SATURDAY', 'SUNDAY'].map((d) => ({ weekday: d, start: '08:00', end: '20:00' }));
  await gql(`mutation($id: UUID!, $w: [WeeklyIntervalInput!]!) { setWeeklySchedule(staffMemberId: $id, intervals: $w) { weekday } }`, { id: staff, w: week }, owner);

  // The business's own shop at imoje, whose notification URL is not set yet.
  const { merchant } = await sim('POST', '/merchants', { shops: [{}] });
  const shop = merchant.shops[0];

  await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: env.url });
  const page = await context.newPage();
  await logIn(page, email, password);
  await page.getByRole('link', { name: 'Konfiguracja płatności' }).click();
  await page.getByRole('heading', { level: 1, name: 'Konfiguracja płatności' }).waitFor();
  await shot(page, 'not-connected');
  await a11y(page, 'not-connected');

  await page.getByRole('button', { name: 'Połącz imoje' }).click();
  const health = page.locator('[data-health]');
  await health.waitFor();
  assert((await health.getAttribute('data-health')) === 'off', 'not connected yet');
  // Each field says where in imoje's panel its value is.
  for (const where of ['Ustawienia → Klucze API', 'Sklepy → Twój sklep → Szczegóły → zakładka Dane do integracji → Identyfikator klienta',
    'Dane do integracji → Identyfikator sklepu', 'Dane do integracji → Klucz sklepu', 'Dane do integracji → Adres notyfikacji']) {
    await page.getByText(where).first().waitFor();
  }
  await shot(page, 'form');
  await a11y(page, 'form');

  const field = (label) => page.getByLabel(label, { exact: true });
  const save = page.getByRole('button', { name: 'Sprawdź w imoje i zapisz' });
  // Nothing pasted: every field says what is missing, at once.
  await save.click();
  await page.getByText('Wklej token autoryzacyjny').waitFor();
  for (const l of ['Token autoryzacyjny', 'Identyfikator klienta', 'Identyfikator sklepu', 'Klucz sklepu']) {
    assert((await field(l).getAttribute('aria-invalid')) === 'true', l + ' is marked invalid');
  }
  await shot(page, 'errors-empty');
  await a11y(page, 'errors-empty');

  // A shop id cut short, and a token imoje refuses: each error beside its own field.
  await page.getByLabel('Sandbox (płatności testowe)').check();
  await field('Identyfikator klienta').fill(merchant.id);
  await field('Identyfikator sklepu').fill(shop.serviceId.slice(0, 20));
  await field('Klucz sklepu').fill(shop.serviceKey);
  await field('Token autoryzacyjny').fill('wrong-token-0123456789');
  await save.click();
  await page.getByText('skopiuj go w całości').waitFor();
  await shot(page, 'error-shop-id');
  await field('Identyfikator sklepu').fill(shop.serviceId);
  await save.click();
  const tokenError = page.locator('#imoje-authorizationToken-err');
  await tokenError.waitFor({ timeout: 15_000 });
  // imoje's refusal, in the page's language, beside the token.
  assert((await tokenError.textContent()).includes('imoje odrzuciło token autoryzacyjny'), 'token error: ' + (await tokenError.textContent()));
  assert((await field('Identyfikator sklepu').getAttribute('aria-invalid')) !== 'true', 'the shop id is fine now');
  await shot(page, 'error-token-refused-by-imoje');

  await field('Token autoryzacyjny').fill(merchant.token);
  await save.click();
  await page.getByText('imoje przyjęło wartości').first().waitFor({ timeout: 15_000 });
  await page.locator('[data-health="waiting"]').waitFor();
  await shot(page, 'connected-no-notification-yet');
  await a11y(page, 'connected');

  // Step 2: copy the notification URL and paste it where imoje's panel takes it.
  await page.getByRole('button', { name: 'Kopiuj' }).click();
  await page.getByRole('button', { name: 'Skopiowano ✓' }).waitFor();
  const copied = await page.evaluate(() => navigator.clipboard.readText());
  assert(copied === env.url + '/payment-imoje', 'copied ' + copied);
  assert(copied === (await page.getByRole('textbox', { name: 'Adres notyfikacji' }).inputValue()), 'the copy is what the page shows');
  await shot(page, 'notification-url-copied');
  await sim('PATCH', `/shops/${shop.serviceId}`, { notificationUrl: copied });

  // The first payment: imoje notifies slotpay, and the health says it works.
  const slot = await freeSlot(slug, service, staff);
  const r = await book(slug, { serviceId: service, staffMemberId: staff, startsAt: slot.startsAt, name: 'Pierwsza Klientka', email: 'pierwsza@example.com' });
  await payBlik(r.reservation.id, r.customerAccessToken);
  const deadline = Date.now() + 30_000;
  while ((await health.getAttribute('data-health')) !== 'ok') {
    assert(Date.now() < deadline, 'the health never turned OK: ' + (await health.textContent()));
    await page.getByRole('button', { name: 'Sprawdź ponownie' }).click();
    await page.waitForTimeout(1000);
  }
  assert(!(await page.getByTestId('last-notification').textContent()).includes('nigdy'), 'the last notification is shown');
  await page.getByText('Ostatnie powiadomienia').or(page.getByText('Ostatnie powiadomienie')).first().waitFor();
  await shot(page, 'health-ok-after-payment');
  await a11y(page, 'health-ok');

  // And in English.
  await page.getByRole('button', { name: 'English' }).click();
  await page.getByRole('heading', { level: 1, name: 'Payment setup' }).waitFor();
  await page.getByText('Working').first().waitFor();
  await shot(page, 'health-ok-english');
  return { slug, email, password, reservationId: r.reservation.id };
}, desktop);
