// What every journey shares: Debian's Chromium driven by playwright-core (never a downloaded
// browser), a phone-sized page that fails the journey on any script error, refused
// Content-Security-Policy directive or request to an origin it was not told about, numbered
// screenshots of each step under ARTIFACTS, and axe-core checks (no serious or critical violation).
//
// Environment (set by web/e2e_test.go): SLOTPAY_URL (the server), SLOTPAY_SLUG (the demo business),
// SLOTPAY_OWNER_EMAIL / SLOTPAY_OWNER_PASSWORD (its owner), THIRD_PARTY_URL (a plain page on another
// origin embedding the widget), ARTIFACTS (where screenshots go), CHROMIUM (the browser binary).
import { chromium } from 'playwright-core';
import { readFileSync, mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';

const require = createRequire(import.meta.url);
const axeSource = readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');

export const env = {
  url: must('SLOTPAY_URL'),
  slug: process.env.SLOTPAY_SLUG || 'demo',
  ownerEmail: process.env.SLOTPAY_OWNER_EMAIL || '',
  ownerPassword: process.env.SLOTPAY_OWNER_PASSWORD || '',
  thirdParty: process.env.THIRD_PARTY_URL || '',
  artifacts: process.env.ARTIFACTS || path.join(path.dirname(new URL(import.meta.url).pathname), 'artifacts'),
};

function must(name) {
  const v = process.env[name];
  if (!v) throw new Error(`${name} is not set (web/e2e_test.go sets it)`);
  return v;
}

// journey runs fn(ctx) with a fresh browser and reports its result on the last line of stdout as
// JSON ({"ok":true,...result}); any failure exits 1 after a screenshot of every open page.
export async function journey(name, fn, { viewport = { width: 360, height: 740 }, locale = 'pl-PL', origins = [] } = {}) {
  const dir = path.join(env.artifacts, name);
  mkdirSync(dir, { recursive: true });
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', '--disable-background-networking'],
  });
  const allowed = [env.url, env.thirdParty, ...origins].filter(Boolean).map((u) => new URL(u).origin);
  const problems = [];
  const context = await browser.newContext({ viewport, locale, deviceScaleFactor: 1, hasTouch: false });
  let step = 0;
  const watch = (page) => {
    page.on('pageerror', (e) => problems.push(`script error on ${page.url()}: ${e.message}`));
    // imoje's paywall (the simulator standing in for imoje's own site) is not ours to police.
    const ours = () => !new URL(page.url()).pathname.startsWith('/_imoje/');
    page.on('console', (m) => { if (m.type() === 'error' && ours()) problems.push(`console error on ${page.url()}: ${m.text()}`); });
    page.on('request', (r) => {
      const u = new URL(r.url());
      if (u.protocol === 'data:') return;
      const origin = u.origin.replace(/^ws/, 'http');
      if (!allowed.includes(origin)) problems.push(`request to another origin: ${r.url()}`);
    });
    page.on('websocket', (ws) => {
      const origin = new URL(ws.url()).origin.replace(/^ws/, 'http');
      if (!allowed.includes(origin)) problems.push(`WebSocket to another origin: ${ws.url()}`);
    });
  };
  context.on('page', watch);
  // Generous: CI runs the journeys beside the whole race-enabled suite on two cores.
  context.setDefaultTimeout(60000);
  context.setDefaultNavigationTimeout(60000);
  const ctx = {
    context,
    env,
    problems,
    // shot saves a numbered full-page screenshot of page.
    async shot(page, label) {
      step++;
      const file = path.join(dir, `${String(step).padStart(2, '0')}-${label}.png`);
      await page.screenshot({ path: file, fullPage: true });
      console.log(`screenshot ${file}`);
    },
    // a11y fails the journey on a serious or critical axe-core violation in frame (a page or an
    // iframe's frame). axe runs through DevTools evaluation, which the page's CSP does not govern.
    async a11y(frame, label) {
      await frame.evaluate(axeSource + '\n;0');
      const result = await frame.evaluate(() => window.axe.run(document, { resultTypes: ['violations'] }));
      const bad = result.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
      for (const v of bad) {
        problems.push(`axe ${v.impact} ${v.id} at ${label}: ${v.help} — ${v.nodes.map((n) => n.target.join(' ')).slice(0, 5).join(', ')}`);
      }
      console.log(`axe ${label}: ${result.violations.length} violations (${result.violations.map((v) => v.id + ':' + v.impact).join(', ')}), ${bad.length} serious or critical`);
    },
    // noHorizontalScroll fails the journey when the page is wider than its viewport (360 px).
    async fits(page, label) {
      const { scroll, width } = await page.evaluate(() => ({ scroll: document.documentElement.scrollWidth, width: window.innerWidth }));
      if (scroll > width) problems.push(`${label}: the page is ${scroll}px wide in a ${width}px viewport`);
    },
  };
  let result = {};
  try {
    result = (await fn(ctx)) || {};
  } catch (err) {
    problems.push(`failed: ${err.stack || err}`);
    for (const p of context.pages()) {
      await p.screenshot({ path: path.join(dir, `failure-${context.pages().indexOf(p)}.png`), fullPage: true }).catch(() => {});
    }
  } finally {
    await browser.close();
  }
  if (problems.length) {
    for (const p of problems) console.error(p);
    console.log(JSON.stringify({ ok: false, problems, ...result }));
    process.exit(1);
  }
  console.log(JSON.stringify({ ok: true, ...result }));
}

// gql posts an operation to the API from Node (for what a journey does beside the person: another
// customer taking a slot, reading the state the server recorded).
export async function gql(query, variables = {}, token = '') {
  const headers = { 'Content-Type': 'application/json' };
  if (token) headers.Authorization = 'Bearer ' + token;
  const res = await fetch(env.url + '/graphql', { method: 'POST', headers, body: JSON.stringify({ query, variables }) });
  const body = await res.json();
  if (body.errors?.length) throw new Error(JSON.stringify(body.errors));
  return body.data;
}

// ownerToken logs the demo owner in.
export async function ownerToken() {
  const d = await gql('mutation($in: LogInInput!) { logIn(input: $in) { accessToken } }', { in: { email: env.ownerEmail, password: env.ownerPassword } });
  return d.logIn.accessToken;
}

export function assert(cond, message) {
  if (!cond) throw new Error('assertion failed: ' + message);
}
