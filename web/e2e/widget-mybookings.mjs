// "My bookings" by magic link: a customer books, then on another visit opens the widget's first page,
// follows "My bookings", asks for a link for the e-mail they booked with, reads the e-mail the server
// sent (this test server has no SMTP server, so its e-mails are kept by the development catcher at
// /_mail/, exactly as they would be sent), opens the link, sees the booking, opens its page; the same
// link opened again says it was used or has expired and offers the form again.
import { journey, env, assert } from './lib.mjs';
import { bookToPayment } from './steps.mjs';

// mailTo polls the server's caught e-mails for the newest one to `to` with `needle` in its text.
async function mailTo(to, needle) {
  for (let i = 0; i < 120; i++) {
    const list = await (await fetch(env.url + '/_mail/')).text();
    for (const row of list.split('<tr>')) {
      const id = /href="\/_mail\/([0-9a-f-]{36})"/.exec(row)?.[1];
      if (!id || !row.includes(to)) continue;
      const text = await (await fetch(env.url + '/_mail/' + id)).text();
      if (text.includes(needle)) return text;
    }
    await new Promise((r) => setTimeout(r, 500));
  }
  throw new Error(`no e-mail to ${to} containing ${needle}`);
}

await journey('widget-mybookings', async ({ context, shot, a11y, fits }) => {
  const email = `my-bookings-${Date.now()}@example.com`;
  const booker = await context.newPage();
  await booker.goto(`${env.url}/b/${env.slug}?lang=en`);
  await bookToPayment(booker, { name: 'Ewa Mazur', email });
  const reservationId = booker.url().split('/').pop();
  await booker.close();

  // As on another device: this browser forgets the booking's token (and keeps English).
  const page = await context.newPage();
  await page.goto(`${env.url}/b/${env.slug}?lang=en`);
  await page.evaluate(() => { localStorage.clear(); localStorage.setItem('slotpay:lang', 'en'); });
  await page.reload();
  await page.locator('[data-my-bookings-link]').click();
  await page.waitForURL(/\/my-bookings/);
  await page.waitForFunction(() => document.activeElement?.id === 'mb-heading');
  await shot(page, 'ask-for-link');
  await a11y(page, 'my-bookings-form');
  await fits(page, 'my-bookings-form');

  // A malformed address: the server's message beside the field.
  await page.getByLabel('E-mail').fill('not-an-address');
  await page.locator('[data-send-link]').click();
  await page.locator('#e-mb-email').waitFor();
  assert(await page.locator('#f-mb-email').getAttribute('aria-invalid') === 'true', 'the field is marked invalid');
  await shot(page, 'bad-email');
  await a11y(page, 'my-bookings-bad-email');

  await page.getByLabel('E-mail').fill(email);
  await page.locator('[data-send-link]').click();
  const sent = await page.locator('[data-link-sent]').textContent();
  assert(/If this address has bookings here, we've sent it a link \(valid 15 minutes\)/.test(sent), 'the neutral answer: ' + sent);
  await shot(page, 'link-sent');

  const mail = await mailTo(email, '/my-bookings#token=');
  const link = /(https?:\/\/\S+\/b\/[^/\s]+\/my-bookings#token=[^\s]+)/.exec(mail)?.[1];
  assert(link && link.startsWith(env.url + '/b/' + env.slug + '/my-bookings#token='), 'the e-mail carries the link: ' + mail);

  await page.goto(link);
  await page.locator('[data-my-bookings]').waitFor();
  assert(!page.url().includes('token='), 'the token left the address bar: ' + page.url());
  const item = page.locator(`[data-my-booking="${reservationId}"]`);
  await item.waitFor();
  const itemText = await item.textContent();
  assert(/Strzyżenie damskie/.test(itemText), 'the service is listed: ' + itemText);
  await shot(page, 'listed');
  await a11y(page, 'my-bookings-list');
  await fits(page, 'my-bookings-list');

  await item.click();
  await page.waitForURL(new RegExp('/r/' + reservationId));
  await page.locator('.reservation').waitFor();
  assert(await page.locator('[data-when]').isVisible(), 'the manage page shows the booking');
  await shot(page, 'manage-page');

  // The same link again: spent.
  await page.goto(link);
  await page.locator('[data-link-expired]').waitFor();
  assert(/used or has expired/.test(await page.locator('[data-link-expired]').textContent()), 'the spent link is explained');
  assert(await page.locator('[data-my-bookings-form]').isVisible(), 'the form to ask for a new link is offered');
  await shot(page, 'link-spent');
  await a11y(page, 'my-bookings-spent');
  return { reservationId, email };
});
