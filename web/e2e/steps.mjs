// Steps the widget's journeys share. `root` is a page or an iframe's frame locator/frame.
import { assert } from './lib.mjs';

// bookToPayment books `service` (a name) with `staff` (a name, or null for anyone) at the first
// time of next week, answering the demo's questions, and returns on the reservation's page.
export async function bookToPayment(root, { service = 'Strzyżenie damskie', staff = null, name = 'Anna Nowak', email } = {}) {
  await root.locator('button[data-service]', { hasText: service }).click();
  if (staff) await root.locator('button[data-staff]', { hasText: staff }).click();
  else await root.locator('[data-staff="any"]').click();
  await root.locator('[data-next-week]').click();
  const slot = root.locator('button[data-slot]').first();
  await slot.waitFor();
  const startsAt = await slot.getAttribute('data-slot');
  await slot.click();
  await root.locator('#f-name').fill(name);
  await root.locator('#f-email').fill(email || `customer-${Date.now()}@example.com`);
  if (service === 'Strzyżenie damskie') await root.locator('input[name="answer-hair_length"][value="short"]').check();
  await root.locator('#f-answer-terms').check();
  await root.locator('[data-book]').click();
  await root.locator('.reservation').waitFor();
  return startsAt;
}

// payWithBlikCode types the code in the widget and pays: the bank's app confirms (no redirect).
export async function payWithBlikCode(root, code) {
  await root.locator('[data-channel="BLIK"]').check();
  await root.locator('#blik-code').fill(code);
  await root.locator('[data-pay]').click();
}

export async function statusOf(root) {
  const el = root.locator('.reservation');
  return { status: await el.getAttribute('data-status'), payment: await el.getAttribute('data-payment-status') };
}

export async function sameDocument(page, mark) {
  if (mark) return page.evaluate(() => { window.__sameDocument = true; });
  assert(await page.evaluate(() => window.__sameDocument === true), 'the page was not reloaded');
}
