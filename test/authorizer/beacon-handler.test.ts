/**
 * The identity function as the reserved route's integration: beacons decided with the authorizer's own
 * rules (same device and session as the document views, privacy signals, bots, skip and untracked
 * paths), refusals answered and counted by reason, the script served with its caching headers.
 */
import { describe, expect, it } from 'vitest';
import { createAuthorizerMetrics } from '../../lambdas/authorizer/authorizer-metrics';
import { createFunctionHandler, type AuthorizerDeps } from '../../lambdas/authorizer/handler';
import type { PageViewMessage } from '../../lambdas/contract/page-view-message';
import { BEACON_LIMITS, VERSIONED_SCRIPT_CACHE } from '../../lambdas/contract/reserved-paths';
import type { MetricCounts } from '../../lambdas/observability/metric-counts';
import { BEACON_SCRIPT, beaconScriptFileName } from '../../lambdas/identity/beacon-script';
import { USER_AGENTS } from '../identity/user-agents';
import { NOW_MILLIS, cookiePair, httpApiEvent, testConfig, testDeps } from './authorizer-fixtures';

type Json = Record<string, unknown>;
type Answer = { statusCode: number; headers: Record<string, string>; cookies?: string[]; body?: string; context?: Json };

const HOST = 'www.example.com';

/** A payload-2.0 Lambda proxy event for the reserved route, as API Gateway sends it. */
function proxyEvent(options: { path?: string; method?: string; body?: string; headers?: Record<string, string>; cookies?: string[]; base64?: boolean } = {}): Json {
  const { type: _type, routeArn: _routeArn, identitySource: _identitySource, ...event } = httpApiEvent({
    path: options.path ?? '/_vg/view',
    method: options.method ?? 'POST',
    // What Chromium sends with navigator.sendBeacon: fetch metadata of a subresource, not of a navigation.
    headers: {
      host: HOST,
      'x-forwarded-proto': 'https',
      'content-type': 'text/plain;charset=UTF-8',
      accept: '*/*',
      'sec-fetch-dest': 'empty',
      'sec-fetch-mode': 'no-cors',
      'sec-fetch-site': 'same-origin',
      ...options.headers,
    },
    ...(options.cookies ? { cookies: options.cookies } : {}),
  });
  const body = options.body ?? '';
  return {
    ...event,
    routeKey: 'ANY /_vg/{proxy+}',
    body: options.base64 ? Buffer.from(body).toString('base64') : body,
    isBase64Encoded: options.base64 === true,
  };
}

const claim = (p: string, r = '') => new URLSearchParams({ p, r }).toString();

function setup(overrides: Partial<AuthorizerDeps> = {}) {
  const writes: MetricCounts[] = [];
  const deps = testDeps({ metrics: createAuthorizerMetrics({ write: (counts) => writes.push(counts) }), ...overrides });
  const handle = createFunctionHandler(deps);
  const skipped = (reason: string) => writes.reduce((sum, counts) => sum + (counts.byDimension?.values.get(reason) ?? 0), 0);
  const counted = (name: string) => writes.reduce((sum, counts) => sum + (counts.counters[name] ?? 0), 0);
  return { deps, messages: deps.publisher.messages as PageViewMessage[], send: async (event: Json) => (await handle(event)) as Answer, skipped, counted };
}

