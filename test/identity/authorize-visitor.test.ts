/**
 * The authorizer's use case without a handler: what each kind of request decides (context, cookie,
 * message, counters), with a fixed clock and id sources.
 */
import { describe, expect, it } from 'vitest';
import { NO_VALUE } from '../../lambdas/contract/gateway-context';
import { decideBeforeIdentity, decideVisitor, type AuthorizeSettings, type VisitorDecision } from '../../lambdas/identity/authorize-visitor';
import { CONSENT_OFF, hasConsent } from '../../lambdas/identity/consent';
import { createSetCookieBuilder } from '../../lambdas/identity/cookie-attributes';
import { cookielessViewV1Schema } from '../../lambdas/contract/page-view-message';
import type { RequestFacts } from '../../lambdas/identity/request-facts';
import { createUserAgentProfiler } from '../../lambdas/identity/user-agent-profile';
import { RING_K1, sequentialIds } from './test-keys';

const CHROME = 'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36';
const profileUserAgent = createUserAgentProfiler();
const SETTINGS: AuthorizeSettings = {
  classification: {
    skipPrefixes: ['/static/'],
    untrackedPrefixes: ['/api/'],
    staticFileExtensions: new Set(['js']),
    honorPrivacySignals: true,
    isBot: (ua) => profileUserAgent(ua).isBot,
  },
  identity: { keyRing: RING_K1, maxAgeSeconds: 3_600, renewal: 'sliding', session: { timeoutSeconds: 1800, maxSeconds: 86_400 } },
  cookieName: 'vg',
  cookies: createSetCookieBuilder({ name: 'vg', domain: undefined }),
  profileUserAgent,
  consent: CONSENT_OFF,
};
const now = Date.now();

function request(overrides: Partial<RequestFacts> = {}): RequestFacts {
  return {
    method: 'GET',
    path: '/pricing',
    utm: undefined,
    userAgent: CHROME,
    secGpc: undefined,
    dnt: undefined,
    authorization: undefined,
    referer: undefined,
    secFetchDest: 'document',
    secFetchMode: 'navigate',
    cookieSources: [],
    requestId: 'r-1',
    ...overrides,
  };
}

function decide(facts: RequestFacts, options: { userId?: string; at?: number; settings?: AuthorizeSettings } = {}): VisitorDecision {
  const settings = options.settings ?? SETTINGS;
  const early = decideBeforeIdentity(facts, settings, { message: sequentialIds(3_000) }, () => options.at ?? now);
  if ('context' in early) return early;
  const ids = { device: sequentialIds(1), session: sequentialIds(1_000), message: sequentialIds(2_000) };
  return decideVisitor(facts, early.resolve, options.userId, options.at ?? now, settings, ids);
}

const cookieOf = (decision: VisitorDecision) => decision.context.setCookie.slice(0, decision.context.setCookie.indexOf(';'));

