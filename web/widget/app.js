// The booking widget: /b/<slug> books, /b/<slug>/r/<id> is a reservation's own page, /b/<slug>/my-bookings
// lists a customer's bookings through an e-mailed link. It talks to the
// public GraphQL API only (shared/gql.js) and speaks Polish or English (a switch in the header; the
// API answers in the same language through Accept-Language). ?embed=1 (embed.js's iframe) tells the
// host page the widget's height.
import { html, render, useEffect, useMemo, useState } from '../shared/ui.js';
import { Client } from '../shared/gql.js';
import { BUSINESS } from './api.js';
import { Flow } from './flow.js';
import { ReservationPage } from './reservation.js';
import { MyBookingsPage } from './mybookings.js';
import { formats, languages, pickLanguage, saveLanguage } from './i18n.js';

const params = new URLSearchParams(location.search);
const embedded = params.get('embed') === '1' && window.parent !== window;

function route() {
  const m = /^\/b\/([^/]+)(?:\/r\/([0-9a-f-]{36})|\/(my-bookings))?\/?$/.exec(location.pathname);
  return m ? { slug: decodeURIComponent(m[1]), reservation: m[2] || null, myBookings: !!m[3] } : { slug: null };
}

function App() {
  const [lang, setLang] = useState(pickLanguage);
  const [where, setWhere] = useState(route);
  const [data, setData] = useState(null);
  const [error, setError] = useState(null);
  const client = useMemo(() => new Client({ endpoint: '/graphql', language: lang }), []);
  client.language = lang;
  const t = languages[lang];

  const navigate = (path, state = {}) => {
    history.pushState(state, '', path + (embedded ? '?embed=1' : ''));
    setWhere(route());
    if (embedded) parent.postMessage({ type: 'slotpay:top' }, '*');
    window.scrollTo(0, 0);
  };
  // A "my bookings" link opened in a tab already on that page changes only the fragment: the page
  // starts again with the link's token.
  const [visit, setVisit] = useState(0);
  useEffect(() => {
    const onPop = () => setWhere(route());
    const onHash = () => { if (/(?:^#|&)token=/.test(location.hash)) { setWhere(route()); setVisit((v) => v + 1); } };
    addEventListener('popstate', onPop);
    addEventListener('hashchange', onHash);
    return () => { removeEventListener('popstate', onPop); removeEventListener('hashchange', onHash); };
  }, []);

  const load = () => {
    setError(null);
    client.request(BUSINESS, { slug: where.slug }).then(setData, setError);
  };
  useEffect(() => { if (where.slug) load(); }, [where.slug, lang]);
  useEffect(() => {
    document.documentElement.lang = lang;
    document.title = (data?.business?.name ? data.business.name + ' — ' : '') + (lang === 'pl' ? 'Rezerwacja' : 'Booking');
  }, [lang, data]);

  const business = data?.business;
  const f = formats(lang, business?.timeZone || 'Europe/Warsaw');
  const switchTo = (l) => { setLang(l); saveLanguage(l); };

  let body;
  if (!where.slug || error?.code === 'NOT_FOUND') body = html`<p class="notice bad">${t.notFound}</p>`;
  else if (error) body = html`<div class="notice bad" role="alert">${t.networkError} <button type="button" class="link" onClick=${load}>${t.retry}</button></div>`;
  else if (!data) body = html`<p aria-busy="true">${t.loading}</p>`;
  else if (where.reservation) body = html`<${ReservationPage} key=${where.reservation} client=${client} slug=${where.slug} id=${where.reservation} t=${t} f=${f} embedded=${embedded} navigate=${navigate} />`;
  else if (where.myBookings) body = html`<${MyBookingsPage} key=${visit} client=${client} slug=${where.slug} t=${t} f=${f} navigate=${navigate} />`;
  else body = html`<${Flow} client=${client} business=${business} services=${data.publicServices} t=${t} f=${f} navigate=${navigate} initialService=${params.get('service')} />`;

  return html`
    <header class="top">
      <div class="brand">
        ${business?.logoUrl && html`<img src=${business.logoUrl} alt="" class="logo" />`}
        <div>
          <h1 class="business-name">${business?.name || ''}</h1>
          ${business?.city && html`<p class="muted small">${[business.addressLine1, business.city].filter(Boolean).join(', ')}</p>`}
        </div>
      </div>
      <div class="langs" role="group" aria-label=${t.switchLang}>
        ${['pl', 'en'].map((l) => html`<button type="button" class=${'lang' + (l === lang ? ' on' : '')} aria-pressed=${l === lang}
          lang=${l} onClick=${() => switchTo(l)}>${l.toUpperCase()}<span class="visually-hidden"> ${languages[l].langName}</span></button>`)}
      </div>
    </header>
    <main id="main">${body}</main>
    <footer class="muted small">${t.poweredBy}</footer>`;
}

render(html`<${App} />`, document.getElementById('app'));

// Inside embed.js's iframe: tell the host page how tall the widget is, whenever it changes.
if (embedded) {
  document.documentElement.classList.add('embedded');
  const report = () => parent.postMessage({ type: 'slotpay:height', height: document.documentElement.scrollHeight }, '*');
  new ResizeObserver(report).observe(document.body);
  report();
}
