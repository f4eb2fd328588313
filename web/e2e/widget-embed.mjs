// The widget on a business's own site: a plain page on another origin and site (THIRD_PARTY_URL,
// localhost against slotpay's 127.0.0.1) with nothing but embed.js's tag. The iframe mounts, grows
// to its content, and a whole booking with a BLIK payment runs inside it, the confirmation arriving
// live over the frame's WebSocket — with no SLOTPAY_ALLOWED_ORIGINS configured.
import { journey, env, assert } from './lib.mjs';
import { bookToPayment, payWithBlikCode, statusOf } from './steps.mjs';

await journey('widget-embed', async ({ context, shot, a11y, fits }) => {
  assert(env.thirdParty, 'THIRD_PARTY_URL is set');
  assert(new URL(env.thirdParty).origin !== new URL(env.url).origin, 'the host page is on another origin');
  const page = await context.newPage();
  await page.goto(env.thirdParty);
  const frameEl = page.locator('iframe[data-slotpay-widget]');
  await frameEl.waitFor();
  assert(await frameEl.getAttribute('title') === 'Book a visit', 'the frame has its accessible name');
  const root = page.frameLocator('iframe[data-slotpay-widget]');
  await root.locator('button[data-service]').first().waitFor();
  const frame = page.frames().find((f) => f.url().startsWith(env.url + '/b/'));
  assert(frame, 'the frame is served by slotpay');
  // The frame reported its height and the loader applied it.
  await page.waitForFunction(() => parseInt(document.querySelector('iframe[data-slotpay-widget]').style.height, 10) > 700);
  await shot(page, 'host-page');
  await a11y(page, 'host-page');
  await a11y(frame, 'widget-in-frame');
  await fits(page, 'host-page');

  await bookToPayment(root, { name: 'Ewa Embedded' });
  await root.locator('[data-pay]').waitFor();
  await shot(page, 'payment-in-frame');
  await payWithBlikCode(root, '777321');
  await root.locator('[data-banner="ok"]').waitFor({ timeout: 45000 });
  const st = await statusOf(root);
  assert(st.status === 'CONFIRMED' && st.payment === 'PAID', 'confirmed inside the frame: ' + JSON.stringify(st));
  assert(page.url() === env.thirdParty || page.url() === env.thirdParty + '/', 'the host page stayed where it was: ' + page.url());
  const reservationId = (await page.frames().find((f) => f.url().includes('/r/')).url()).match(/\/r\/([0-9a-f-]{36})/)[1];
  await shot(page, 'confirmed-in-frame');
  await a11y(page.frames().find((f) => f.url().includes('/r/')), 'confirmed-in-frame');

  // A channel with imoje's page: payment pages refuse frames, so it opens in a new tab while the
  // frame waits; paid there, the frame turns confirmed live.
  await page.goto(env.thirdParty);
  await bookToPayment(root, { name: 'Ewa Transfer' });
  const second = (await page.frames().find((f) => f.url().includes('/r/')).url()).match(/\/r\/([0-9a-f-]{36})/)[1];
  await root.locator('[data-channel="PBL"]').check();
  const [tab] = await Promise.all([context.waitForEvent('page'), root.locator('[data-pay]').click()]);
  await tab.waitForURL(/\/_imoje\/paywall\//);
  await root.locator('[data-waiting]').waitFor();
  await shot(page, 'frame-waiting-while-paywall-tab');
  await tab.locator('button.pay').click();
  await tab.waitForURL(new RegExp(`/r/${second}$`));
  await shot(tab, 'return-tab');
  await root.locator('[data-banner="ok"]').waitFor({ timeout: 45000 });
  await shot(page, 'frame-confirmed-after-tab');
  return { reservationId, second };
});