describe('a beacon', () => {
  it('is one page view of the claimed path in the same device and session as the document views, answered 204 no-store', async () => {
    const { messages, send } = setup();
    const documentView = (await send(httpApiEvent({ path: '/app' }))) as unknown as { context: { setCookie: string; deviceId: string; sessionId: string } };
    const cookie = cookiePair(documentView.context.setCookie);

    const answer = await send(proxyEvent({ body: claim('/app/settings?utm_source=news&x=1', `https://${HOST}/app`), cookies: [cookie] }));
    expect(answer.statusCode).toBe(204);
    expect(answer.headers['cache-control']).toBe('no-store');
    expect(answer.body).toBeUndefined();
    expect(answer.cookies?.[0]).toMatch(/^__Host-device_fp=[A-Za-z0-9_-]+; Max-Age=\d+; Path=\/; HttpOnly; Secure; SameSite=Lax$/);
    expect(messages).toHaveLength(2);
    expect(messages[1]).toMatchObject({
      type: 'page_view',
      deviceId: documentView.context.deviceId,
      sessionId: documentView.context.sessionId,
      sessionStarted: false,
      path: '/app/settings?utm_source=news',
      utm: { utm_source: 'news' },
      referrer: { origin: `https://${HOST}`, path: '/app' },
      ts: NOW_MILLIS,
    });
  });

  it('mints the cookie for a new visitor (a static page the front door did not serve)', async () => {
    const { messages, send, counted } = setup();
    const answer = await send(proxyEvent({ body: claim('/') }));
    expect(answer.statusCode).toBe(204);
    expect(answer.cookies).toHaveLength(1);
    expect(messages).toMatchObject([{ path: '/', sessionStarted: true }]);
    expect(counted('NewDevices')).toBe(1);
    expect(counted('TrackedPageViews')).toBe(1);
  });

  it('reads a base64-encoded body', async () => {
    const { messages, send } = setup();
    expect((await send(proxyEvent({ body: claim('/b64'), base64: true }))).statusCode).toBe(204);
    expect(messages).toMatchObject([{ path: '/b64' }]);
  });

  it.each([
    ['Sec-GPC', { 'sec-gpc': '1' }],
    ['DNT', { dnt: '1' }],
  ])('with %s: no view, and the cookie is deleted', async (_signal, headers) => {
    const { messages, send, skipped } = setup();
    const answer = await send(proxyEvent({ body: claim('/a'), headers }));
    expect(answer.statusCode).toBe(204);
    expect(answer.cookies?.[0]).toMatch(/^__Host-device_fp=; Max-Age=0;/);
    expect(messages).toEqual([]);
    expect(skipped('privacy_signal')).toBe(1);
  });

  it('from a bot: no view, no identity', async () => {
    const { messages, send, skipped } = setup();
    const answer = await send(proxyEvent({ body: claim('/a'), headers: { 'user-agent': USER_AGENTS.googlebot } }));
    expect(answer.statusCode).toBe(204);
    expect(messages).toEqual([]);
    expect(skipped('bot')).toBe(1);
  });

  it('of a skip path or an untracked path is no view', async () => {
    const { messages, send, skipped } = setup();
    const skip = await send(proxyEvent({ body: claim('/static/app.js') }));
    expect(skip).toMatchObject({ statusCode: 204 });
    expect(skip.cookies).toBeUndefined();
    expect((await send(proxyEvent({ body: claim('/api/items') }))).statusCode).toBe(204);
    expect(messages).toEqual([]);
    expect(skipped('skip_path')).toBe(1);
    expect(skipped('untracked_path')).toBe(1);
  });
});

