// node --test web/panel/i18n.test.mjs: Polish and English have the same texts, with the same
// {placeholders} and plural forms where needed, and every text the modules ask for exists.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { dict as pl } from './i18n.pl.js';
import { dict as en } from './i18n.en.js';

const here = new URL('.', import.meta.url);
const placeholders = (v) => [...new Set(JSON.stringify(v).match(/\{\w+\}/g) || [])].sort();

test('both languages have the same keys', () => {
  assert.deepEqual(Object.keys(pl).filter((k) => !(k in en)), [], 'only in Polish');
  assert.deepEqual(Object.keys(en).filter((k) => !(k in pl)), [], 'only in English');
});

test('a text has the same placeholders in both languages', () => {
  for (const k of Object.keys(en)) assert.deepEqual(placeholders(pl[k]), placeholders(en[k]), k);
});

test('plural texts have the forms their language needs', () => {
  for (const [d, forms] of [[pl, ['one', 'few', 'many']], [en, ['one', 'other']]]) {
    for (const [k, v] of Object.entries(d)) {
      if (typeof v === 'object') for (const f of forms) assert.ok(f in v, `${k} lacks ${f}`);
    }
  }
});

// Keys built from an enum value: every value the API can send must have a text.
const enums = {
  'status.': ['REQUESTED', 'PENDING_PAYMENT', 'CONFIRMED', 'CANCELLED', 'COMPLETED', 'NO_SHOW', 'EXPIRED', 'DECLINED'],
  'pay.': ['NOT_REQUIRED', 'UNPAID', 'PENDING', 'PARTIALLY_PAID', 'PAID', 'PARTIALLY_REFUNDED', 'REFUNDED', 'FAILED'],
  'pstate.': ['CREATED', 'UNKNOWN', 'PENDING', 'PAID', 'FAILED', 'CANCELLED', 'SUPERSEDED', 'DUPLICATE'],
  'rstate.': ['REQUESTED', 'PENDING', 'SETTLED', 'FAILED'],
  'channel.': ['BLIK', 'PBL', 'PAY_LATER', 'CARD', 'CHOOSE'],
  'role.': ['OWNER', 'ADMIN', 'STAFF'],
  'env.': ['PRODUCTION', 'SANDBOX', 'CUSTOM'],
  'policy.': ['NONE', 'OPTIONAL', 'REQUIRED'],
  'deposit.': ['NONE', 'FIXED', 'PERCENT'],
  'cancel.': ['FULL', 'POLICY', 'NONE', 'AMOUNT'],
  'wd.': ['MONDAY', 'TUESDAY', 'WEDNESDAY', 'THURSDAY', 'FRIDAY', 'SATURDAY', 'SUNDAY'],
  'nkind.': ['SALE', 'REFUND', 'PAYMENT'],
  'outcome.': ['APPLIED', 'NO_CHANGE', 'STALE', 'UNKNOWN_ORDER', 'MISMATCH'],
  'warning.': ['CREDENTIALS_MISSING', 'NOTIFICATIONS_NEVER_RECEIVED', 'NOTIFICATIONS_STOPPED', 'CUSTOM_URL_NOT_CALLED', 'SANDBOX'],
  'level.': ['off', 'bad', 'warn', 'waiting', 'ok'],
  'imoje.': ['authorizationToken', 'merchantId', 'shopId', 'shopKey'].flatMap((f) => [f + '.label', f + '.where', f + '.missing']),
};

test('every text the modules use exists', () => {
  const files = ['.', 'pages'].flatMap((d) => readdirSync(new URL(d + '/', here)).filter((f) => f.endsWith('.js')).map((f) => new URL(d + '/' + f, here)));
  const missing = [];
  for (const f of files) {
    const src = readFileSync(f, 'utf8');
    for (const [, key] of src.matchAll(/\bt\('([\w.]+)'[,)]/g)) if (!(key in en)) missing.push(key);
    for (const [, prefix] of src.matchAll(/\bt\('([\w]+\.)' \+/g)) assert.ok(prefix in enums, `no list of values for ${prefix}`);
  }
  for (const [prefix, values] of Object.entries(enums)) for (const v of values) if (!(prefix + v in en)) missing.push(prefix + v);
  // imojeHealth's messages.
  for (const m of readFileSync(new URL('health.js', here), 'utf8').matchAll(/'(health\.\w+)'/g)) if (!(m[1] in en)) missing.push(m[1]);
  assert.deepEqual(missing, []);
});
