// The staff panel: the shell (sign-in, the business and its switcher, navigation, language) and the
// page the route (router.js) names.
import { html, render, useState, useEffect, useRef } from './lib.js';
import { getSession, onSession, logIn, logOut, setLanguage, onLiveStatus, gql, GraphQLError, fieldsOf } from './api.js';
import { t, lang, setLang, onLang } from './i18n.js';
import { Field, FormErrors, Dialog, newId } from './ui.js';
import { Agenda } from './pages/agenda.js';
import { ReservationPage } from './pages/reservation.js';
import { Requests } from './pages/requests.js';
import { Customers, CustomerPage } from './pages/customers.js';
import { Services } from './pages/services.js';
import { Staff, StaffPage } from './pages/staff.js';
import { PaymentsSetup } from './pages/imoje.js';
import { parseRoute, navigate } from './router.js';

const useRoute = () => {
  const [route, setRoute] = useState(parseRoute(location.hash));
  useEffect(() => {
    const on = () => setRoute(parseRoute(location.hash));
    addEventListener('hashchange', on);
    return () => removeEventListener('hashchange', on);
  }, []);
  return route;
};

function LogIn({ switchTo }) {
  const [email, setEmail] = useState(getSession()?.user?.email || '');
  const [password, setPassword] = useState('');
  const [slug, setSlug] = useState(switchTo || '');
  const [needSlug, setNeedSlug] = useState(!!switchTo);
  const [error, setError] = useState(null);
  const [busy, setBusy] = useState(false);
  const fields = error instanceof GraphQLError ? fieldsOf(error) : {};
  const submit = async (e) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      await logIn(email.trim(), password, needSlug ? slug.trim() : undefined);
    } catch (err) {
      if (fieldsOf(err).tenantSlug) setNeedSlug(true);
      setError(err);
      setBusy(false);
    }
  };
  const general = error && !Object.keys(fields).length;
  return html`<main id="main" class="login" tabindex="-1">
    <form class="card" onSubmit=${submit} novalidate>
      <h1>${t('login.title')}</h1>
      <p class="muted">${t('login.lead')}</p>
      ${general && html`<div class="alert error" role="alert"><p>${error.code === 'UNAUTHENTICATED' ? t('login.wrong') : error.message}</p></div>`}
      <${Field} id="login-email" label=${t('login.email')} errors=${fields.email}>
        ${(a) => html`<input ...${a} type="email" autocomplete="username" required value=${email} onInput=${(e) => setEmail(e.target.value)} />`}
      <//>
      <${Field} id="login-password" label=${t('login.password')} errors=${fields.password}>
        ${(a) => html`<input ...${a} type="password" autocomplete="current-password" required value=${password} onInput=${(e) => setPassword(e.target.value)} />`}
      <//>
      ${needSlug && html`<${Field} id="login-slug" label=${t('login.slug')} hint=${t('login.slugHint')} errors=${fields.tenantSlug}>
        ${(a) => html`<input ...${a} autocapitalize="none" spellcheck="false" required value=${slug} onInput=${(e) => setSlug(e.target.value)} />`}
      <//>`}
      <button type="submit" class="primary" disabled=${busy}>${busy ? t('login.busy') : t('login.submit')}</button>
    </form>
    <${LangSwitch} />
  </main>`;
}

function LangSwitch() {
  return html`<div class="lang" role="group" aria-label=${t('app.language')}>
    ${['pl', 'en'].map((l) => html`<button type="button" lang=${l} aria-pressed=${lang() === l ? 'true' : 'false'} onClick=${() => setLang(l)}>${l === 'pl' ? 'Polski' : 'English'}</button>`)}
  </div>`;
}

/** Switching business signs in again: a session belongs to one business, and logIn proves the password. */
function SwitchBusiness({ slug, onClose }) {
  const s = getSession();
  const [password, setPassword] = useState('');
  const [error, setError] = useState(null);
  const id = useRef(newId('sw')).current;
  const submit = async (e) => {
    e.preventDefault();
    try {
      await logIn(s.user.email, password, slug);
      onClose();
      navigate('agenda');
    } catch (err) {
      setError(err);
    }
  };
  return html`<${Dialog} title=${t('switch.title', { slug })} onClose=${onClose}>
    <form onSubmit=${submit}>
      <p>${t('switch.lead', { email: s.user.email })}</p>
      <${FormErrors} error=${error} />
      <${Field} id=${id} label=${t('login.password')}>
        ${(a) => html`<input ...${a} type="password" autocomplete="current-password" required value=${password} onInput=${(e) => setPassword(e.target.value)} />`}
      <//>
      <div class="actions"><button type="submit" class="primary">${t('switch.submit')}</button>
        <button type="button" onClick=${onClose}>${t('common.cancel')}</button></div>
    </form>
  <//>`;
}

