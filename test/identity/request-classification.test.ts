import { describe, expect, it } from 'vitest';
import { DOCUMENT_NAVIGATION_HEADERS } from '../../harness/browser-requests';
import { REASON_CODES } from '../../lambdas/contract/gateway-context';
import { DEFAULT_STATIC_FILE_EXTENSIONS } from '../../lambdas/contract/function-settings';
import { classifyRequest, type ClassifiableRequest, type ClassificationSettings } from '../../lambdas/identity/request-classification';

const SETTINGS: ClassificationSettings = {
  skipPrefixes: ['/static/', '/media/', '/health/', '/favicon.ico', '/robots.txt'],
  untrackedPrefixes: ['/api/'],
  staticFileExtensions: new Set(DEFAULT_STATIC_FILE_EXTENSIONS),
  honorPrivacySignals: true,
  isBot: (userAgent) => userAgent === 'bot',
};

const NAVIGATION = {
  accept: DOCUMENT_NAVIGATION_HEADERS.accept,
  secFetchDest: 'document',
  secFetchMode: 'navigate',
} satisfies Partial<ClassifiableRequest>;

/** A browser's navigation to /pricing, with `overrides`. */
function request(overrides: Partial<ClassifiableRequest> = {}): ClassifiableRequest {
  return { method: 'GET', path: '/pricing', userAgent: 'browser', ...NAVIGATION, ...overrides };
}

/** The same without fetch metadata (Safari before 16.4, older browsers, proxies that drop it). */
function withoutFetchMetadata(overrides: Partial<ClassifiableRequest> = {}): ClassifiableRequest {
  return request({ secFetchDest: undefined, secFetchMode: undefined, ...overrides });
}

const reasonOf = (overrides: Partial<ClassifiableRequest>) => classifyRequest(request(overrides), SETTINGS).reason;

