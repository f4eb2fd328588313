// The business's own data on a phone (360 px): a service added (a bad price refused beside its
// field), working hours edited (an overlap refused beside its interval, then fixed), a customer
// found, opened and edited (a bad e-mail refused beside its field); every page without an
// accessibility violation or horizontal scrolling.
import { journey, env, assert, ownerToken } from './lib.mjs';
import { logIn, freeSlot, book, demoIds } from './panel-lib.mjs';

await journey('panel-catalogue', async ({ context, shot, a11y, fits }) => {
  const owner = await ownerToken();
  const { service, staff } = await demoIds(owner);
  const marek = staff('Marek Nowak').id;
  const slot = await freeSlot(env.slug, service('Konsultacja'), marek, 10);
  await book(env.slug, { serviceId: service('Konsultacja'), staffMemberId: marek, startsAt: slot.startsAt,
    name: 'Karolina Klientka', email: 'karolina@example.com', answers: [{ key: 'terms', value: 'true' }] });

  const page = await context.newPage();
  await logIn(page, env.ownerEmail, env.ownerPassword);
  const check = async (label) => {
    await shot(page, label);
    await a11y(page, label);
    await fits(page, label);
  };

  // Services.
  await page.getByRole('link', { name: 'Usługi' }).click();
  await page.getByRole('heading', { level: 1, name: 'Usługi' }).waitFor();
  await check('services');
  await page.getByRole('button', { name: 'Dodaj usługę' }).click();
  await page.getByLabel('Nazwa', { exact: true }).fill('Henna brwi');
  await page.getByLabel('Cena (PLN)').fill('dużo');
  await page.getByRole('button', { name: 'Zapisz' }).click();
  await page.locator('#svc-price-err').waitFor();
  await check('service-bad-price');
  await page.getByLabel('Cena (PLN)').fill('45,50');
  await page.getByRole('button', { name: 'Zapisz' }).click();
  await page.getByRole('rowheader', { name: 'Henna brwi' }).waitFor();
  assert((await page.getByRole('row', { name: /Henna brwi/ }).textContent()).includes('45,50'), 'the price is shown');
  await check('service-added');

  // Working hours.
  await page.getByRole('link', { name: 'Pracownicy' }).click();
  await page.getByRole('link', { name: 'Marek Nowak' }).click();
  await page.getByRole('heading', { level: 2, name: 'Godziny pracy' }).waitFor();
  await page.getByRole('button', { name: /Dodaj godziny.*Poniedziałek/ }).click();
  const monday = page.getByRole('group', { name: 'Poniedziałek' });
  await monday.getByLabel('Od', { exact: true }).nth(1).fill('10:00');
  await monday.getByLabel('do', { exact: true }).nth(1).fill('12:00');
  await page.getByRole('button', { name: 'Zapisz godziny pracy' }).click();
  await monday.locator('.interval.invalid').first().waitFor();
  await check('hours-overlap');
  await page.getByRole('button', { name: 'Usuń te godziny: Poniedziałek' }).nth(1).click();
  await page.getByRole('button', { name: 'Zapisz godziny pracy' }).click();
  await page.getByText('Godziny pracy zapisane').first().waitFor();
  assert((await monday.locator('.interval.invalid').count()) === 0, 'no error left');
  await check('hours-saved');

  // Customers.
  await page.getByRole('link', { name: 'Klienci' }).click();
  await page.getByLabel('Szukaj po imieniu, e-mailu lub telefonie').fill('karolina');
  await page.getByRole('button', { name: 'Szukaj', exact: true }).click();
  await page.getByRole('link', { name: 'Karolina Klientka' }).waitFor();
  await check('customers-search');
  await page.getByRole('link', { name: 'Karolina Klientka' }).click();
  await page.getByRole('heading', { level: 1, name: 'Karolina Klientka' }).waitFor();
  await check('customer');
  await page.getByRole('button', { name: 'Edytuj' }).click();
  await page.getByLabel('E-mail', { exact: true }).fill('to nie e-mail');
  await page.getByLabel('Etykiety').fill('VIP, stała klientka');
  await page.getByRole('button', { name: 'Zapisz' }).click();
  await page.locator('#cu-email-err').waitFor();
  assert((await page.getByLabel('E-mail', { exact: true }).getAttribute('aria-invalid')) === 'true', 'the e-mail is marked invalid');
  await check('customer-bad-email');
  await page.getByLabel('E-mail', { exact: true }).fill('karolina.k@example.com');
  await page.getByRole('button', { name: 'Zapisz' }).click();
  await page.getByText('karolina.k@example.com').waitFor();
  await page.getByText('VIP, stała klientka').waitFor();
  await check('customer-saved');
  return { service: 'Henna brwi' };
});
