// The panel's texts in Polish and English. The language is the member's choice (kept in
// localStorage), else the browser's, else Polish; it is also sent as Accept-Language so the
// server's error messages come in the same language. A text with {n} may have plural forms
// (Intl.PluralRules: one, few, many, other).
import { dict as pl } from './i18n.pl.js';
import { dict as en } from './i18n.en.js';

const dicts = { pl, en };
const KEY = 'slotpay.panel.lang';
let current = initial();
const listeners = new Set();

function initial() {
  const saved = localStorage.getItem(KEY);
  if (saved === 'pl' || saved === 'en') return saved;
  return (navigator.language || 'pl').toLowerCase().startsWith('en') ? 'en' : 'pl';
}

export const lang = () => current;
export function setLang(l) {
  current = l;
  localStorage.setItem(KEY, l);
  document.documentElement.lang = l;
  for (const f of listeners) f(l);
}
export function onLang(f) {
  listeners.add(f);
  return () => listeners.delete(f);
}
document.documentElement.lang = current;

/** Whether key has a text (in the current language or English). */
export const has = (key) => key in dicts[current] || key in en;

export function t(key, params = {}) {
  let text = dicts[current][key] ?? en[key];
  if (text === undefined) return key;
  if (typeof text === 'object') {
    const form = new Intl.PluralRules(current).select(params.n ?? 0);
    text = text[form] ?? text.other;
  }
  return text.replace(/\{(\w+)\}/g, (m, k) => (params[k] ?? m));
}