describe('refusals, each counted by reason', () => {
  it('a malformed or multiple claim: 400 beacon_invalid', async () => {
    const { messages, send, skipped } = setup();
    for (const body of ['', 'p=%2Fa&p=%2Fb', claim('//evil.example/'), claim('/_vg/view'), `p=%2F&pad=${'x'.repeat(BEACON_LIMITS.bodyBytes)}`]) {
      expect((await send(proxyEvent({ body }))).statusCode, body.slice(0, 40)).toBe(400);
    }
    expect((await send(proxyEvent({ body: 'x'.repeat(BEACON_LIMITS.bodyBytes * 2), base64: true }))).statusCode).toBe(400);
    expect(messages).toEqual([]);
    expect(skipped('beacon_invalid')).toBe(6);
  });

  it("an origin that is neither the front door's nor allowed: 403 beacon_origin; an allowed one gets CORS with credentials", async () => {
    const config = testConfig({ BEACON_ORIGINS: 'https://static.example.com' });
    const { messages, send, skipped } = setup({ config });
    expect((await send(proxyEvent({ body: claim('/a'), headers: { origin: 'https://evil.example' } }))).statusCode).toBe(403);
    expect(skipped('beacon_origin')).toBe(1);

    const own = await send(proxyEvent({ body: claim('/a'), headers: { origin: `https://${HOST}` } }));
    expect(own.statusCode).toBe(204);
    const allowed = await send(proxyEvent({ body: claim('/b'), headers: { origin: 'https://static.example.com' } }));
    expect(allowed.statusCode).toBe(204);
    expect(allowed.headers).toMatchObject({ 'access-control-allow-origin': 'https://static.example.com', 'access-control-allow-credentials': 'true', vary: 'Origin' });
    expect(messages.map((m) => m.path)).toEqual(['/a', '/b']);
  });

  it('more beacons from one device than the burst: 429 beacon_rate, the cookie left as it was', async () => {
    const { messages, send, skipped } = setup();
    const first = await send(proxyEvent({ body: claim('/0') }));
    const cookie = cookiePair(first.cookies?.[0]);
    for (let i = 1; i <= BEACON_LIMITS.burst; i++) expect((await send(proxyEvent({ body: claim(`/${i}`), cookies: [cookie] }))).statusCode).toBe(204);
    const refused = await send(proxyEvent({ body: claim('/over'), cookies: [cookie] }));
    expect(refused.statusCode).toBe(429);
    expect(refused.cookies).toBeUndefined();
    expect(messages).toHaveLength(BEACON_LIMITS.burst + 1);
    expect(skipped('beacon_rate')).toBe(1);
  });

  it('another method: 405 beacon_method', async () => {
    const { send, skipped } = setup();
    const answer = await send(proxyEvent({ method: 'GET' }));
    expect(answer.statusCode).toBe(405);
    expect(answer.headers.allow).toBe('POST');
    expect(skipped('beacon_method')).toBe(1);
  });
});

describe('the script and other reserved paths', () => {
  it('serves the versioned script for a year, immutable; the stable name for an hour', async () => {
    const { send } = setup();
    const versioned = await send(proxyEvent({ method: 'GET', path: `/_vg/${beaconScriptFileName()}` }));
    expect(versioned).toMatchObject({ statusCode: 200, body: BEACON_SCRIPT, headers: { 'cache-control': VERSIONED_SCRIPT_CACHE, 'content-type': 'text/javascript; charset=utf-8' } });
    const stable = await send(proxyEvent({ method: 'GET', path: '/_vg/spa.js' }));
    expect(stable.headers['cache-control']).toBe('public, max-age=3600');
    expect(stable.headers['x-visitor-gate-script']).toBe(beaconScriptFileName());
  });

  it('answers 404 for an unknown name (an old version included) and never a page view', async () => {
    const { messages, send } = setup();
    expect((await send(proxyEvent({ method: 'GET', path: '/_vg/spa.0000000000.js' }))).statusCode).toBe(404);
    expect((await send(proxyEvent({ method: 'GET', path: '/_vg/anything' }))).statusCode).toBe(404);
    expect(messages).toEqual([]);
  });

  it('leaves authorizer events to the authorizer', async () => {
    const { send } = setup();
    expect(await send(httpApiEvent({ path: '/_vg/view' }))).toMatchObject({ isAuthorized: true });
  });

  it('keeps an accepted view replayable when the queue fails, and still answers 204', async () => {
    const { deps, counted } = setup();
    const failing = createFunctionHandler({ ...deps, publisher: { publish: () => Promise.reject(new Error('queue down')) } });
    expect(((await failing(proxyEvent({ body: claim('/a') }))) as Answer).statusCode).toBe(204);
    expect(counted('PublishFailures')).toBe(1);
  });
});