function Header({ me, route }) {
  const s = getSession();
  const [live, setLive] = useState(null);
  const [switching, setSwitching] = useState(null);
  useEffect(() => onLiveStatus(setLive), []);
  const admin = s.role === 'OWNER' || s.role === 'ADMIN';
  const links = [
    ['agenda', t('nav.agenda')],
    ['requests', t('nav.requests')],
    ['customers', t('nav.customers')],
    ['services', t('nav.services')],
    ['staff', t('nav.staff')],
    ...(admin ? [['payments', t('nav.payments')]] : []),
  ];
  const others = (me?.memberships || []).filter((m) => m.tenantId !== s.tenant.id);
  return html`<header class="top">
    <div class="brand">
      <span class="business">${s.tenant.name}</span>
      ${others.length > 0 && html`<label class="switcher"><span class="sr-only">${t('switch.label')}</span>
        <select onChange=${(e) => { if (e.target.value) setSwitching(e.target.value); e.target.value = ''; }}>
          <option value="">${t('switch.label')}</option>
          ${others.map((m) => html`<option value=${m.tenantSlug}>${m.tenantSlug} (${t('role.' + m.role)})</option>`)}
        </select></label>`}
    </div>
    <nav aria-label=${t('nav.label')}>
      <ul>${links.map(([p, label]) => html`<li><a href=${'#/' + p} aria-current=${route.page === p || (p === 'agenda' && route.page === 'reservations') ? 'page' : undefined}>${label}</a></li>`)}</ul>
    </nav>
    <div class="tools">
      ${live !== null && html`<span class=${'live ' + (live ? 'on' : 'off')} role="status">${live ? t('app.liveOn') : t('app.liveOff')}</span>`}
      <${LangSwitch} />
      <span class="who">${s.user.name} · ${t('role.' + s.role)}</span>
      <button type="button" onClick=${() => logOut()}>${t('app.logOut')}</button>
    </div>
    ${switching && html`<${SwitchBusiness} slug=${switching} onClose=${() => setSwitching(null)} />`}
  </header>`;
}

function Page({ route }) {
  switch (route.page) {
    case 'agenda':
      return html`<${Agenda} params=${route.params} />`;
    case 'reservations':
      return html`<${ReservationPage} id=${route.id} />`;
    case 'requests':
      return html`<${Requests} />`;
    case 'customers':
      return route.id ? html`<${CustomerPage} id=${route.id} />` : html`<${Customers} params=${route.params} />`;
    case 'services':
      return html`<${Services} />`;
    case 'staff':
      return route.id ? html`<${StaffPage} id=${route.id} />` : html`<${Staff} />`;
    case 'payments':
      return html`<${PaymentsSetup} />`;
  }
  return html`<h1>${t('app.notFound')}</h1>`;
}

function App() {
  const [session, setSession] = useState(getSession());
  const [, setLangTick] = useState(0);
  const route = useRoute();
  const [me, setMe] = useState(null);
  useEffect(() => onSession((s) => setSession(s)), []);
  useEffect(() => onLang(() => setLangTick((n) => n + 1)), []);
  const tenantId = session?.tenant?.id;
  useEffect(() => {
    setMe(null);
    if (!tenantId) return;
    gql(`query PanelMe { me { role user { id name } memberships { tenantId tenantSlug role } } }`)
      .then((d) => setMe(d.me))
      .catch(() => {});
  }, [tenantId]);
  // A new page takes the focus to its heading, as a page load would.
  const mainRef = useRef();
  useEffect(() => {
    const h1 = mainRef.current?.querySelector('h1');
    if (h1) {
      h1.tabIndex = -1;
      h1.focus();
    }
  }, [route.page, route.id]);
  useEffect(() => {
    document.title = (session ? session.tenant.name + ' · ' : '') + t('app.title');
  });
  if (!session) return html`<${LogIn} />`;
  return html`<div class="shell">
    <a class="skip" href="#main" onClick=${(e) => { e.preventDefault(); mainRef.current.focus(); }}>${t('app.skip')}</a>
    <${Header} me=${me} route=${route} />
    <main id="main" ref=${mainRef} tabindex="-1"><${Page} route=${route} key=${tenantId} /></main>
  </div>`;
}

setLanguage(lang());
onLang((l) => setLanguage(l));
const root = document.getElementById('app');
root.textContent = ''; // the page's placeholder
render(html`<${App} />`, root);
