/**
 * A tiny site to put behind the local front door when no ORIGIN_URL is given: a few linked pages, a
 * static asset, an API endpoint, a redirect and a page that shows the identity the origin received.
 * Each page also loads what real sites load outside the skip paths, to show what counts as a page view
 * (docs/formats.md#what-counts-as-a-page-view): scripts (`/assets/app.js`, a Next.js-style
 * `/_next/static/chunks/main.js`), data fetched by script (`/data.json`, and `/data` without an
 * extension), and the home page an iframe (`/widget`) and a `<link rel="prefetch">` of `/about`.
 * Every response says which identity headers it got (`x-demo-received-*`), so tests can see what the
 * front door passed on without parsing HTML.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { NO_VALUE } from '../lambdas/contract/gateway-context';
import { DEFAULT_RESERVED_PREFIX } from '../lambdas/contract/reserved-paths';
import { beaconScriptFileName } from '../lambdas/identity/beacon-script';
import { IDENTITY_HEADERS, type IdentityHeader } from '../lib/identity-headers';

export interface DemoOrigin {
  url: string;
  port: number;
  server: Server;
}

const PAGES: Record<string, { title: string; text: string }> = {
  '/': { title: 'Home', text: 'Welcome to the visitor-gate demo site.' },
  '/products': { title: 'Products', text: 'Things we pretend to sell.' },
  '/pricing': { title: 'Pricing', text: 'Everything is free in the demo.' },
  '/about': { title: 'About', text: 'A small site that shows what the front door passes to an origin.' },
};

const NAV_LINKS: Array<[string, string]> = [
  ['/', 'Home'],
  ['/products', 'Products'],
  ['/pricing', 'Pricing'],
  ['/about', 'About'],
  ['/whoami', 'Who am I?'],
  ['/spa', 'Single-page app'],
];

/** Fills the page's data lines from two fetch() calls: one to a `.json` path, one to a path without an extension. */
const APP_SCRIPT = `for (const [id, url] of [['data', '/data.json'], ['live', '/data']]) {
  fetch(url).then((response) => response.json()).then((data) => { document.getElementById(id).textContent = data.message; });
}
`;
const CHUNK_SCRIPT = 'document.documentElement.dataset.chunk = "main";\n';
const SCRIPT_HEADERS = { 'cache-control': 'no-store' };

/** The single-page section's client-side routes (served as one document at any of them). */
export const SPA_ROUTES = ['/spa', '/spa/one', '/spa/two', '/spa/three', '/spa/four'] as const;

/**
 * The single-page section: one document; links change the path with `history.pushState`, "Replace"
 * moves to /spa/four with `replaceState`, "Filter" only changes the query (same path: not a new view).
 * The beacon script reports each path change to the front door.
 */
function spaBody(scriptUrl: string): string {
  const links = SPA_ROUTES.map((route) => `<a href="${route}" data-spa id="spa-${route.split('/').pop()}">${route}</a>`).join(' ');
  return `<p>${links}</p><p><button id="spa-replace">Replace with /spa/four</button> <button id="spa-filter">Filter (query only)</button></p>
<p>Client-side route: <code id="spa-route"></code></p>
<script src="${escapeHtml(scriptUrl)}"></script>
<script>
(function () {
  function render() { document.getElementById('spa-route').textContent = location.pathname + location.search; }
  document.addEventListener('click', function (event) {
    var link = event.target.closest('a[data-spa]');
    if (!link) return;
    event.preventDefault();
    history.pushState(null, '', link.getAttribute('href'));
    render();
  });
  document.getElementById('spa-replace').onclick = function () { history.replaceState(null, '', '/spa/four'); render(); };
  document.getElementById('spa-filter').onclick = function () { history.replaceState(null, '', location.pathname + '?tab=2'); render(); };
  window.addEventListener('popstate', render);
  render();
})();
</script>`;
}

const STYLESHEET = 'body{font-family:system-ui,sans-serif;max-width:40rem;margin:2rem auto;padding:0 1rem}' +
  'nav a{margin-right:1rem}code{background:#eee;padding:0 .25rem}\n';

