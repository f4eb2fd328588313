// Measures the widget on a running server (not a test: numbers for docs/web.md):
//   go run . -demo            # in one terminal
//   SLOTPAY_URL=http://127.0.0.1:8080 node web/e2e/measure.mjs
// - first load: what a new visitor's browser downloads to show /b/<slug> (page, styles, every module),
//   compressed bytes on the wire (transferSize minus headers: encodedBodySize), cold cache;
// - time to first slots: from navigation to the services list, and from the "anyone" click to the
//   week's times on screen (availability over HTTP, the live subscription opened), median of RUNS.
import { chromium } from 'playwright-core';

const url = process.env.SLOTPAY_URL || 'http://127.0.0.1:8080';
const slug = process.env.SLOTPAY_SLUG || 'demo';
const runs = Number(process.env.RUNS || 7);
const browser = await chromium.launch({ executablePath: process.env.CHROMIUM || '/usr/bin/chromium', args: ['--no-sandbox', '--disable-gpu'] });
const median = (xs) => xs.slice().sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const toServices = [], toSlots = [], total = [];
let bytes = null;
for (let i = 0; i < runs; i++) {
  const context = await browser.newContext({ viewport: { width: 360, height: 740 } }); // cold cache each run
  const page = await context.newPage();
  const t0 = Date.now();
  await page.goto(`${url}/b/${slug}`);
  await page.locator('button[data-service]').first().waitFor();
  const t1 = Date.now();
  if (!bytes) {
    bytes = await page.evaluate(() => {
      const entries = [performance.getEntriesByType('navigation')[0], ...performance.getEntriesByType('resource')]
        .filter((e) => !e.name.includes('/graphql'));
      return { files: entries.length, encoded: entries.reduce((s, e) => s + e.encodedBodySize, 0), decoded: entries.reduce((s, e) => s + e.decodedBodySize, 0),
        list: entries.map((e) => [new URL(e.name).pathname, e.encodedBodySize, e.decodedBodySize]) };
    });
  }
  await page.locator('button[data-service]').first().click();
  await page.locator('[data-staff="any"]').click();
  const t2 = Date.now();
  await page.locator('button[data-slot]').first().waitFor();
  const t3 = Date.now();
  toServices.push(t1 - t0); toSlots.push(t3 - t2); total.push(t3 - t0);
  await context.close();
}
await browser.close();
console.log(`first load: ${bytes.files} files, ${(bytes.encoded / 1024).toFixed(1)} KB compressed (${(bytes.decoded / 1024).toFixed(1)} KB uncompressed), /graphql not counted`);
for (const [p, e, d] of bytes.list) console.log(`  ${p}  ${e} B (${d} B)`);
console.log(`navigation → services shown: median ${median(toServices)} ms (${toServices.join(', ')})`);
console.log(`"anyone" click → first slots shown: median ${median(toSlots)} ms (${toSlots.join(', ')})`);
console.log(`navigation → first slots, clicks automated: median ${median(total)} ms over ${runs} cold runs`);
