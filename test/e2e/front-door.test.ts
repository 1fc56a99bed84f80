/**
 * End to end, as a visitor uses it: `bin/local.ts` runs the real authorizer and consumer against fauxqs
 * and DynamoDB Local, and these tests only speak HTTP to the front door (plus the read API and the
 * `sessions` command to see what was stored).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NO_VALUE } from '../../lambdas/contract/gateway-context';
import {
  cookiePair,
  eventually,
  newDataDir,
  removeDataDir,
  runCommand,
  startLocalProcess,
  testEnv,
  visit,
  type LocalProcess,
} from './local-runtime-process';

const GOOGLEBOT = 'Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)';

let local: LocalProcess;
let dataDir: string;

beforeAll(async () => {
  dataDir = newDataDir();
  local = await startLocalProcess(testEnv(dataDir, { COOKIE_MAX_AGE_SECONDS: '86400' }));
});

afterAll(async () => {
  const code = await local?.stop();
  removeDataDir(dataDir);
  expect(code).toBe(0);
});

/** A new visitor's first page view: returns its cookie pair and device id. */
async function newVisitor(path = '/') {
  const first = await visit(local.frontDoorUrl, path);
  const cookie = cookiePair(first.setCookies);
  if (!cookie) throw new Error(`no device cookie for a new visitor: ${JSON.stringify(first.setCookies)}`);
  return { cookie, deviceId: first.receivedDeviceId, first };
}

/** Waits until the stored device shows `pageViews` views, then returns it. */
function deviceWithViews(deviceId: string, pageViews: number) {
  return eventually(`${pageViews} page views of ${deviceId}`, async () => {
    const record = await local.device(deviceId);
    return record && record.device.pageViews >= pageViews ? record : undefined;
  });
}

