import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  MAX_COOKIE_VALUE_LENGTH,
  decodeDeviceCookie,
  encodeDeviceCookie,
  userLinkTag,
  type DeviceCookieState,
} from '../../lambdas/identity/cookie-codec';
import { parseKeyRing } from '../../lambdas/identity/key-ring';
import { NOW_SECONDS, RING_K1, RING_K2_K1, RING_K2_ONLY, SECRET_1, testId, testSessionId } from './test-keys';

const BASE64URL_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';

const STATE: DeviceCookieState = {
  deviceId: testId(1),
  issuedAtSeconds: NOW_SECONDS - 3600,
  expiresAtSeconds: NOW_SECONDS + 86_400,
  session: { id: testSessionId(2), startSeconds: NOW_SECONDS - 600, lastActivitySeconds: NOW_SECONDS - 60 },
  userLink: userLinkTag('user-1', RING_K1),
};

describe('device cookie codec', () => {
  it('round-trips every field', () => {
    const value = encodeDeviceCookie(STATE, RING_K1);
    expect(value).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(decodeDeviceCookie(value, RING_K1, NOW_SECONDS)).toEqual({ ok: true, keyId: 'k1', state: STATE });
  });

  it('re-encodes decoded ids correctly whatever was decoded in between', () => {
    const a = encodeDeviceCookie(STATE, RING_K1);
    const other = { ...STATE, deviceId: testId(8), session: { ...STATE.session, id: testSessionId(9) } } as DeviceCookieState;
    const b = encodeDeviceCookie(other, RING_K1);
    const decodedA = decodeDeviceCookie(a, RING_K1, NOW_SECONDS);
    if (!decodedA.ok) throw new Error('expected a valid cookie');
    // A failing decode and a successful decode of another cookie both reuse the scratch buffer.
    expect(decodeDeviceCookie(`${b.slice(0, -2)}AA`, RING_K1, NOW_SECONDS).ok).toBe(false);
    expect(decodeDeviceCookie(encodeDeviceCookie(decodedA.state, RING_K1), RING_K1, NOW_SECONDS)).toMatchObject({ ok: true, state: STATE });
    expect(decodeDeviceCookie(b, RING_K1, NOW_SECONDS).ok).toBe(true);
    expect(decodeDeviceCookie(encodeDeviceCookie(decodedA.state, RING_K1), RING_K1, NOW_SECONDS)).toMatchObject({ ok: true, state: STATE });
    const decodedB = decodeDeviceCookie(b, RING_K1, NOW_SECONDS);
    if (!decodedB.ok) throw new Error('expected a valid cookie');
    expect(encodeDeviceCookie(decodedB.state, RING_K1)).toBe(b);
  });

  it('round-trips a cookie without session and user link', () => {
    const state: DeviceCookieState = { deviceId: testId(7), issuedAtSeconds: NOW_SECONDS, expiresAtSeconds: NOW_SECONDS + 60 };
    const decoded = decodeDeviceCookie(encodeDeviceCookie(state, RING_K1), RING_K1, NOW_SECONDS);
    expect(decoded).toEqual({ ok: true, keyId: 'k1', state: { ...state, session: undefined, userLink: undefined } });
  });

  it('signs with HMAC-SHA256 of the current key over every byte before the MAC', () => {
    const bytes = Buffer.from(encodeDeviceCookie(STATE, RING_K1), 'base64url');
    const mac = createHmac('sha256', Buffer.from(SECRET_1)).update(bytes.subarray(0, bytes.length - 32)).digest();
    expect(bytes.subarray(bytes.length - 32).equals(mac)).toBe(true);
    expect(bytes.length % 3).toBe(0);
  });

  it('keeps the signed part within one SHA-256 block (55 bytes) for key ids of 1 or 2 characters', () => {
    for (const keyId of ['k', 'k1', 'k9']) {
      const ring = parseKeyRing(JSON.stringify({ current: keyId, [keyId]: SECRET_1 }));
      const bytes = Buffer.from(encodeDeviceCookie(STATE, ring), 'base64url');
      expect(bytes.length - 32).toBeLessThanOrEqual(55);
    }
  });

  it('rejects a change to ANY character of the cookie, to every other base64url character', () => {
    const value = encodeDeviceCookie(STATE, RING_K1);
    let attempts = 0;
    for (let i = 0; i < value.length; i++) {
      for (const replacement of BASE64URL_ALPHABET + '=+/.~ ') {
        if (replacement === value[i]) continue;
        const forged = value.slice(0, i) + replacement + value.slice(i + 1);
        attempts++;
        expect(decodeDeviceCookie(forged, RING_K1, NOW_SECONDS).ok, `position ${i} -> ${replacement}`).toBe(false);
      }
    }
    expect(attempts).toBeGreaterThan(value.length * 60);
  });

  it('rejects a flip of any bit of any decoded byte', () => {
    const bytes = Buffer.from(encodeDeviceCookie(STATE, RING_K1), 'base64url');
    for (let i = 0; i < bytes.length; i++) {
      for (let bit = 0; bit < 8; bit++) {
        const copy = Buffer.from(bytes);
        copy[i] = (copy[i] ?? 0) ^ (1 << bit);
        expect(decodeDeviceCookie(copy.toString('base64url'), RING_K1, NOW_SECONDS).ok).toBe(false);
      }
    }
  });

  it('rotates keys: a cookie signed by the old key verifies, new cookies are signed by the new key', () => {
    const old = encodeDeviceCookie(STATE, RING_K1);
    expect(decodeDeviceCookie(old, RING_K2_K1, NOW_SECONDS)).toMatchObject({ ok: true, keyId: 'k1' });
    const fresh = encodeDeviceCookie(STATE, RING_K2_K1);
    expect(decodeDeviceCookie(fresh, RING_K2_K1, NOW_SECONDS)).toMatchObject({ ok: true, keyId: 'k2' });
    expect(decodeDeviceCookie(fresh, RING_K2_ONLY, NOW_SECONDS)).toMatchObject({ ok: true, keyId: 'k2' });
  });

  it('rejects a cookie whose key id is no longer in the ring', () => {
    const old = encodeDeviceCookie(STATE, RING_K1);
    expect(decodeDeviceCookie(old, RING_K2_ONLY, NOW_SECONDS)).toEqual({ ok: false, reason: 'unknown_key' });
  });

  it('rejects a cookie signed with a different secret under the same key id', () => {
    const impostor = parseKeyRing(JSON.stringify({ current: 'k1', k1: 'an-attacker-secret-of-32-characters-x' }));
    const forged = encodeDeviceCookie(STATE, impostor);
    expect(decodeDeviceCookie(forged, RING_K1, NOW_SECONDS)).toEqual({ ok: false, reason: 'bad_signature' });
  });

  it('rejects an expired cookie, and accepts it one second before expiry', () => {
    const value = encodeDeviceCookie(STATE, RING_K1);
    expect(decodeDeviceCookie(value, RING_K1, STATE.expiresAtSeconds - 1).ok).toBe(true);
    expect(decodeDeviceCookie(value, RING_K1, STATE.expiresAtSeconds)).toEqual({ ok: false, reason: 'expired' });
  });

  it('round-trips sessions of up to 7 days and refuses session times it cannot store', () => {
    const week = { ...STATE, session: { id: testSessionId(3), startSeconds: NOW_SECONDS - 7 * 86_400, lastActivitySeconds: NOW_SECONDS } };
    expect(decodeDeviceCookie(encodeDeviceCookie(week, RING_K1), RING_K1, NOW_SECONDS)).toMatchObject({ ok: true, state: week });
    const backwards = { ...STATE, session: { id: testSessionId(3), startSeconds: NOW_SECONDS, lastActivitySeconds: NOW_SECONDS - 1 } };
    expect(() => encodeDeviceCookie(backwards, RING_K1)).toThrow(RangeError);
  });

  it('rejects a cookie issued in the future beyond the clock skew allowance', () => {
    const value = encodeDeviceCookie({ ...STATE, issuedAtSeconds: NOW_SECONDS + 3600, expiresAtSeconds: NOW_SECONDS + 7200, session: undefined }, RING_K1);
    expect(decodeDeviceCookie(value, RING_K1, NOW_SECONDS)).toEqual({ ok: false, reason: 'malformed' });
  });

  it.each([
    ['empty', ''],
    ['garbage', 'hello world'],
    ['oversized', 'A'.repeat(MAX_COOKIE_VALUE_LENGTH + 4)],
    ['huge', 'A'.repeat(1_000_000)],
    ['padding characters', `${encodeDeviceCookie(STATE, RING_K1)}==`],
    ['standard base64 alphabet', encodeDeviceCookie(STATE, RING_K1).replaceAll('-', '+').replaceAll('_', '/') + '+'],
    ['a truncated value', encodeDeviceCookie(STATE, RING_K1).slice(0, -4)],
    ['an appended block', `${encodeDeviceCookie(STATE, RING_K1)}AAAA`],
    ['all zero bytes of the right length', 'A'.repeat(encodeDeviceCookie(STATE, RING_K1).length)],
    ['quoted', `"${encodeDeviceCookie(STATE, RING_K1)}"`],
    ['unicode', 'é'.repeat(124)],
  ])('treats %s values as malformed without throwing', (_label, value) => {
    expect(decodeDeviceCookie(value, RING_K1, NOW_SECONDS)).toMatchObject({ ok: false });
  });

  it('never throws on non-string input smuggled past the types', () => {
    expect(decodeDeviceCookie(undefined as unknown as string, RING_K1, NOW_SECONDS)).toEqual({ ok: false, reason: 'malformed' });
  });

  it('refuses to encode ids of the wrong shape (a programming error, not input)', () => {
    expect(() => encodeDeviceCookie({ ...STATE, deviceId: 'short' }, RING_K1)).toThrow(RangeError);
  });

  it('derives a user link tag that depends on the user and the key', () => {
    expect(userLinkTag('a', RING_K1)).toHaveLength(6);
    expect(userLinkTag('a', RING_K1)).toBe(userLinkTag('a', RING_K1));
    expect(userLinkTag('a', RING_K1)).not.toBe(userLinkTag('b', RING_K1));
    expect(userLinkTag('a', RING_K1)).not.toBe(userLinkTag('a', RING_K2_K1));
  });
});
