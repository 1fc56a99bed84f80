import { describe, expect, it } from 'vitest';
import { decodeDeviceCookie, encodeDeviceCookie } from '../../lambdas/identity/cookie-codec';
import { resolveIdentity, type IdentitySettings } from '../../lambdas/identity/identity-resolution';
import { NOW_SECONDS, RING_K1, RING_K2_K1, sequentialIds, testId } from './test-keys';

const SETTINGS: IdentitySettings = {
  keyRing: RING_K1,
  maxAgeSeconds: 2_592_000,
  renewal: 'sliding',
  session: { timeoutSeconds: 1800, maxSeconds: 86_400 },
};
const NOW = NOW_SECONDS * 1000;

function visit(cookieValues: string[], nowMillis: number, overrides: { track?: boolean; userId?: string; settings?: Partial<IdentitySettings> } = {}) {
  return resolveIdentity(
    { cookieValues, nowMillis, track: overrides.track ?? true, userId: overrides.userId },
    { ...SETTINGS, ...overrides.settings },
    { device: sequentialIds(Math.floor(nowMillis / 1000) % 100_000), session: sequentialIds(50_000 + (Math.floor(nowMillis / 1000) % 100_000)) },
  );
}

describe('resolveIdentity', () => {
  it('mints a device and opens a session for a new visitor', () => {
    const result = visit([], NOW);
    expect(result).toMatchObject({ isNewDevice: true, isNewSession: true, cookieMaxAgeSeconds: 2_592_000, linkUser: false });
    expect(result.rejectedCookie).toBeUndefined();
    const decoded = decodeDeviceCookie(result.cookieValue, RING_K1, NOW_SECONDS);
    expect(decoded).toMatchObject({ ok: true, state: { deviceId: result.deviceId, session: { id: result.sessionId } } });
  });

  it('recognises a returning visitor and continues the session', () => {
    const first = visit([], NOW);
    const second = visit([first.cookieValue], NOW + 60_000);
    expect(second).toMatchObject({ deviceId: first.deviceId, sessionId: first.sessionId, isNewDevice: false, isNewSession: false });
  });

  it('opens a new session after 30 idle minutes, keeping the device', () => {
    const first = visit([], NOW);
    const later = visit([first.cookieValue], NOW + 1800_000);
    expect(later).toMatchObject({ deviceId: first.deviceId, isNewDevice: false, isNewSession: true });
    expect(later.sessionId).not.toBe(first.sessionId);
  });

  it('does not move the session on identified-only requests, and reports no session when none is live', () => {
    const minted = visit([], NOW, { track: false });
    expect(minted).toMatchObject({ isNewDevice: true, isNewSession: false });
    expect(minted.sessionId).toBeUndefined();
    const page = visit([minted.cookieValue], NOW + 1000);
    expect(page).toMatchObject({ deviceId: minted.deviceId, isNewSession: true });
    const api = visit([page.cookieValue], NOW + 2000, { track: false });
    expect(api).toMatchObject({ sessionId: page.sessionId, isNewSession: false });
    const state = decodeDeviceCookie(api.cookieValue, RING_K1, NOW_SECONDS + 2);
    expect(state.ok && state.state.session?.lastActivitySeconds).toBe(NOW_SECONDS + 1);
  });

  it('treats invalid cookies as a new visitor and says why', () => {
    expect(visit(['garbage'], NOW)).toMatchObject({ isNewDevice: true, rejectedCookie: 'malformed' });
  });

  it('takes the first valid value among duplicates', () => {
    const a = visit([], NOW);
    const b = visit([], NOW + 1000);
    expect(visit(['garbage', a.cookieValue, b.cookieValue], NOW + 2000)).toMatchObject({ deviceId: a.deviceId, isNewDevice: false });
    expect(visit([b.cookieValue, a.cookieValue], NOW + 2000).deviceId).toBe(b.deviceId);
  });

  it('re-signs old-key cookies with the current key after rotation, keeping the device', () => {
    const old = visit([], NOW);
    const rotated = visit([old.cookieValue], NOW + 1000, { settings: { keyRing: RING_K2_K1 } });
    expect(rotated.deviceId).toBe(old.deviceId);
    expect(decodeDeviceCookie(rotated.cookieValue, RING_K2_K1, NOW_SECONDS + 1)).toMatchObject({ ok: true, keyId: 'k2' });
  });

  it('slides the expiry forward on each visit', () => {
    const first = visit([], NOW);
    const later = visit([first.cookieValue], NOW + 10 * 86_400_000);
    expect(later.cookieMaxAgeSeconds).toBe(2_592_000);
    const decoded = decodeDeviceCookie(later.cookieValue, RING_K1, NOW_SECONDS + 10 * 86_400);
    expect(decoded.ok && decoded.state.expiresAtSeconds).toBe(NOW_SECONDS + 10 * 86_400 + 2_592_000);
  });

  it('with fixed renewal, counts Max-Age down from issued-at and mints anew at the end', () => {
    const fixed = { settings: { renewal: 'fixed' as const } };
    const first = visit([], NOW, fixed);
    const later = visit([first.cookieValue], NOW + 10 * 86_400_000, fixed);
    expect(later).toMatchObject({ deviceId: first.deviceId, cookieMaxAgeSeconds: 20 * 86_400 });
    const expired = visit([later.cookieValue], NOW + 30 * 86_400_000, fixed);
    expect(expired).toMatchObject({ isNewDevice: true, rejectedCookie: 'expired' });
  });

  it('with fixed renewal, a shortened max age ends older cookies early', () => {
    const first = visit([], NOW, { settings: { renewal: 'fixed' } });
    const shorter = visit([first.cookieValue], NOW + 2 * 86_400_000, { settings: { renewal: 'fixed', maxAgeSeconds: 86_400 } });
    expect(shorter.isNewDevice).toBe(true);
  });

  it('reuses the incoming value when nothing in the cookie changes', () => {
    const fixed = { settings: { renewal: 'fixed' as const } };
    const first = visit([], NOW, { ...fixed, track: false });
    expect(visit([first.cookieValue], NOW + 5000, { ...fixed, track: false }).cookieValue).toBe(first.cookieValue);
  });

  it('links an authenticated user to a returning device once, and again for another user', () => {
    const anonymous = visit([], NOW);
    const login = visit([anonymous.cookieValue], NOW + 1000, { track: false, userId: 'user-1' });
    expect(login).toMatchObject({ deviceId: anonymous.deviceId, linkUser: true });
    const again = visit([login.cookieValue], NOW + 2000, { track: false, userId: 'user-1' });
    expect(again.linkUser).toBe(false);
    const other = visit([again.cookieValue], NOW + 3000, { track: false, userId: 'user-2' });
    expect(other.linkUser).toBe(true);
  });

  it('does not link a device minted on the authenticated request itself (no cookie came with it)', () => {
    expect(visit([], NOW, { track: false, userId: 'user-1' })).toMatchObject({ isNewDevice: true, linkUser: false });
  });

  it('mints ids from the injected source', () => {
    const cookie = encodeDeviceCookie({ deviceId: testId(1), issuedAtSeconds: NOW_SECONDS, expiresAtSeconds: NOW_SECONDS + 60 }, RING_K1);
    expect(visit([cookie], NOW).deviceId).toBe(testId(1));
  });
});