describe('npm start: the front door', () => {
  it('gives a new visitor a cookie with the configured attributes and the origin its device id', async () => {
    const { first, deviceId, cookie } = await newVisitor();
    expect(first.status).toBe(200);
    expect(deviceId).toMatch(/^[A-Za-z0-9_-]{16,64}$/);
    const setCookie = first.setCookies.find((value) => value.startsWith(`${cookie};`)) ?? '';
    expect(setCookie).toMatch(/; Max-Age=86400(;|$)/);
    expect(setCookie).toMatch(/; Path=\/(;|$)/);
    expect(setCookie).toMatch(/; HttpOnly(;|$)/);
    expect(setCookie).toMatch(/; Secure(;|$)/);
    expect(setCookie).toMatch(/; SameSite=Lax(;|$)/);
    // The demo page shows what the origin received.
    expect(first.body).toContain(`<code id="device-id">${deviceId}</code>`);
  });

  it('keeps a returning visitor on the same device id', async () => {
    const { cookie, deviceId } = await newVisitor();
    const again = await visit(local.frontDoorUrl, '/products', { cookie });
    expect(again.receivedDeviceId).toBe(deviceId);
    const third = await visit(local.frontDoorUrl, '/pricing', { cookie: cookiePair(again.setCookies) ?? cookie });
    expect(third.receivedDeviceId).toBe(deviceId);
  });

  it('treats a tampered cookie as a new visitor', async () => {
    const { cookie, deviceId } = await newVisitor();
    const [name, value = ''] = cookie.split('=');
    const middle = Math.floor(value.length / 2);
    const flipped = value[middle] === 'A' ? 'B' : 'A';
    const tampered = `${name}=${value.slice(0, middle)}${flipped}${value.slice(middle + 1)}`;
    const result = await visit(local.frontDoorUrl, '/', { cookie: tampered });
    expect(result.receivedDeviceId).toMatch(/^[A-Za-z0-9_-]{16,64}$/);
    expect(result.receivedDeviceId).not.toBe(deviceId);
    expect(cookiePair(result.setCookies)).toBeDefined();
    expect(cookiePair(result.setCookies)).not.toBe(tampered);
  });

  it('never lets a client inject x-device-id, x-session-id or x-user-id', async () => {
    const injected = { 'x-device-id': 'injected-device-id-0001', 'x-session-id': 'injected-session', 'x-user-id': 'admin' };
    const fresh = await visit(local.frontDoorUrl, '/', { headers: injected });
    expect(fresh.receivedDeviceId).toMatch(/^[A-Za-z0-9_-]{16,64}$/);
    expect(fresh.receivedDeviceId).not.toBe(injected['x-device-id']);
    expect(fresh.receivedSessionId).not.toBe(injected['x-session-id']);
    // Anonymous: the authorizer's "no value" replaces the injected user id.
    expect(fresh.headers.get('x-demo-received-user-id')).toBe(NO_VALUE);

    // Visitors who get no identity (here: Sec-GPC) must not pass one either.
    const private_ = await visit(local.frontDoorUrl, '/', { headers: { ...injected, 'sec-gpc': '1' } });
    expect(private_.receivedDeviceId).toBe(NO_VALUE);
    expect(private_.receivedSessionId).toBe(NO_VALUE);
    expect(private_.headers.get('x-demo-received-user-id')).toBe(NO_VALUE);
  });

  it('sends static assets straight to the origin: no authorizer, no cookie, no identity', async () => {
    const { cookie } = await newVisitor();
    const asset = await visit(local.frontDoorUrl, '/static/site.css', { cookie, headers: { 'x-device-id': 'smuggled-device-id-01' } });
    expect(asset.status).toBe(200);
    expect(asset.headers.get('content-type')).toContain('text/css');
    // The authorizer always answers with a setCookie, so no Set-Cookie at all means it did not run.
    expect(asset.setCookies).toEqual([]);
    // Nobody vouches for identity on skip routes: a client's own header is removed too.
    expect(asset.receivedDeviceId).toBe('');
  });

  it('identifies /api/ calls but does not count them as page views', async () => {
    const api = await visit(local.frontDoorUrl, '/api/whoami');
    const cookie = cookiePair(api.setCookies);
    expect(cookie).toBeDefined();
    const echoed = JSON.parse(api.body) as { deviceId: string };
    expect(echoed.deviceId).toMatch(/^[A-Za-z0-9_-]{16,64}$/);
    expect(api.receivedDeviceId).toBe(echoed.deviceId);

    await visit(local.frontDoorUrl, '/api/whoami', { cookie });
    const page = await visit(local.frontDoorUrl, '/products', { cookie });
    expect(page.receivedDeviceId).toBe(echoed.deviceId);
    const record = await deviceWithViews(echoed.deviceId, 1);
    expect(record.device.pageViews).toBe(1);
    expect(record.sessions[0]?.entryPath).toBe('/products');
  });

  it('gives no cookie and counts nothing for Sec-GPC: 1, and deletes an existing cookie', async () => {
    const gpc = await visit(local.frontDoorUrl, '/', { headers: { 'sec-gpc': '1' } });
    expect(gpc.status).toBe(200);
    expect(cookiePair(gpc.setCookies)).toBeUndefined();
    expect(gpc.receivedDeviceId).toBe(NO_VALUE);

    const { cookie, deviceId } = await newVisitor('/about');
    const withCookie = await visit(local.frontDoorUrl, '/pricing', { cookie, headers: { 'sec-gpc': '1' } });
    expect(withCookie.receivedDeviceId).toBe(NO_VALUE);
    expect(withCookie.setCookies.some((value) => /^__Host-device_fp=;/.test(value) && /Max-Age=0/.test(value))).toBe(true);
    // A later tracked view is the second one: the GPC view was not counted.
    await visit(local.frontDoorUrl, '/products', { cookie });
    const record = await deviceWithViews(deviceId, 2);
    expect(record.device.pageViews).toBe(2);
    expect(record.sessions[0]?.exitPath).toBe('/products');
  });

  it('gives a bot no cookie and counts nothing, even with a valid cookie', async () => {
    const bot = await visit(local.frontDoorUrl, '/', { userAgent: GOOGLEBOT });
    expect(bot.status).toBe(200);
    expect(cookiePair(bot.setCookies)).toBeUndefined();
    expect(bot.receivedDeviceId).toBe(NO_VALUE);
    expect(bot.receivedSessionId).toBe(NO_VALUE);

    const { cookie, deviceId } = await newVisitor('/');
    await visit(local.frontDoorUrl, '/pricing', { cookie, userAgent: GOOGLEBOT });
    await visit(local.frontDoorUrl, '/about', { cookie });
    const record = await deviceWithViews(deviceId, 2);
    expect(record.device.pageViews).toBe(2);
    expect(record.sessions[0]?.exitPath).toBe('/about');
  });

  it('after N page views the sessions command shows exactly N, newest session first', async () => {
    const paths = ['/', '/products', '/pricing', '/about', '/products'];
    const first = await visit(local.frontDoorUrl, paths[0] ?? '/');
    let cookie = cookiePair(first.setCookies) ?? '';
    const deviceId = first.receivedDeviceId;
    for (const path of paths.slice(1)) {
      const next = await visit(local.frontDoorUrl, path, { cookie });
      expect(next.receivedDeviceId).toBe(deviceId);
      cookie = cookiePair(next.setCookies) ?? cookie;
    }
    await deviceWithViews(deviceId, paths.length);

    const result = await runCommand('bin/sessions.ts', [deviceId], { DATA_DIR: dataDir });
    expect(result.code).toBe(0);
    const shown = JSON.parse(result.stdout) as {
      device: { deviceId: string; pageViews: number; sessionCount: number; firstSeen: string; lastSeen: string };
      sessions: Array<{ sessionId: string; pageViews: number; entryPath: string; exitPath: string; start: string; lastActivity: string }>;
    };
    expect(shown.device.deviceId).toBe(deviceId);
    expect(shown.device.pageViews).toBe(paths.length);
    expect(shown.device.sessionCount).toBe(1);
    expect(shown.sessions).toHaveLength(1);
    expect(shown.sessions[0]?.pageViews).toBe(paths.length);
    expect(shown.sessions[0]?.entryPath).toBe('/');
    expect(shown.sessions[0]?.exitPath).toBe('/products');
    expect(shown.device.firstSeen).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    expect(shown.sessions[0]?.lastActivity).toMatch(/^\d{4}-\d\d-\d\dT/);

    const recent = await runCommand('bin/sessions.ts', ['--recent'], { DATA_DIR: dataDir });
    expect(recent.code).toBe(0);
    expect(recent.stdout).toContain(deviceId);
  });

  it('passes status codes, redirects, bodies and headers through, and adds X-Forwarded-*', async () => {
    const redirect = await visit(local.frontDoorUrl, '/go-home');
    expect(redirect.status).toBe(302);
    expect(redirect.headers.get('location')).toBe('/');
    expect(cookiePair(redirect.setCookies)).toBeDefined();

    const missing = await visit(local.frontDoorUrl, '/no-such-page');
    expect(missing.status).toBe(404);

    const payload = JSON.stringify({ hello: 'world', n: [1, 2, 3] });
    const echoed = await visit(local.frontDoorUrl, '/api/echo', {
      method: 'POST',
      body: payload,
      headers: { 'content-type': 'application/json' },
    });
    expect(echoed.status).toBe(200);
    expect(echoed.body).toBe(payload);
    expect(echoed.headers.get('content-type')).toBe('application/json');

    const whoami = JSON.parse((await visit(local.frontDoorUrl, '/api/whoami', { headers: { 'x-forwarded-for': '203.0.113.9' } })).body) as Record<string, string>;
    expect(whoami.forwardedFor).toMatch(/^203\.0\.113\.9, (127\.0\.0\.1|::1)$/);
    expect(whoami.forwardedProto).toBe('http');
    expect(whoami.forwardedHost).toBe(new URL(local.frontDoorUrl).host);
    expect(whoami.forwarded).toMatch(/^by=[^;]+;for=(127\.0\.0\.1|"\[::1\]");host=localhost:\d+;proto=http$/);
    expect(whoami.via).toBe('HTTP/1.1 visitor-gate-local');
  });
});
