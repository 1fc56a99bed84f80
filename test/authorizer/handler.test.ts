import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { NO_VALUE } from '../../lambdas/contract/gateway-context';
import { REPLAY_MARKER } from '../../lambdas/contract/replay-record';
import type { PageViewPublisher } from '../../lambdas/authorizer/page-view-publisher';
import { decodeDeviceCookie } from '../../lambdas/identity/cookie-codec';
import { parseKeyRing } from '../../lambdas/identity/key-ring';
import { parseQueueMessage } from '../../lambdas/contract/page-view-message';
import { SECRET_1, SECRET_2 } from '../identity/test-keys';
import {
  FIXTURE_IP,
  NOW_MILLIS,
  SIGNING_KEYS,
  captureOutput,
  cookiePair,
  createTestHandler,
  httpApiEvent,
  loadFixture,
  restApiEvent,
  testConfig,
} from './authorizer-fixtures';

type Context = Record<string, unknown>;
const contextOf = (response: unknown) => (response as { context: Context }).context;

let output: ReturnType<typeof captureOutput>;
beforeEach(() => {
  output = captureOutput();
});
afterEach(() => {
  output.restore();
});

describe('authorizer handler on the real fixtures', () => {
  it('allows the unmodified HTTP API 2.0 fixture (HTTPie = bot): no identity, cookie deleted', async () => {
    const { authorize, deps } = createTestHandler();
    const response = await authorize(loadFixture('http-api-authorizer-request-v2.json'));
    expect(response).toEqual({
      isAuthorized: true,
      context: {
        deviceId: NO_VALUE,
        sessionId: NO_VALUE,
        userId: NO_VALUE,
        isNewDevice: false,
        isNewSession: false,
        tracked: false,
        reason: 'bot',
        setCookie: '__Host-device_fp=; Max-Age=0; Path=/; HttpOnly; Secure; SameSite=Lax',
      },
    });
    expect(deps.publisher.messages).toEqual([]);
  });

  it('allows the unmodified REST fixture with a policy scoped to its method ARN', async () => {
    const { authorize } = createTestHandler();
    const event = loadFixture('rest-api-authorizer-request-v1.json');
    const response = await authorize(event);
    expect(response).toMatchObject({
      principalId: 'anonymous',
      policyDocument: {
        Version: '2012-10-17',
        Statement: [{ Action: 'execute-api:Invoke', Effect: 'Allow', Resource: event.methodArn }],
      },
      context: { reason: 'bot', tracked: false },
    });
  });

  it('tracks a new browser visitor on HTTP API: context, cookie and a valid page-view message', async () => {
    const { authorize, deps } = createTestHandler();
    const response = await authorize(
      httpApiEvent({ path: '/pricing', query: 'plan=pro&utm_source=news', headers: { referer: 'https://www.example.org/blog?x=1' } }),
    );
    const context = contextOf(response);
    expect(response).toMatchObject({ isAuthorized: true });
    expect(context).toMatchObject({ isNewDevice: true, isNewSession: true, tracked: true, reason: 'tracked', userId: NO_VALUE });
    expect(context.deviceId).toMatch(/^[A-Za-z0-9_-]{22}$/);
    expect(context.sessionId).toMatch(/^[A-Za-z0-9_-]{22}$/);
    expect(context.setCookie).toMatch(/^__Host-device_fp=[A-Za-z0-9_-]+; Max-Age=2592000; Path=\/; HttpOnly; Secure; SameSite=Lax$/);
    expect(deps.publisher.messages).toHaveLength(1);
    const parsed = parseQueueMessage(JSON.stringify(deps.publisher.messages[0]));
    expect(parsed.ok).toBe(true);
    expect(deps.publisher.messages[0]).toMatchObject({
      type: 'page_view',
      deviceId: context.deviceId,
      sessionId: context.sessionId,
      sessionStarted: true,
      ts: NOW_MILLIS,
      path: '/pricing?utm_source=news',
      utm: { utm_source: 'news' },
      referrer: { origin: 'https://www.example.org', path: '/blog' },
      device: { browser: 'chrome', os: 'windows', type: 'desktop' },
    });
  });

  it('recognises the returning visitor from the cookies array and from a cookie header alike', async () => {
    const { authorize, deps } = createTestHandler();
    const first = contextOf(await authorize(httpApiEvent()));
    const viaArray = contextOf(await authorize(httpApiEvent({ cookies: ['theme=dark', cookiePair(first.setCookie)] })));
    const viaHeader = contextOf(await authorize(httpApiEvent({ headers: { cookie: `theme=dark; ${cookiePair(first.setCookie)}` } })));
    for (const context of [viaArray, viaHeader]) {
      expect(context).toMatchObject({ deviceId: first.deviceId, sessionId: first.sessionId, isNewDevice: false, isNewSession: false });
    }
    expect(deps.publisher.messages.map((m) => m.type === 'page_view' && m.sessionStarted)).toEqual([true, false, false]);
  });

  it('takes the first valid value when the cookie name repeats (forged or stale values first)', async () => {
    const { authorize } = createTestHandler();
    const first = contextOf(await authorize(httpApiEvent()));
    const other = contextOf(await authorize(httpApiEvent()));
    const pair = cookiePair(first.setCookie);
    const forged = `${pair.slice(0, -3)}${pair.endsWith('AAA') ? 'BBB' : 'AAA'}`;
    const header = `__Host-device_fp=garbage; ${forged}; ${pair}; ${cookiePair(other.setCookie)}`;
    expect(contextOf(await authorize(httpApiEvent({ headers: { cookie: header } })))).toMatchObject({ deviceId: first.deviceId, isNewDevice: false });
    expect(output.text()).not.toContain('"InvalidCookies"');
  });

  it('resists cookie tossing: a value planted from a sibling subdomain or with a longer Path never takes over', async () => {
    const { authorize } = createTestHandler();
    const victim = contextOf(await authorize(httpApiEvent()));
    const attacker = contextOf(await authorize(httpApiEvent()));
    const victimPair = cookiePair(victim.setCookie);
    // A sibling subdomain (Domain=.example.com) or a page with a longer Path can set a cookie of our name
    // without the __Host- prefix only; a longer Path puts it first in the header, a later one last.
    const planted = cookiePair(attacker.setCookie).replace(/^__Host-/, '');
    for (const header of [`${planted}; ${victimPair}`, `${victimPair}; ${planted}`, `${planted}; ${planted}; ${victimPair}`]) {
      expect(contextOf(await authorize(httpApiEvent({ headers: { cookie: header } }))), header).toMatchObject({ deviceId: victim.deviceId, isNewDevice: false });
    }
    // A visitor with no cookie of ours is not adopted into the attacker's device either.
    const fresh = contextOf(await authorize(httpApiEvent({ cookies: [planted] })));
    expect(fresh.isNewDevice).toBe(true);
    expect(fresh.deviceId).not.toBe(attacker.deviceId);
  });

  it('resists cookie tossing: junk values in front of the genuine one do not push it out', async () => {
    const { authorize } = createTestHandler();
    const victim = contextOf(await authorize(httpApiEvent()));
    const [name] = cookiePair(victim.setCookie).split('=');
    for (const junkCount of [4, 5, 31]) {
      const junk = Array.from({ length: junkCount }, (_, i) => `${name}=${i % 2 === 0 ? `junk${i}` : 'A'.repeat(116)}`);
      const context = contextOf(await authorize(httpApiEvent({ cookies: [...junk, cookiePair(victim.setCookie)] })));
      expect(context, `${junkCount} junk values`).toMatchObject({ deviceId: victim.deviceId, isNewDevice: false });
    }
  });

  it('names the cookie __Host-device_fp by default (host-only), __Secure-device_fp with a Domain', async () => {
    const hostOnly = contextOf(await createTestHandler().authorize(httpApiEvent()));
    expect(hostOnly.setCookie).toMatch(/^__Host-device_fp=[A-Za-z0-9_-]+; Max-Age=\d+; Path=\/; HttpOnly; Secure; SameSite=Lax$/);
    const shared = contextOf(await createTestHandler({ config: testConfig({ COOKIE_DOMAIN: '.example.com' }) }).authorize(httpApiEvent()));
    expect(shared.setCookie).toMatch(/^__Secure-device_fp=[A-Za-z0-9_-]+; Max-Age=\d+; Path=\/; Domain=\.example\.com; HttpOnly; Secure; SameSite=Lax$/);
  });

  it('tracks on REST API with the Cookie header in any casing and UTM from the parameters', async () => {
    const { authorize, deps } = createTestHandler();
    const first = contextOf(await authorize(restApiEvent({ query: { utm_campaign: 'spring', q: 'secret' } })));
    expect(first).toMatchObject({ tracked: true, isNewDevice: true });
    expect(deps.publisher.messages[0]).toMatchObject({ path: '/pricing?utm_campaign=spring', utm: { utm_campaign: 'spring' } });
    const again = await authorize(restApiEvent({ headers: { Cookie: cookiePair(first.setCookie) } }));
    expect(again).toMatchObject({ principalId: first.deviceId, context: { deviceId: first.deviceId, isNewDevice: false } });
  });

  it('tracks a UTM value whose 200-character cut falls inside an emoji, on HTTP and REST APIs', async () => {
    const { authorize, deps } = createTestHandler();
    const query = `utm_source=${'a'.repeat(199)}%F0%9F%92%A5`;
    expect(contextOf(await authorize(httpApiEvent({ query }))).reason).toBe('tracked');
    expect(contextOf(await authorize(restApiEvent({ query: { utm_source: `${'a'.repeat(199)}💥` } }))).reason).toBe('tracked');
    expect(deps.publisher.messages.map((m) => m.type === 'page_view' && m.utm?.utm_source)).toEqual(['a'.repeat(199), 'a'.repeat(199)]);
    for (const message of deps.publisher.messages) expect(parseQueueMessage(JSON.stringify(message)).ok).toBe(true);
  });

  it('identifies /api/ and non-GET requests without a page view', async () => {
    const { authorize, deps } = createTestHandler();
    const api = contextOf(await authorize(httpApiEvent({ path: '/api/cart' })));
    expect(api).toMatchObject({ reason: 'untracked_path', tracked: false, isNewDevice: true, sessionId: NO_VALUE, userId: NO_VALUE });
    expect(api.deviceId).toMatch(/^[A-Za-z0-9_-]{22}$/);
    expect(api.setCookie).toMatch(/^__Host-device_fp=[A-Za-z0-9_-]+;/);
    const post = contextOf(await authorize(httpApiEvent({ method: 'POST', cookies: [cookiePair(api.setCookie)] })));
    expect(post).toMatchObject({ reason: 'not_page_view', tracked: false, deviceId: api.deviceId });
    expect(deps.publisher.messages).toEqual([]);
  });

  it('reads the navigation headers from both event shapes and counts each skipped kind under its own reason', async () => {
    const { authorize, deps } = createTestHandler();
    const httpCases: Array<[Record<string, unknown>, string]> = [
      [{ path: '/assets/app.js', headers: { 'sec-fetch-dest': 'script', 'sec-fetch-mode': 'no-cors' } }, 'static_file'],
      [{ path: '/pricing', headers: { 'sec-purpose': 'prefetch;prerender' } }, 'prefetch'],
      [{ path: '/pricing', headers: { purpose: 'prefetch' } }, 'prefetch'],
      [{ path: '/pricing', headers: { 'x-moz': 'prefetch' } }, 'prefetch'],
      [{ path: '/widget', headers: { 'sec-fetch-dest': 'iframe' } }, 'not_document'],
      [{ path: '/data', headers: { 'sec-fetch-dest': 'empty', 'sec-fetch-mode': 'cors', accept: '*/*' } }, 'not_document'],
      // Without fetch metadata: Accept decides.
      [{ path: '/pricing', headers: { 'sec-fetch-dest': undefined, 'sec-fetch-mode': undefined, accept: '*/*' } }, 'not_document'],
      [{ path: '/pricing', headers: { 'sec-fetch-dest': undefined, 'sec-fetch-mode': undefined, accept: 'text/html' } }, 'tracked'],
      // Hostile values: not strings, huge, odd.
      [{ path: '/pricing', headers: { 'sec-fetch-dest': 42, 'sec-fetch-mode': ['navigate'], accept: 'text/html' } }, 'tracked'],
      [{ path: '/pricing', headers: { 'sec-fetch-dest': 'document'.repeat(10_000) } }, 'not_document'],
    ];
    for (const [options, reason] of httpCases) {
      expect(contextOf(await authorize(httpApiEvent(options as Parameters<typeof httpApiEvent>[0]))).reason, JSON.stringify(options).slice(0, 200)).toBe(reason);
    }
    const restCases: Array<[Record<string, string>, string]> = [
      [{ 'SEC-FETCH-DEST': 'Document', 'Sec-Fetch-Mode': 'Navigate' }, 'tracked'],
      [{ 'Sec-Purpose': 'prefetch' }, 'prefetch'],
      [{ 'Sec-Fetch-Dest': 'iframe' }, 'not_document'],
    ];
    for (const [headers, reason] of restCases) expect(contextOf(await authorize(restApiEvent({ headers }))).reason, JSON.stringify(headers)).toBe(reason);
    expect(contextOf(await authorize(restApiEvent({ path: '/img/logo.svg' }))).reason).toBe('static_file');
    expect(deps.publisher.messages).toHaveLength(3);

    const emf = output.lines().map((l) => JSON.parse(l) as Record<string, unknown>).filter((r) => '_aws' in r && r.reason !== undefined);
    const counted = new Map<unknown, number>();
    for (const line of emf) counted.set(line.reason, (counted.get(line.reason) ?? 0) + Number(line.SkippedRequests));
    expect(Object.fromEntries(counted)).toEqual({ static_file: 2, prefetch: 4, not_document: 5 });
  });

  it('applies the routes\' one skip rule to the canonical path: exact entries, dot segments, "//", escapes', async () => {
    const { authorize, deps } = createTestHandler();
    const cases: Array<[string, string, string?]> = [
      ['/favicon.ico', 'skip_path'],
      ['/favicon.ico.html', 'tracked', '/favicon.ico.html'],
      ['/static/', 'tracked', '/static/'],
      ['/static/../pricing', 'tracked', '/pricing'],
      ['/static/%2e%2e/pricing', 'tracked', '/pricing'],
      ['/static/..%2Fpricing', 'tracked', '/pricing'],
      ['//static/x.css', 'skip_path'],
      ['/%73tatic/x.css', 'skip_path'],
      ['/pricing/../static/./x.css', 'skip_path'],
      ['/x/../api/cart', 'untracked_path'],
    ];
    for (const [path, reason, recorded] of cases) {
      const before = deps.publisher.messages.length;
      expect(contextOf(await authorize(httpApiEvent({ path }))).reason, path).toBe(reason);
      expect(deps.publisher.messages.slice(before).map((m) => m.type === 'page_view' && m.path), path).toEqual(recorded === undefined ? [] : [recorded]);
    }
  });

  it('does no identity work on skip paths and leaves the device cookie alone', async () => {
    const { authorize } = createTestHandler();
    const context = contextOf(await authorize(httpApiEvent({ path: '/static/app.js', ua: '' })));
    expect(context).toMatchObject({ reason: 'skip_path', deviceId: NO_VALUE, sessionId: NO_VALUE, userId: NO_VALUE, tracked: false });
    expect(context.setCookie).toBe('__Host-device_fp_unchanged=; Max-Age=0; Path=/; HttpOnly; Secure; SameSite=Lax');
  });

  it.each([
    ['Sec-GPC', { 'sec-gpc': '1' }],
    ['DNT', { dnt: '1' }],
  ])('honours %s: no identifier, no page view, and an earlier cookie is deleted', async (_name, headers) => {
    const { authorize, deps } = createTestHandler();
    const first = contextOf(await authorize(httpApiEvent()));
    const context = contextOf(await authorize(httpApiEvent({ headers, cookies: [cookiePair(first.setCookie)] })));
    expect(context).toMatchObject({ reason: 'privacy_signal', deviceId: NO_VALUE, sessionId: NO_VALUE, userId: NO_VALUE, tracked: false });
    expect(context.setCookie).toBe('__Host-device_fp=; Max-Age=0; Path=/; HttpOnly; Secure; SameSite=Lax');
    expect(deps.publisher.messages).toHaveLength(1);
  });

  it('tracks privacy-signal requests when HONOR_PRIVACY_SIGNALS=false', async () => {
    const { authorize } = createTestHandler({ config: testConfig({ HONOR_PRIVACY_SIGNALS: 'false' }) });
    expect(contextOf(await authorize(httpApiEvent({ headers: { 'sec-gpc': '1' } }))).reason).toBe('tracked');
  });

  it('treats a tampered cookie as a new visitor and counts it', async () => {
    const { authorize } = createTestHandler();
    const first = contextOf(await authorize(httpApiEvent()));
    const pair = cookiePair(first.setCookie);
    const tampered = `${pair.slice(0, 20)}${pair[20] === 'A' ? 'B' : 'A'}${pair.slice(21)}`;
    const context = contextOf(await authorize(httpApiEvent({ cookies: [tampered] })));
    expect(context).toMatchObject({ isNewDevice: true });
    expect(context.deviceId).not.toBe(first.deviceId);
    expect(output.text()).toContain('"InvalidCookies":1');
  });

  it('keeps visitors across a key rotation and re-signs with the new key', async () => {
    const before = createTestHandler();
    const first = contextOf(await before.authorize(httpApiEvent()));
    const rotatedRing = parseKeyRing(JSON.stringify({ current: 'k2', k2: SECRET_2, k1: SECRET_1 }));
    const after = createTestHandler({ keyRing: rotatedRing });
    const context = contextOf(await after.authorize(httpApiEvent({ cookies: [cookiePair(first.setCookie)] })));
    expect(context).toMatchObject({ deviceId: first.deviceId, isNewDevice: false });
    const value = cookiePair(context.setCookie).slice('__Host-device_fp='.length);
    expect(decodeDeviceCookie(value, rotatedRing, NOW_MILLIS / 1000)).toMatchObject({ ok: true, keyId: 'k2' });
  });

  it('emits EMF metrics: the counters, and skipped requests under the reason dimension', async () => {
    const { authorize } = createTestHandler();
    await authorize(httpApiEvent({ path: '/api/x' }));
    const emf = output.lines().map((l) => JSON.parse(l) as Record<string, unknown>).filter((r) => '_aws' in r);
    expect(emf).toEqual([
      expect.objectContaining({ service: 'visitor-gate', NewDevices: 1 }),
      expect.objectContaining({ service: 'visitor-gate', reason: 'untracked_path', SkippedRequests: 1 }),
    ]);
  });

  it('writes the replay record and does not throw when publishing fails', async () => {
    const failing: PageViewPublisher = { publish: () => Promise.reject(new Error('queue down')) };
    const { authorize } = createTestHandler({ publisher: failing });
    const response = await authorize(httpApiEvent());
    expect(contextOf(response)).toMatchObject({ tracked: true });
    const records = output.lines().filter((l) => l.includes(REPLAY_MARKER));
    expect(records).toHaveLength(1);
    const record = JSON.parse(records[0] ?? '{}') as { replayMarker: string; queueMessage: unknown; level: string };
    expect(record).toMatchObject({ replayMarker: REPLAY_MARKER, level: 'ERROR' });
    expect(parseQueueMessage(JSON.stringify(record.queueMessage))).toMatchObject({ ok: true });
    expect(output.text()).toContain('"PublishFailures":1');
  });

  it('allows with a safe context when something unexpected throws, and logs and counts it', async () => {
    const { authorize } = createTestHandler({
      clock: () => {
        throw new Error('clock exploded');
      },
    });
    const response = await authorize(httpApiEvent());
    expect(response).toEqual({
      isAuthorized: true,
      context: expect.objectContaining({ reason: 'error', deviceId: NO_VALUE, sessionId: NO_VALUE, userId: NO_VALUE, setCookie: '__Host-device_fp_unchanged=; Max-Age=0; Path=/; HttpOnly; Secure; SameSite=Lax' }),
    });
    expect(output.text()).toContain('clock exploded');
    expect(output.text()).toContain('"AuthorizerErrors":1');
  });

  it.each([null, undefined, 42, 'x', [], {}, { version: '2.0' }, { version: '2.0', headers: null, cookies: [1, {}] }, { methodArn: 7 }])(
    'allows whatever event shape arrives: %j',
    async (event) => {
      const { authorize } = createTestHandler();
      const response = await authorize(event);
      expect(response).toMatchObject({ isAuthorized: true });
      const context = contextOf(response);
      // The keys the gateway maps onto headers and Set-Cookie: always present, never empty.
      for (const key of ['deviceId', 'sessionId', 'userId', 'setCookie']) expect(context[key]).toMatch(/^.+$/);
    },
  );

  it('warns when identity resolution is slow', async () => {
    const { authorize } = createTestHandler({ config: testConfig({ SLOW_RESOLUTION_WARN_MS: '0' }) });
    await authorize(httpApiEvent());
    const warning = output.lines().find((l) => l.includes('Slow identity resolution'));
    expect(warning).toBeDefined();
    expect(JSON.parse(warning ?? '{}')).toMatchObject({ level: 'WARN', reason: 'tracked' });
  });

  it('never lets the raw IP address reach a message or a log line', async () => {
    const failing: PageViewPublisher = { publish: () => Promise.reject(new Error('queue down')) };
    const { authorize } = createTestHandler({ publisher: failing, config: testConfig({ SLOW_RESOLUTION_WARN_MS: '0' }) });
    const { authorize: authorizeOk, deps } = createTestHandler();
    const events = [
      loadFixture('http-api-authorizer-request-v2.json'),
      loadFixture('rest-api-authorizer-request-v1.json'),
      httpApiEvent({ headers: { referer: `https://${FIXTURE_IP}/from` } }),
      restApiEvent(),
    ];
    for (const event of events) {
      expect(JSON.stringify(event)).toContain(FIXTURE_IP);
      await authorize(event);
      await authorizeOk(event);
    }
    expect(output.lines().some((l) => l.includes(REPLAY_MARKER))).toBe(true);
    expect(output.text()).not.toContain(FIXTURE_IP);
    expect(deps.publisher.messages.length).toBeGreaterThan(0);
    expect(JSON.stringify(deps.publisher.messages)).not.toContain(FIXTURE_IP);
  });

  it('never logs cookie values or key material', async () => {
    const failing: PageViewPublisher = { publish: () => Promise.reject(new Error('queue down')) };
    const { authorize } = createTestHandler({ publisher: failing, config: testConfig({ SLOW_RESOLUTION_WARN_MS: '0' }) });
    const first = contextOf(await authorize(httpApiEvent()));
    await authorize(httpApiEvent({ cookies: [cookiePair(first.setCookie)] }));
    const cookieValue = cookiePair(first.setCookie).slice('__Host-device_fp='.length);
    expect(output.text()).not.toContain(cookieValue);
    expect(output.text()).not.toContain(SECRET_1);
    expect(output.text()).not.toContain(SIGNING_KEYS);
  });
});
