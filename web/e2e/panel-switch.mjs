// An account in two businesses: signing in asks which one, and the header's switcher opens the
// other after the password is given again (a session belongs to one business).
import { journey, env, assert } from './lib.mjs';
import { desktop, logIn } from './panel-lib.mjs';

await journey('panel-switch', async ({ context, shot, a11y }) => {
  const other = process.env.SWITCH_SLUG;
  assert(other, 'web/panel_e2e_test.go sets SWITCH_SLUG');
  const page = await context.newPage();
  await page.goto(`${env.url}/panel/`);
  await page.getByLabel('E-mail').fill(env.ownerEmail);
  await page.getByLabel('Hasło').fill(env.ownerPassword);
  await page.getByRole('button', { name: 'Zaloguj się' }).click();
  const slug = page.getByLabel('Firma');
  await slug.waitFor();
  await shot(page, 'which-business');
  await a11y(page, 'which-business');
  await slug.fill(env.slug);
  await page.getByRole('button', { name: 'Zaloguj się' }).click();
  await page.getByText('Studio Urody Demo').first().waitFor();
  const switcher = page.getByLabel('Zmień firmę');
  await switcher.selectOption(other);
  const dialog = page.getByRole('dialog');
  await dialog.getByLabel('Hasło').fill(env.ownerPassword);
  await shot(page, 'switch-password');
  await a11y(page, 'switch-dialog');
  await dialog.getByRole('button', { name: 'Przejdź' }).click();
  await page.getByText('Drugi Salon').first().waitFor();
  assert((await page.locator('.who').textContent()).includes('pracownik'), 'the role in the other business');
  await shot(page, 'other-business');
  return { switched: other };
}, desktop);
