import { describe, expect, it } from 'vitest';
import { MAX_COOKIE_HEADER_LENGTH, findCookieValues } from '../../lambdas/identity/request-cookies';

describe('findCookieValues', () => {
  it('finds the value in a Cookie header among other cookies', () => {
    expect(findCookieValues(['a=1; device_fp=abc; b=2'], 'device_fp', 4)).toEqual(['abc']);
  });

  it('reads HTTP API 2.0 cookies arrays (one pair per element)', () => {
    expect(findCookieValues(['a=1', 'device_fp=abc', 'b=2'], 'device_fp', 4)).toEqual(['abc']);
  });

  it('returns every duplicate in request order so the first valid one can win', () => {
    expect(findCookieValues(['device_fp=first; x=1;device_fp=second', 'device_fp=third'], 'device_fp', 4)).toEqual([
      'first',
      'second',
      'third',
    ]);
  });

  it('caps the number of values (each costs an HMAC)', () => {
    const header = Array.from({ length: 50 }, (_, i) => `device_fp=v${i}`).join('; ');
    expect(findCookieValues([header], 'device_fp', 4)).toEqual(['v0', 'v1', 'v2', 'v3']);
  });

  it('does not match names that merely end with the cookie name', () => {
    expect(findCookieValues(['xdevice_fp=evil; my.device_fp=evil2'], 'device_fp', 4)).toEqual([]);
  });

  it('handles __Host- names, empty values, and missing cookies', () => {
    expect(findCookieValues(['__Host-device_fp=v'], '__Host-device_fp', 4)).toEqual(['v']);
    expect(findCookieValues(['device_fp=; a=1'], 'device_fp', 4)).toEqual(['']);
    expect(findCookieValues(['a=1'], 'device_fp', 4)).toEqual([]);
    expect(findCookieValues([], 'device_fp', 4)).toEqual([]);
  });

  it('skips oversized headers instead of scanning them', () => {
    expect(findCookieValues([`device_fp=v; ${'a'.repeat(MAX_COOKIE_HEADER_LENGTH)}`], 'device_fp', 4)).toEqual([]);
  });
});