function escapeHtml(value: string): string {
  return value.replace(/[&<>"']/g, (char) => `&#${char.charCodeAt(0)};`);
}

function header(req: IncomingMessage, name: string): string {
  const value = req.headers[name];
  return Array.isArray(value) ? value.join(',') : (value ?? '');
}

/** The gateway sends `-` when the authorizer has no value (no identifier, anonymous user). */
function shown(value: string): string {
  return value === '' || value === NO_VALUE ? '(none)' : value;
}

/** The identity headers the front door set, by context key (deviceId, sessionId, userId). */
function receivedIdentity(req: IncomingMessage): Record<(typeof IDENTITY_HEADERS)[IdentityHeader], string> {
  const entries = (Object.entries(IDENTITY_HEADERS) as Array<[IdentityHeader, (typeof IDENTITY_HEADERS)[IdentityHeader]]>).map(([name, key]) => [key, header(req, name)]);
  return Object.fromEntries(entries) as Record<(typeof IDENTITY_HEADERS)[IdentityHeader], string>;
}

/** Home only: what a page may ask the browser to fetch besides its own assets. */
const HOME_EXTRAS = { head: '<link rel="prefetch" href="/about">', body: '<iframe id="widget" src="/widget" title="Widget" width="300" height="60"></iframe>' };

function page(req: IncomingMessage, title: string, body: string, extras = { head: '', body: '' }): string {
  const nav = NAV_LINKS.map(([href, label]) => `<a href="${href}" id="nav-${label.toLowerCase().replace(/\W+/g, '')}">${label}</a>`).join('');
  const { deviceId } = receivedIdentity(req);
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(title)} - visitor-gate demo</title>
<link rel="stylesheet" href="/static/site.css">${extras.head}
<script src="/assets/app.js" defer></script><script src="/_next/static/chunks/main.js" defer></script></head>
<body><nav>${nav}</nav><h1>${escapeHtml(title)}</h1>${body}${extras.body}
<p>Fetched by script: <span id="data"></span> <span id="live"></span></p>
<footer><p>Device id received by the origin: <code id="device-id">${escapeHtml(shown(deviceId))}</code></p></footer>
</body></html>
`;
}

function send(res: ServerResponse, status: number, contentType: string, body: string, extra: Record<string, string> = {}) {
  res.writeHead(status, { 'content-type': contentType, 'content-length': Buffer.byteLength(body), ...extra });
  res.end(body);
}

function handle(req: IncomingMessage, res: ServerResponse, scriptUrl: string): void {
  const url = new URL(req.url ?? '/', 'http://origin.local');
  const identity = receivedIdentity(req);
  res.setHeader('x-demo-received-device-id', identity.deviceId);
  res.setHeader('x-demo-received-session-id', identity.sessionId);
  res.setHeader('x-demo-received-user-id', identity.userId);

  const known = PAGES[url.pathname];
  if (known) {
    send(res, 200, 'text/html; charset=utf-8', page(req, known.title, `<p>${escapeHtml(known.text)}</p>`, url.pathname === '/' ? HOME_EXTRAS : undefined));
    return;
  }
  if ((SPA_ROUTES as readonly string[]).includes(url.pathname)) {
    send(res, 200, 'text/html; charset=utf-8', page(req, 'Single-page app', spaBody(scriptUrl)));
    return;
  }
  switch (url.pathname) {
    case '/whoami': {
      const rows = Object.entries(identity)
        .map(([key, value]) => `<tr><th>${key}</th><td><code id="${key}">${escapeHtml(shown(value))}</code></td></tr>`)
        .join('');
      send(res, 200, 'text/html; charset=utf-8', page(req, 'Who am I?', `<table>${rows}</table>`));
      return;
    }
    case '/assets/app.js':
      send(res, 200, 'text/javascript; charset=utf-8', APP_SCRIPT, SCRIPT_HEADERS);
      return;
    case '/_next/static/chunks/main.js':
      send(res, 200, 'text/javascript; charset=utf-8', CHUNK_SCRIPT, SCRIPT_HEADERS);
      return;
    case '/data.json':
    case '/data':
      send(res, 200, 'application/json', JSON.stringify({ message: `loaded ${url.pathname}` }), SCRIPT_HEADERS);
      return;
    case '/widget':
      send(res, 200, 'text/html; charset=utf-8', '<!doctype html><html lang="en"><body><p>An embedded widget.</p></body></html>\n');
      return;
    case '/static/site.css':
      send(res, 200, 'text/css; charset=utf-8', STYLESHEET, { 'cache-control': 'public, max-age=3600' });
      return;
    case '/api/whoami': {
      // Echoes what the origin got, including the forwarding headers the front door adds.
      const forwarded = {
        forwardedFor: header(req, 'x-forwarded-for'),
        forwardedProto: header(req, 'x-forwarded-proto'),
        forwardedHost: header(req, 'x-forwarded-host'),
        forwarded: header(req, 'forwarded'),
        via: header(req, 'via'),
        host: header(req, 'host'),
      };
      send(res, 200, 'application/json', JSON.stringify({ ...identity, ...forwarded, method: req.method }));
      return;
    }
    case '/teapot':
      // A status the stack's response mapping does not list: no Set-Cookie, deployed or local.
      send(res, 418, 'text/plain', "I'm a teapot");
      return;
    case '/go-home':
      send(res, 302, 'text/plain', 'Found', { location: '/' });
      return;
    case '/api/echo': {
      // Streams the request body back, to show bodies pass through unchanged.
      res.writeHead(200, { 'content-type': header(req, 'content-type') || 'application/octet-stream' });
      req.pipe(res);
      return;
    }
    default:
      send(res, 404, 'text/html; charset=utf-8', page(req, 'Not found', `<p>No page at ${escapeHtml(url.pathname)}.</p>`));
  }
}

/** `reservedPrefix`: where the front door serves the beacon script (contract/reserved-paths.ts). */
export async function startDemoOrigin(port: number, reservedPrefix: string = DEFAULT_RESERVED_PREFIX): Promise<DemoOrigin> {
  const scriptUrl = `${reservedPrefix}${beaconScriptFileName()}`;
  const server = createServer((req, res) => handle(req, res, scriptUrl));
  await new Promise<void>((resolveListen, rejectListen) => {
    server.once('error', rejectListen);
    server.listen(port, '127.0.0.1', () => {
      server.off('error', rejectListen);
      resolveListen();
    });
  });
  const actualPort = (server.address() as AddressInfo).port;
  return { url: `http://127.0.0.1:${actualPort}`, port: actualPort, server };
}
