/**
 * The page-view script a single-page app loads from the front door (`{prefix}spa.<version>.js`). It
 * reports client-side navigations to `{prefix}view` next to its own URL: `history.pushState` and
 * `replaceState` when they change the path, and `popstate`. It sends nothing for the document load,
 * which the front door counted already (`data-load` asks it to, for pages the front door does not
 * serve), and nothing at all when the browser sends a privacy signal (GPC or DNT).
 *
 * Attributes on its script tag: `data-load` (count the document load too), `data-manual` (no history
 * hooks: the site calls `visitorGate.view()`), `data-endpoint` (another beacon URL). The global
 * `visitorGate.view(path?)` sends one view of `path` (default: the current path and query).
 *
 * Hand-written and kept small (a test holds it under 1 KB gzipped); it is plain ES2017, no build step.
 * The claim's format (`p`, `r`) is read by beacon-claim.ts.
 */
import { createHash } from 'node:crypto';
import { BEACON_ENDPOINT, BEACON_SCRIPT_STEM } from '../contract/reserved-paths';

export const BEACON_SCRIPT = `/* visitor-gate page views: docs/single-page-apps.md */
(function (w, d, n, h, l) {
  var s = d.currentScript, a = function (k) { return s && s.hasAttribute('data-' + k) ? s.getAttribute('data-' + k) : null; },
    off = n.globalPrivacyControl === true || n.doNotTrack === '1',
    url = a('endpoint') || (s ? s.src.replace(/[^/]*$/, '') : '/') + '${BEACON_ENDPOINT}',
    last = l.pathname, ref = d.referrer;
  function view(p) {
    if (off) return;
    var b = 'p=' + encodeURIComponent(p || l.pathname + l.search) + '&r=' + encodeURIComponent(ref || '');
    last = l.pathname; ref = l.href;
    if (!(n.sendBeacon && n.sendBeacon(url, b))) fetch(url, { method: 'POST', body: b, keepalive: true, credentials: 'include' }).catch(function () {});
  }
  function changed() { if (l.pathname !== last) view(); }
  w.visitorGate = { view: view };
  if (off) return;
  if (a('manual') === null) {
    ['pushState', 'replaceState'].forEach(function (m) {
      var f = h[m];
      h[m] = function () { var r = f.apply(this, arguments); changed(); return r; };
    });
    w.addEventListener('popstate', changed);
  }
  if (a('load') !== null) view(); else ref = l.href;
})(window, document, navigator, history, location);
`;

let fileName: string | undefined;

/** `spa.<first 10 hex of the script's SHA-256>.js`: a new script is a new URL, so the old one can be cached forever. */
export function beaconScriptFileName(): string {
  fileName ??= `${BEACON_SCRIPT_STEM}.${createHash('sha256').update(BEACON_SCRIPT).digest('hex').slice(0, 10)}.js`;
  return fileName;
}
