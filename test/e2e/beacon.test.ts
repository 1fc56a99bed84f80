/**
 * The reserved prefix through `npm start`'s front door, as the deployed route answers it: the script,
 * beacons from the site's own pages and from a static site on another origin (the front door on a
 * subdomain, cookie `Domain`, CORS with credentials), stored in the same session as document views.
 * Node's fetch plays the browser here (it sends whatever Origin it is told and keeps no cookies); what a
 * browser does with the cookie is the Chromium test's part (test/browser/single-page-app.test.ts).
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { beaconScriptFileName } from '../../lambdas/identity/beacon-script';
import { cookiePair, eventually, newDataDir, removeDataDir, startLocalProcess, testEnv, visit, type LocalProcess } from './local-runtime-process';

const STATIC_SITE = 'https://www.example.test';
const COOKIE = '__Secure-device_fp';

let local: LocalProcess;
let dataDir: string;

beforeAll(async () => {
  dataDir = newDataDir();
  local = await startLocalProcess(testEnv(dataDir, { COOKIE_DOMAIN: '.example.test', BEACON_ORIGINS: STATIC_SITE }));
});

afterAll(async () => {
  const code = await local?.stop();
  removeDataDir(dataDir);
  expect(code).toBe(0);
});

const claim = (p: string, r = '') => new URLSearchParams({ p, r }).toString();
const beacon = (body: string, options: { cookie?: string; origin?: string } = {}) =>
  visit(local.frontDoorUrl, '/_vg/view', {
    method: 'POST',
    body,
    ...(options.cookie ? { cookie: options.cookie } : {}),
    headers: { 'content-type': 'text/plain;charset=UTF-8', ...(options.origin ? { origin: options.origin } : {}) },
  });

it('serves the script from the front door, never from the origin, cached for a year under its versioned name', async () => {
  const script = await visit(local.frontDoorUrl, `/_vg/${beaconScriptFileName()}`);
  expect(script.status).toBe(200);
  expect(script.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
  expect(script.body).toContain('visitorGate');
  expect(script.headers.get('x-demo-received-device-id')).toBeNull();
  const unknown = await visit(local.frontDoorUrl, '/_vg/nothing-here');
  expect(unknown.status).toBe(404);
  expect(unknown.headers.get('x-demo-received-device-id')).toBeNull();
});

it("counts a static site's first load and its navigations in one session, with the shared cookie and CORS for that site", async () => {
  const first = await beacon(claim('/landing?utm_source=launch', 'https://search.example/'), { origin: STATIC_SITE });
  expect(first.status).toBe(204);
  expect(first.headers.get('cache-control')).toBe('no-store');
  expect(first.headers.get('access-control-allow-origin')).toBe(STATIC_SITE);
  expect(first.headers.get('access-control-allow-credentials')).toBe('true');
  expect(first.setCookies[0]).toMatch(new RegExp(`^${COOKIE}=[^;]+; Max-Age=\\d+; Path=/; Domain=\\.example\\.test; HttpOnly; Secure; SameSite=Lax$`));
  const cookie = cookiePair(first.setCookies, COOKIE) ?? '';

  const second = await beacon(claim('/pricing', `${STATIC_SITE}/landing`), { cookie, origin: STATIC_SITE });
  expect(second.status).toBe(204);
  // A document view through the front door (its own origin) lands in the same session.
  const page = await visit(local.frontDoorUrl, '/about', { cookie: cookiePair(second.setCookies, COOKIE) ?? cookie });
  const deviceId = page.receivedDeviceId;

  const stored = await eventually('three views', async () => {
    const record = await local.device(deviceId);
    return record && record.device.pageViews >= 3 ? record : undefined;
  });
  expect(stored.sessions).toHaveLength(1);
  expect(stored.sessions[0]).toMatchObject({ pageViews: 3, entryPath: '/landing?utm_source=launch', exitPath: '/about' });
});

it('refuses a page on an origin not allowed (403), a malformed claim (400) and a GET (405)', async () => {
  expect((await beacon(claim('/x'), { origin: 'https://evil.example' })).status).toBe(403);
  expect((await beacon('p=%2Fa&p=%2Fb')).status).toBe(400);
  expect((await visit(local.frontDoorUrl, '/_vg/view')).status).toBe(405);
});
