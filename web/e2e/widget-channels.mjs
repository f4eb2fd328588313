// The channels imoje offers for the amount: pay-later providers only within their limits (PragmaGO
// starts at 500 PLN, so a 120 PLN visit does not list it), a fast transfer with the bank chosen in the
// widget and approved on the bank's page (the simulator's), and a card through imoje's payment link.
import { journey, env, assert } from './lib.mjs';
import { bookToPayment, statusOf } from './steps.mjs';

await journey('widget-channels', async ({ context, shot, a11y }) => {
  const page = await context.newPage();
  await page.goto(`${env.url}/b/${env.slug}?lang=en`);
  await bookToPayment(page, { name: 'Piotr Transfer' });
  const transfer = page.url().split('/').pop();

  await page.locator('[data-channel="PAY_LATER"]').check();
  const providers = await page.locator('input[name="provider"]').evaluateAll((els) => els.map((e) => e.value));
  assert(providers.length >= 1 && !providers.includes('PRAGMA_GO'), 'pay-later providers within the limits: ' + providers);
  await shot(page, 'pay-later-providers');
  await a11y(page, 'pay-later');

  await page.locator('[data-channel="PBL"]').check();
  const banks = await page.locator('#bank option').count();
  assert(banks > 3, `a bank list (${banks})`);
  await page.locator('#bank').selectOption('mtransfer');
  await shot(page, 'bank-list');
  await page.locator('[data-pay]').click();
  await page.waitForURL(/\/_imoje\/paywall\//);
  assert(/Approve the transfer/.test(await page.content()), "the bank's approval page");
  await shot(page, 'bank-page');
  await page.locator('button.pay').click();
  await page.waitForURL(new RegExp(`/r/${transfer}$`));
  await page.locator('[data-banner="ok"]').waitFor({ timeout: 45000 });
  await shot(page, 'transfer-confirmed');

  await page.goto(`${env.url}/b/${env.slug}?lang=en`);
  await bookToPayment(page, { name: 'Karolina Card' });
  const card = page.url().split('/').pop();
  await page.locator('[data-channel="CARD"]').check();
  await page.locator('[data-pay]').click();
  await page.waitForURL(/\/_imoje\/paywall\//);
  await page.locator('input[name="channel"][value^="card:"]').check();
  await page.locator('input[name="cardNumber"]').fill('4111 1111 1111 1111');
  await page.locator('input[name="cardExpiry"]').fill('12/30');
  await page.locator('input[name="cardCvc"]').fill('123');
  await shot(page, 'card-page');
  await page.locator('button.pay').click();
  await page.waitForURL(new RegExp(`/r/${card}$`));
  await page.locator('[data-banner="ok"]').waitFor({ timeout: 45000 });
  const st = await statusOf(page);
  assert(st.payment === 'PAID', 'card paid: ' + JSON.stringify(st));
  await shot(page, 'card-confirmed');
  return { transfer, card, providers: providers.join(',') };
});