describe('classifyRequest', () => {
  it('tracks GET page views', () => {
    expect(classifyRequest(request(), SETTINGS)).toEqual({ kind: 'track', reason: 'tracked' });
  });

  it.each(['/static/app.js', '/media/a.png', '/health/live', '/favicon.ico', '/robots.txt'])('skips %s without asking about bots', (path) => {
    const isBot = () => {
      throw new Error('must not be called for skip paths');
    };
    expect(classifyRequest(request({ path }), { ...SETTINGS, isBot })).toEqual({ kind: 'skip', reason: 'skip_path' });
  });

  it('reads skip entries as the routes do: greedy under a trailing slash (at least one more character), else exact', () => {
    for (const path of ['/favicon.ico.html', '/favicon.ico/', '/robots.txt2', '/static/', '/health/', '/statics/x']) {
      expect(classifyRequest(request({ path }), SETTINGS).reason, path).toBe('tracked');
    }
  });

  it('identifies but does not track untracked prefixes and non-GET methods', () => {
    expect(classifyRequest(request({ path: '/api/cart' }), SETTINGS)).toEqual({ kind: 'identify', reason: 'untracked_path' });
    expect(classifyRequest(request({ method: 'POST' }), SETTINGS)).toEqual({ kind: 'identify', reason: 'not_page_view' });
    expect(classifyRequest(request({ method: 'HEAD' }), SETTINGS)).toEqual({ kind: 'identify', reason: 'not_page_view' });
  });

  it('refuses bots', () => {
    expect(classifyRequest(request({ userAgent: 'bot' }), SETTINGS)).toEqual({ kind: 'refuse', reason: 'bot' });
  });

  it('honours Sec-GPC: 1 and DNT: 1 before anything but skip paths', () => {
    expect(classifyRequest(request({ secGpc: '1' }), SETTINGS)).toEqual({ kind: 'refuse', reason: 'privacy_signal' });
    expect(classifyRequest(request({ dnt: '1', path: '/api/x', userAgent: 'bot' }), SETTINGS)).toEqual({ kind: 'refuse', reason: 'privacy_signal' });
    expect(classifyRequest(request({ dnt: '0', secGpc: '0' }), SETTINGS).reason).toBe('tracked');
  });

  it('can be told to ignore privacy signals', () => {
    expect(classifyRequest(request({ secGpc: '1' }), { ...SETTINGS, honorPrivacySignals: false }).reason).toBe('tracked');
  });

  it('identifies but does not count a GET that is not a top-level document navigation, by fetch metadata', () => {
    expect(classifyRequest(request({ secFetchDest: 'empty', secFetchMode: 'cors' }), SETTINGS)).toEqual({ kind: 'identify', reason: 'not_document' });
    // iframes, frames, embeds: documents inside another page, not a navigation of the visitor's own.
    for (const dest of ['iframe', 'frame', 'embed', 'object', 'script', 'style', 'image', 'font', 'worker', 'empty', 'report', '']) {
      expect(reasonOf({ secFetchDest: dest }), dest).toBe('not_document');
    }
    // `document` only with `navigate`, and a partial set is not a browser's navigation.
    for (const mode of ['cors', 'no-cors', 'same-origin', 'websocket', '']) expect(reasonOf({ secFetchMode: mode }), mode).toBe('not_document');
    expect(reasonOf({ secFetchMode: undefined })).toBe('not_document');
    expect(reasonOf({ secFetchDest: undefined })).toBe('not_document');
    // Node's fetch() sends `Sec-Fetch-Mode: cors` and no destination: not a navigation, whatever it accepts.
    expect(reasonOf({ secFetchDest: undefined, secFetchMode: 'cors', accept: 'text/html' })).toBe('not_document');
    // Fetch metadata decides over Accept, both ways.
    expect(reasonOf({ accept: '*/*' })).toBe('tracked');
    expect(reasonOf({ accept: undefined })).toBe('tracked');
    expect(reasonOf({ secFetchDest: ' Document ', secFetchMode: 'NAVIGATE' })).toBe('tracked');
  });

  it('falls back to Accept without fetch metadata: text/html (not at q=0) is a navigation', () => {
    expect(classifyRequest(withoutFetchMetadata(), SETTINGS)).toEqual({ kind: 'track', reason: 'tracked' });
    for (const accept of ['text/html', 'TEXT/HTML', 'application/xhtml+xml, text/html;q=0.9', 'text/html ; level=1', '*/*, text/html;q=0.1']) {
      expect(classifyRequest(withoutFetchMetadata({ accept }), SETTINGS).reason, accept).toBe('tracked');
    }
    for (const accept of [undefined, '', '*/*', 'application/json', 'text/*', 'text/htmlx', 'text/html;q=0', 'text/html; q=0.000', 'image/avif,image/webp,*/*']) {
      expect(classifyRequest(withoutFetchMetadata({ accept }), SETTINGS), String(accept)).toEqual({ kind: 'identify', reason: 'not_document' });
    }
  });

  it('identifies but does not count a static file, with or without fetch metadata, before any header rule', () => {
    for (const path of ['/assets/app.js', '/_next/static/chunks/main.js', '/data.json', '/feed.xml', '/app.js.map', '/img/Logo.PNG', '/fonts/a.woff2', '/v/clip.mp4', '/site.webmanifest']) {
      expect(classifyRequest(request({ path }), SETTINGS), path).toEqual({ kind: 'identify', reason: 'static_file' });
      expect(classifyRequest(withoutFetchMetadata({ path }), SETTINGS).reason, path).toBe('static_file');
      expect(classifyRequest(request({ path, secPurpose: 'prefetch', secFetchDest: 'script' }), SETTINGS).reason, path).toBe('static_file');
    }
  });

  it('reads only the last segment\'s extension, from the configured list', () => {
    for (const path of ['/report.html', '/index.php', '/v1.2/pricing', '/assets.js/', '/.env', '/js', '/posts/a.b-very-long-slug-text', '/archive.']) {
      expect(reasonOf({ path }), path).toBe('tracked');
    }
    const custom = { ...SETTINGS, staticFileExtensions: new Set(['pdf']) };
    expect(classifyRequest(request({ path: '/files/terms.PDF' }), custom).reason).toBe('static_file');
    expect(classifyRequest(request({ path: '/assets/app.js' }), custom).reason).toBe('tracked');
    expect(classifyRequest(request({ path: '/assets/app.js' }), { ...SETTINGS, staticFileExtensions: new Set() }).reason).toBe('tracked');
  });

  it('identifies but does not count prefetches and prerenders', () => {
    for (const headers of [
      { secPurpose: 'prefetch' },
      { secPurpose: 'prefetch;prerender' },
      { secPurpose: 'Prefetch; anonymous-client-ip' },
      { purpose: 'prefetch' },
      { xMoz: 'prefetch' },
      // <link rel=prefetch>: fetched with destination `empty`, and still reported as a prefetch.
      { secPurpose: 'prefetch', secFetchDest: 'empty', secFetchMode: 'no-cors' },
      { purpose: 'PREFETCH', secFetchDest: undefined, secFetchMode: undefined },
    ] satisfies Partial<ClassifiableRequest>[]) {
      expect(classifyRequest(request(headers), SETTINGS), JSON.stringify(headers)).toEqual({ kind: 'identify', reason: 'prefetch' });
    }
    for (const headers of [{ secPurpose: 'prefetcher' }, { purpose: 'preview' }, { xMoz: 'prefetch-not' }, { secPurpose: '' }]) {
      expect(reasonOf(headers), JSON.stringify(headers)).toBe('tracked');
    }
  });

  it('counts no HEAD, POST or other method, even as a document navigation', () => {
    for (const method of ['HEAD', 'POST', 'PUT', 'OPTIONS', 'get']) expect(reasonOf({ method }), method).toBe('not_page_view');
  });

  it('reads hostile headers in bounded prefixes and never throws', () => {
    const long = 'x'.repeat(100_000);
    expect(reasonOf({ secFetchDest: `document${long}` })).toBe('not_document');
    expect(reasonOf({ secPurpose: `${long},prefetch` })).toBe('tracked');
    expect(classifyRequest(withoutFetchMetadata({ accept: `${long},text/html` }), SETTINGS).reason).toBe('not_document');
    expect(classifyRequest(withoutFetchMetadata({ accept: `text/html,${long}` }), SETTINGS).reason).toBe('tracked');
    expect(reasonOf({ path: `/${long}.js` })).toBe('static_file');
    expect(reasonOf({ path: `/a.${long}` })).toBe('tracked');
    for (const odd of [';;;', ',,,', 'q=0', '\u0000', 'text/html;q=', 'text/html;q=abc', 'prefetch\r\n']) {
      expect(() => classifyRequest(request({ accept: odd, secPurpose: odd, purpose: odd, xMoz: odd, secFetchDest: odd, secFetchMode: odd }), SETTINGS)).not.toThrow();
    }
  });

  it('gives every reason code but the identity ones (authenticated, decided later) and consent (consent.ts) from these rules', () => {
    const seen = new Set([
      reasonOf({}),
      reasonOf({ path: '/static/a' }),
      reasonOf({ secGpc: '1' }),
      reasonOf({ userAgent: 'bot' }),
      reasonOf({ path: '/api/x' }),
      reasonOf({ method: 'POST' }),
      reasonOf({ path: '/a.css' }),
      reasonOf({ secPurpose: 'prefetch' }),
      reasonOf({ secFetchDest: 'iframe' }),
    ]);
    expect([...seen].sort()).toEqual(REASON_CODES.filter((reason) => reason !== 'authenticated' && reason !== 'no_consent').sort());
  });

  it('matches prefixes exactly as configured (case-sensitive, from the start)', () => {
    expect(classifyRequest(request({ path: '/STATIC/x' }), SETTINGS).reason).toBe('tracked');
    expect(classifyRequest(request({ path: '/x/static/y' }), SETTINGS).reason).toBe('tracked');
  });
});
