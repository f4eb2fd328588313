// The apps load: the widget's page for the demo business and the panel's page, each without a script
// error, a refused policy directive or an accessibility violation, at 360 px.
import { journey, env, assert } from './lib.mjs';

await journey('smoke', async ({ context, shot, a11y, fits }) => {
  const page = await context.newPage();
  await page.goto(`${env.url}/b/${env.slug}`);
  await page.locator('main').first().waitFor();
  await shot(page, 'widget');
  await a11y(page, 'widget');
  await fits(page, 'widget');
  await page.goto(`${env.url}/panel/`);
  await page.locator('h1').first().waitFor();
  assert((await page.title()).length > 0, 'the panel page has a title');
  await shot(page, 'panel');
  await a11y(page, 'panel');
  return { widget: true, panel: true };
});
