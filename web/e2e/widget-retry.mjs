// In English (the language switch), a customer books with a chosen staff member and pays with a
// BLIK code typed in the widget; the bank rejects it (the simulator's 111111: wrong code) and the
// page says so live, with nothing taken; the retry with a good code is confirmed live, without a
// reload at any point.
import { journey, env, assert } from './lib.mjs';
import { bookToPayment, payWithBlikCode, sameDocument, statusOf } from './steps.mjs';

await journey('widget-retry', async ({ context, shot, a11y, fits }) => {
  const page = await context.newPage();
  await page.goto(`${env.url}/b/${env.slug}`);
  await page.locator('button.lang[lang="en"]').click();
  await page.locator('h2', { hasText: 'Choose a service' }).waitFor();
  assert(await page.evaluate(() => document.documentElement.lang) === 'en', 'the page says it is in English');
  await shot(page, 'english');
  await bookToPayment(page, { staff: 'Marek Nowak', name: 'John Smith' });
  const reservationId = page.url().split('/').pop();
  await page.locator('[data-pay]').waitFor();
  await shot(page, 'payment');

  await sameDocument(page, true);
  await payWithBlikCode(page, '111111');
  await page.locator('[data-waiting]').waitFor();
  await shot(page, 'waiting-for-bank');
  await a11y(page, 'waiting-for-bank');
  await fits(page, 'waiting-for-bank');
  await page.locator('[data-failed]').waitFor({ timeout: 45000 });
  const failed = await page.locator('[data-failed]').textContent();
  assert(/BLIK/i.test(failed), 'the failure names the BLIK problem: ' + failed);
  assert((await statusOf(page)).payment === 'FAILED', 'payment status FAILED');
  await shot(page, 'rejected');
  await a11y(page, 'rejected');

  await payWithBlikCode(page, '777456');
  await page.locator('[data-waiting]').waitFor();
  await page.locator('[data-banner="ok"]').waitFor({ timeout: 45000 });
  await sameDocument(page);
  const st = await statusOf(page);
  assert(st.status === 'CONFIRMED' && st.payment === 'PAID', 'confirmed and paid: ' + JSON.stringify(st));
  await shot(page, 'confirmed');
  await a11y(page, 'confirmed');
  return { reservationId, failed };
});
