// A customer books and pays, moves the visit to another time (the dialog says what changes: nothing
// but the time), then cancels inside the free window: the dialog shows the refund before confirming
// (everything paid), and the refund's progress arrives live until imoje (the simulator) settles it.
import { journey, env, assert } from './lib.mjs';
import { bookToPayment, payWithBlikCode, sameDocument, statusOf } from './steps.mjs';

await journey('widget-cancel', async ({ context, shot, a11y, fits }) => {
  const page = await context.newPage();
  if (process.env.DEBUG_WS) page.on('websocket', (ws) => { ws.on('framereceived', (f) => console.log('ws<', f.payload)); ws.on('framesent', (f) => console.log('ws>', String(f.payload).slice(0, 120))); ws.on('close', () => console.log('ws closed')); });
  await page.goto(`${env.url}/b/${env.slug}?lang=en`);
  await bookToPayment(page, { name: 'Maria Zielinska' });
  const reservationId = page.url().split('/').pop();
  await payWithBlikCode(page, '777789');
  await page.locator('[data-banner="ok"]').waitFor({ timeout: 45000 });
  await shot(page, 'confirmed');
  const before = await page.locator('[data-when]').textContent();

  // Change the time: a week of the same staff member's times in a modal dialog.
  await page.locator('[data-reschedule]').click();
  const dialog = page.locator('dialog[open]');
  await dialog.locator('.consequence').waitFor();
  assert(/price and payments move with it/.test(await dialog.locator('.consequence').textContent()), 'the dialog says what moving changes');
  await dialog.locator('[data-next-week]').click();
  await dialog.locator('[data-next-week]').click();
  await dialog.locator('button[data-slot]').first().click();
  await shot(page, 'reschedule-confirm');
  await a11y(page, 'reschedule-dialog');
  await dialog.locator('[data-confirm-reschedule]').click();
  await dialog.waitFor({ state: 'detached' });
  await page.waitForFunction((b) => document.querySelector('[data-when]')?.textContent !== b, before);
  const after = await page.locator('[data-when]').textContent();
  await shot(page, 'rescheduled');

  // Cancel inside the free window: the consequence first.
  await sameDocument(page, true);
  await page.locator('[data-cancel]').click();
  await dialog.locator('[data-consequence]').waitFor();
  const consequence = await dialog.locator('[data-consequence]').textContent();
  assert(/Cancelling is free until/.test(consequence), 'free window shown: ' + consequence);
  assert(/You get back PLN\s?120\.00|You get back 120\.00/.test(consequence) || /120/.test(await dialog.locator('[data-refund-now]').textContent()), 'the full refund is shown: ' + consequence);
  await shot(page, 'cancel-dialog');
  await a11y(page, 'cancel-dialog');
  await fits(page, 'cancel-dialog');
  await dialog.locator('#cancel-reason').fill('Plans changed');
  // Keyboard: the confirm button by Tab from the reason.
  await page.keyboard.press('Tab');
  await page.keyboard.press('Enter');
  await page.locator('[data-banner="warn"]').waitFor();
  await shot(page, 'cancelled');
  await page.locator('[data-refund="SETTLED"]').waitFor({ timeout: 60000 });
  await sameDocument(page);
  const st = await statusOf(page);
  assert(st.status === 'CANCELLED' && st.payment === 'REFUNDED', 'cancelled and refunded: ' + JSON.stringify(st));
  assert(await page.locator('[data-refunded]').isVisible(), 'the refunded amount is shown');
  await shot(page, 'refunded');
  await a11y(page, 'refunded');
  return { reservationId, before, after };
});