describe('the authorizer use case', () => {
  it('skips a skip path without touching the cookie, and refuses a privacy signal by deleting it', () => {
    const skipped = decide(request({ path: '/static/app.js', cookieSources: ['vg=whatever'] }));
    expect(skipped).toMatchObject({ principalId: 'anonymous', counters: [], skippedReason: 'skip_path', context: { deviceId: NO_VALUE, setCookie: SETTINGS.cookies.noChange } });
    expect(skipped.message).toBeUndefined();

    const refused = decide(request({ secGpc: '1' }));
    expect(refused).toMatchObject({ counters: [], skippedReason: 'privacy_signal', context: { tracked: false, setCookie: SETTINGS.cookies.deletion } });
    expect(decide(request({ userAgent: 'Googlebot/2.1 (+http://www.google.com/bot.html)' })).skippedReason).toBe('bot');
  });

  it('mints a device for a new visitor, counts the view and builds its message', () => {
    const first = decide(request({ referer: 'https://news.example.org/item?id=1' }));
    expect(first.counters).toEqual(['NewDevices', 'NewSessions', 'TrackedPageViews']);
    expect(first.skippedReason).toBeUndefined();
    expect(first.context).toMatchObject({ isNewDevice: true, isNewSession: true, tracked: true, reason: 'tracked', userId: NO_VALUE });
    expect(first.message).toMatchObject({
      type: 'page_view',
      deviceId: first.context.deviceId,
      sessionId: first.context.sessionId,
      sessionStarted: true,
      ts: now,
      path: '/pricing',
      referrer: { origin: 'https://news.example.org', path: '/item' },
      device: { browser: 'chrome', os: 'macos', type: 'desktop' },
    });
    expect(first.principalId).toBe(first.context.deviceId);

    // The same browser a minute later: the same device and session, only the view is counted.
    const again = decide(request({ path: '/docs', cookieSources: [cookieOf(first)] }), { at: now + 60_000 });
    expect(again.counters).toEqual(['TrackedPageViews']);
    expect(again.context).toMatchObject({ deviceId: first.context.deviceId, sessionId: first.context.sessionId, isNewDevice: false });
    expect(again.message).toMatchObject({ sessionStarted: false, path: '/docs' });
  });

  it('identifies an untracked path without a message, and counts a forged cookie', () => {
    const api = decide(request({ path: '/api/cart' }));
    expect(api).toMatchObject({ skippedReason: 'untracked_path', context: { tracked: false } });
    expect(api.context.deviceId).not.toBe(NO_VALUE);
    expect(api.message).toBeUndefined();

    const forged = decide(request({ cookieSources: ['vg=v1.k1.AAAA.forged'] }));
    expect(forged.counters).toContain('InvalidCookies');
    expect(forged.context.isNewDevice).toBe(true);
  });

  it('identifies a prefetch, a static file and a fetch() without counting them or touching the session', () => {
    const first = decide(request());
    const cookie = cookieOf(first);
    for (const [facts, reason] of [
      [{ secPurpose: 'prefetch;prerender' }, 'prefetch'],
      [{ path: '/assets/app.js', secFetchDest: 'script', secFetchMode: 'no-cors' }, 'static_file'],
      [{ path: '/data', secFetchDest: 'empty', secFetchMode: 'cors' }, 'not_document'],
    ] as const) {
      const later = decide(request({ ...facts, cookieSources: [cookie] }), { at: now + 60_000 });
      expect(later, reason).toMatchObject({ skippedReason: reason, counters: [], context: { reason, tracked: false, deviceId: first.context.deviceId, sessionId: first.context.sessionId } });
      expect(later.message).toBeUndefined();
    }
    // A new visitor's prefetch mints the device cookie the navigation then brings back; no session yet.
    const fresh = decide(request({ secPurpose: 'prefetch' }));
    expect(fresh).toMatchObject({ skippedReason: 'prefetch', counters: ['NewDevices'], context: { isNewDevice: true, sessionId: NO_VALUE } });
    const navigation = decide(request({ cookieSources: [cookieOf(fresh)] }), { at: now + 5_000 });
    expect(navigation).toMatchObject({ counters: ['NewSessions', 'TrackedPageViews'], context: { deviceId: fresh.context.deviceId, isNewDevice: false } });
  });

  it('links an authenticated returning device to its user instead of counting the view', () => {
    const first = decide(request());
    const signedIn = decide(request({ cookieSources: [cookieOf(first)] }), { userId: 'user-42', at: now + 1_000 });
    expect(signedIn).toMatchObject({ skippedReason: 'authenticated', context: { reason: 'authenticated', userId: 'user-42', tracked: false } });
    expect(signedIn.counters).not.toContain('TrackedPageViews');
    expect(signedIn.message).toMatchObject({ type: 'identify', deviceId: first.context.deviceId, userId: 'user-42' });
  });

  describe('consent mode', () => {
    const required = { mode: 'required', cookieName: 'consent', cookieValue: 'granted', countWithoutConsent: false } as const;
    const withConsent = { ...SETTINGS, consent: required };
    const consented = (cookies: string[] = []) => request({ cookieSources: [['consent=granted', ...cookies].join('; ')] });

    it('reads the consent cookie: only its consent value counts', () => {
      expect(hasConsent([], CONSENT_OFF)).toBe(true);
      expect(hasConsent([], required)).toBe(false);
      expect(hasConsent(['a=1; consent=granted'], required)).toBe(true);
      expect(hasConsent(['consent=denied'], required)).toBe(false);
      expect(hasConsent(['xconsent=granted'], required)).toBe(false);
    });

    it('before consent: no cookie, no identifier, no view; after it: both; a withdrawal deletes the cookie', () => {
      const before = decide(request(), { settings: withConsent });
      expect(before).toMatchObject({ skippedReason: 'no_consent', counters: [], context: { deviceId: NO_VALUE, sessionId: NO_VALUE, tracked: false, setCookie: SETTINGS.cookies.noChange } });
      expect(before.message).toBeUndefined();

      const after = decide(consented(), { settings: withConsent });
      expect(after.counters).toContain('TrackedPageViews');
      expect(after.message).toMatchObject({ type: 'page_view', deviceId: after.context.deviceId });

      for (const withdrawn of [request({ cookieSources: [cookieOf(after)] }), request({ cookieSources: [`consent=denied; ${cookieOf(after)}`] })]) {
        const decision = decide(withdrawn, { settings: withConsent });
        expect(decision).toMatchObject({ skippedReason: 'no_consent', context: { deviceId: NO_VALUE, setCookie: SETTINGS.cookies.deletion } });
        expect(decision.message).toBeUndefined();
      }
    });

    it('counts a cookieless view without consent when asked: no device, no session, no cookie', () => {
      const counting = { ...SETTINGS, consent: { ...required, countWithoutConsent: true } };
      const view = decide(request({ path: '/pricing', referer: 'https://search.example/q?x=1' }), { settings: counting });
      expect(view.context).toMatchObject({ deviceId: NO_VALUE, setCookie: SETTINGS.cookies.noChange, tracked: false });
      expect(view.message).toMatchObject({ type: 'cookieless_view', path: '/pricing', ts: now, referrer: { origin: 'https://search.example', path: '/q' } });
      expect(cookielessViewV1Schema.safeParse(view.message).success).toBe(true);
      expect(JSON.stringify(view.message)).not.toMatch(/deviceId|sessionId/);
      // Not for what is not a page view.
      expect(decide(request({ path: '/api/cart' }), { settings: counting }).message).toBeUndefined();
    });
  });
});
