// node --test web/panel/health.test.mjs: every state of the setup page's health line.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { imojeHealth } from './health.js';

const setup = (o) => ({ configured: true, lastNotificationAt: '2026-12-02T10:00:00Z', warnings: [], ...o });
const cases = [
  ['no imoje method', undefined, 'off', 'health.noMethod'],
  ['credentials not saved', { enabled: false, imoje: setup({ configured: false, lastNotificationAt: null, warnings: [{ code: 'CREDENTIALS_MISSING' }] }) }, 'off', 'health.notConfigured'],
  ['pending payments, never a notification', { enabled: true, imoje: setup({ lastNotificationAt: null, warnings: [{ code: 'NOTIFICATIONS_NEVER_RECEIVED' }] }) }, 'bad', 'health.broken'],
  ['notifications stopped', { enabled: true, imoje: setup({ warnings: [{ code: 'NOTIFICATIONS_STOPPED' }] }) }, 'bad', 'health.broken'],
  ['custom URL on a production server', { enabled: true, imoje: setup({ warnings: [{ code: 'CUSTOM_URL_NOT_CALLED' }] }) }, 'bad', 'health.broken'],
  ['saved but not offered', { enabled: false, imoje: setup() }, 'warn', 'health.disabled'],
  ['connected, nothing received yet', { enabled: true, imoje: setup({ lastNotificationAt: null }) }, 'waiting', 'health.noNotificationYet'],
  ['connected, sandbox, nothing received yet', { enabled: true, imoje: setup({ lastNotificationAt: null, warnings: [{ code: 'SANDBOX' }] }) }, 'waiting', 'health.noNotificationYet'],
  ['working', { enabled: true, imoje: setup() }, 'ok', 'health.ok'],
  ['working in the sandbox', { enabled: true, imoje: setup({ warnings: [{ code: 'SANDBOX' }] }) }, 'ok', 'health.okSandbox'],
  ['an unknown warning from a newer server', { enabled: true, imoje: setup({ warnings: [{ code: 'SOMETHING_NEW', message: 'x' }] }) }, 'warn', 'health.look'],
];
for (const [name, method, level, key] of cases) {
  test(name, () => {
    const h = imojeHealth(method);
    assert.equal(h.level, level);
    assert.equal(h.key, key);
  });
}

test('information is not listed as a problem', () => {
  const h = imojeHealth({ enabled: true, imoje: setup({ warnings: [{ code: 'SANDBOX' }, { code: 'NOTIFICATIONS_STOPPED' }] }) });
  assert.deepEqual(h.problems.map((p) => p.code), ['NOTIFICATIONS_STOPPED']);
});
