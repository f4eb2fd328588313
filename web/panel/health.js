// The imoje integration's health as the setup page shows it: a pure decision from what the API
// reports (ImojeSetup), so its table test (health.test.mjs) pins every state.
//
// level: 'off' (not connected), 'bad' (customers' payments are affected: fix it now), 'warn'
// (works, but something needs a look), 'waiting' (connected, no notification received yet), 'ok'.

// Warning codes (ImojeSetupWarning.code) that mean payments are not being confirmed.
const BROKEN = new Set(['NOTIFICATIONS_NEVER_RECEIVED', 'NOTIFICATIONS_STOPPED', 'CUSTOM_URL_NOT_CALLED', 'CREDENTIALS_MISSING']);
// Codes that only inform.
const INFO = new Set(['SANDBOX']);

export function imojeHealth(method) {
  const s = method?.imoje;
  if (!s) return { level: 'off', key: 'health.noMethod', problems: [] };
  const warnings = s.warnings || [];
  const problems = warnings.filter((w) => !INFO.has(w.code) && w.code !== 'CREDENTIALS_MISSING');
  if (!s.configured) return { level: 'off', key: 'health.notConfigured', problems };
  if (warnings.some((w) => BROKEN.has(w.code))) return { level: 'bad', key: 'health.broken', problems };
  if (problems.length) return { level: 'warn', key: 'health.look', problems };
  if (!method.enabled) return { level: 'warn', key: 'health.disabled', problems };
  if (!s.lastNotificationAt) return { level: 'waiting', key: 'health.noNotificationYet', problems };
  const sandbox = warnings.some((w) => w.code === 'SANDBOX');
  return { level: 'ok', key: sandbox ? 'health.okSandbox' : 'health.ok', problems };
}
