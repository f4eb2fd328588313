// The health warns, and the fix works: a business's imoje shop never got the notification URL, and a
// customer's BLIK payment has been pending for 20 minutes (web/panel_e2e_test.go set that up). The
// setup page says payments are not being confirmed and to check the notification URL; the owner
// copies it into the shop; the next payment's notification arrives and the health turns OK (the
// pending one is found by slotpay's reconciliation: imoje sends a transaction's notifications to
// the address it had when the transaction was made).
import { journey, env, assert } from './lib.mjs';
import { desktop, logIn, sim, freeSlot, book, payBlik } from './panel-lib.mjs';

await journey('panel-imoje-warning', async ({ context, shot, a11y }) => {
  const { WARN_EMAIL: email, WARN_PASSWORD: password, WARN_SHOP: shopId, WARN_TRANSACTION: transaction,
    WARN_SLUG: slug, WARN_SERVICE: service, WARN_STAFF: staff } = process.env;
  assert(email && password && shopId && transaction && slug && service && staff, 'web/panel_e2e_test.go sets WARN_*');
  await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: env.url });
  const page = await context.newPage();
  await logIn(page, email, password);
  await page.getByRole('link', { name: 'Konfiguracja płatności' }).click();
  const health = page.locator('[data-health]');
  await health.waitFor();
  assert((await health.getAttribute('data-health')) === 'bad', 'health: ' + (await health.getAttribute('data-health')));
  const warning = page.locator('.problems li').first();
  const text = await warning.textContent();
  assert(text.includes('nie przyszło jeszcze żadne powiadomienie') && text.includes(env.url + '/payment-imoje'), 'warning: ' + text);
  await page.getByText('Wymaga poprawy').waitFor();
  await shot(page, 'warning-no-notification');
  await a11y(page, 'warning');

  await page.getByRole('button', { name: 'Kopiuj' }).click();
  const copied = await page.evaluate(() => navigator.clipboard.readText());
  await sim('PATCH', `/shops/${shopId}`, { notificationUrl: copied });
  // The payer of the pending payment confirms in the bank's app; the next customer pays too, and
  // imoje now notifies the right address.
  await sim('POST', `/transactions/${transaction}/outcome`, { outcome: 'settle' });
  const slot = await freeSlot(slug, service, staff, 4);
  const r = await book(slug, { serviceId: service, staffMemberId: staff, startsAt: slot.startsAt, name: 'Następna Klientka', email: 'nastepna@example.com' });
  await payBlik(r.reservation.id, r.customerAccessToken);
  const deadline = Date.now() + 30_000;
  while ((await health.getAttribute('data-health')) !== 'ok') {
    if (Date.now() > deadline) {
      const log = await sim('GET', `/deliveries?serviceId=${shopId}`);
      assert(false, 'the health never turned OK: ' + (await health.textContent()) + '\nimoje deliveries: ' + JSON.stringify(log).slice(0, 3000));
    }
    await page.getByRole('button', { name: 'Sprawdź ponownie' }).click();
    await page.waitForTimeout(1000);
  }
  assert((await page.locator('.problems li').count()) === 0, 'no warning left');
  await shot(page, 'fixed-health-ok');
  return { fixed: true, reservationId: r.reservation.id };
}, desktop);
