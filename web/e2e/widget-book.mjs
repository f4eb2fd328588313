// A customer books the prepaid haircut with "anyone" in Polish at 360 px: the week's times update
// live when another customer takes one, the form shows the server's per-field errors beside the
// fields, then the booking goes to payment; BLIK without a code goes to imoje's paywall (the
// simulator's), where the code is typed; back on the reservation's page the confirmation arrives.
import { journey, env, gql, assert } from './lib.mjs';

await journey('widget-book', async ({ context, shot, a11y, fits }) => {
  const page = await context.newPage();
  await page.goto(`${env.url}/b/${env.slug}`);
  const haircut = page.locator('button[data-service]', { hasText: 'Strzyżenie damskie' });
  await haircut.waitFor();
  await shot(page, 'services');
  await a11y(page, 'services');
  await fits(page, 'services');
  const serviceId = await haircut.getAttribute('data-service');
  await haircut.click();

  await page.locator('[data-staff="any"]').click();
  await page.locator('[data-next-week]').click();
  const firstSlot = page.locator('button[data-slot]').first();
  await firstSlot.waitFor();
  await shot(page, 'week');
  await a11y(page, 'week');
  await fits(page, 'week');

  // Another customer takes the first time of the shown day through the API: it leaves this page
  // without a reload (availabilityChanged → the week is read again).
  await page.evaluate(() => { window.__sameDocument = true; });
  const taken = await firstSlot.getAttribute('data-slot');
  const shown = await page.locator(`button[data-slot="${taken}"]`).count();
  const staffOf = await gql(`query($s: String!, $id: UUID!) { publicStaff(tenantSlug: $s, serviceId: $id) { id } }`, { s: env.slug, id: serviceId });
  let booked = 0;
  for (const m of staffOf.publicStaff) { // "anyone": the time stays while any staff member is free then
    try {
      await gql(`mutation($in: CreateReservationInput!) { createReservation(input: $in) { reservation { id } } }`, { in: {
        tenantSlug: env.slug, serviceId, staffMemberId: m.id, startsAt: taken,
        customer: { name: 'Inna Klientka', email: `other-${Date.now()}-${booked}@example.com` },
        answers: [{ key: 'hair_length', value: 'short' }, { key: 'terms', value: 'true' }],
      } });
      booked++;
    } catch (e) { /* that staff member does not work then */ }
  }
  assert(shown === 1 && booked >= 1, `the slot ${taken} was shown once and booked (${shown}, ${booked})`);
  await page.locator(`button[data-slot="${taken}"]`).waitFor({ state: 'detached', timeout: 30000 });
  assert(await page.evaluate(() => window.__sameDocument === true), 'the page was not reloaded');
  await shot(page, 'week-updated-live');

  // The form: sent empty, every problem comes back at once, each beside its field.
  await page.locator('button[data-slot]').first().click();
  await page.locator('[data-book]').click();
  const summary = page.locator('.error-summary');
  await summary.waitFor();
  for (const id of ['f-name', 'f-email', 'f-answer-hair_length', 'f-answer-terms']) {
    assert(await page.locator(`#${id}[aria-invalid="true"]`).count() === 1, `${id} is marked invalid`);
  }
  assert(await page.locator('#e-name').isVisible(), 'the name error is shown beside the name');
  await shot(page, 'form-errors');
  await a11y(page, 'form-errors');
  await fits(page, 'form-errors');

  // Keyboard only: from the summary through the fields.
  await page.locator('#f-name').fill('Jan Kowalski');
  await page.locator('#f-email').fill('jan.kowalski@example.com');
  await page.locator('#f-phone').fill('+48 600 100 200');
  await page.locator('input[name="answer-hair_length"][value="medium"]').check();
  await page.locator('#f-answer-terms').focus();
  await page.keyboard.press('Space');
  await page.locator('#f-answer-allergies').fill('brak');
  await shot(page, 'form-filled');
  // Switching the language mid-form keeps what was typed and relabels the business's questions.
  await page.locator('button.lang[lang="en"]').click();
  await page.locator('label[for="f-answer-allergies"]', { hasText: 'Allergies' }).waitFor();
  assert(await page.locator('#f-name').inputValue() === 'Jan Kowalski', 'the name survived the switch');
  await page.locator('button.lang[lang="pl"]').click();
  await page.locator('label[for="f-answer-allergies"]', { hasText: 'Alergie' }).waitFor();
  await page.locator('[data-book]').press('Enter');

  await page.waitForURL(/\/b\/[^/]+\/r\/[0-9a-f-]{36}$/);
  const reservationId = page.url().split('/').pop();
  await page.locator('[data-pay]').waitFor();
  assert(await page.locator('[data-hold]').isVisible(), 'the hold countdown is shown');
  assert((await page.locator('[data-amount]').textContent()).includes('120,00'), 'the amount due is 120,00 zł');
  await shot(page, 'payment');
  await a11y(page, 'payment');
  await fits(page, 'payment');

  // BLIK without a code: to imoje's paywall (the simulator), type the code there, pay.
  await page.locator('[data-channel="BLIK"]').check();
  await page.locator('[data-pay]').click();
  await page.waitForURL(/\/_imoje\/paywall\//);
  await shot(page, 'imoje-paywall');
  await page.locator('input[name="blikCode"]').fill('777123');
  await page.locator('button.pay').click();

  await page.waitForURL(new RegExp(`/r/${reservationId}$`));
  await page.locator('[data-banner="ok"]').waitFor({ timeout: 45000 });
  const status = await page.locator('.reservation').getAttribute('data-payment-status');
  assert(status === 'PAID', 'paid: ' + status);
  await shot(page, 'confirmed');
  await a11y(page, 'confirmed');
  await fits(page, 'confirmed');
  return { reservationId, taken };
});
