// slotpay booking widget loader: one tag on a business's own page mounts the widget in an iframe
// served by slotpay (its own origin, styles and Content-Security-Policy, so the host page's CSS and
// scripts cannot break it, and it needs no CORS or WebSocket origin set up for the host site).
//
//   <script src="https://slotpay.example/b/embed.js" data-business="your-slug" async></script>
//
// Optional attributes: data-lang="pl|en" (else the visitor's browser language), data-service="<id>"
// (open on one service), data-target="#css-selector" (mount there instead of after the tag),
// data-title (the frame's accessible name). The frame grows to its content's height.
(function () {
  var me = document.currentScript;
  if (!me || !me.src) return;
  var slug = me.getAttribute('data-business');
  if (!slug) { console.error('slotpay embed.js: data-business="<slug>" is missing'); return; }
  var origin = new URL(me.src).origin;
  var params = new URLSearchParams({ embed: '1' });
  if (me.getAttribute('data-lang')) params.set('lang', me.getAttribute('data-lang'));
  if (me.getAttribute('data-service')) params.set('service', me.getAttribute('data-service'));
  var frame = document.createElement('iframe');
  frame.src = origin + '/b/' + encodeURIComponent(slug) + '?' + params.toString();
  frame.title = me.getAttribute('data-title') || 'Rezerwacja / Booking';
  frame.setAttribute('data-slotpay-widget', slug);
  // CSSOM, not a style attribute: allowed under the host page's own Content-Security-Policy.
  frame.style.width = '100%';
  frame.style.maxWidth = '100%';
  frame.style.border = '0';
  frame.style.display = 'block';
  frame.style.height = '560px';
  frame.style.colorScheme = 'normal';
  var target = me.getAttribute('data-target') && document.querySelector(me.getAttribute('data-target'));
  if (target) target.appendChild(frame);
  else me.parentNode.insertBefore(frame, me.nextSibling);
  window.addEventListener('message', function (e) {
    if (e.source !== frame.contentWindow || e.origin !== origin || !e.data) return;
    if (e.data.type === 'slotpay:height' && e.data.height > 0) frame.style.height = Math.ceil(e.data.height) + 'px';
    if (e.data.type === 'slotpay:top') frame.scrollIntoView({ block: 'start', behavior: 'smooth' });
  });
})();
