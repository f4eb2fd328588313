import { html, render } from '../shared/ui.js';
render(html`<main><h1>…</h1></main>`, document.getElementById('app'));
