import { describe, expect, it } from 'vitest';
import { BEACON_LIMITS } from '../../lambdas/contract/reserved-paths';
import { parseBeaconClaim } from '../../lambdas/identity/beacon-claim';

const PREFIX = '/_vg/';
const claim = (fields: Record<string, string>) => new URLSearchParams(fields).toString();

describe('parseBeaconClaim', () => {
  it('reads the path, the UTM parameters of its query and the referrer', () => {
    expect(parseBeaconClaim(claim({ p: '/docs/intro?tab=2&utm_source=news&utm_medium=mail', r: 'https://www.example.com/docs' }), PREFIX)).toEqual({
      path: '/docs/intro',
      utm: { utm_source: 'news', utm_medium: 'mail' },
      referrer: 'https://www.example.com/docs',
    });
    expect(parseBeaconClaim(claim({ p: '/' }), PREFIX)).toEqual({ path: '/', utm: undefined, referrer: undefined });
  });

  it('records the canonical path, as the front door does for a document', () => {
    expect(parseBeaconClaim(claim({ p: '/a/./b/../c/%64' }), PREFIX)?.path).toBe('/a/c/d');
  });

  it.each([
    ['no path', claim({ r: 'https://x.example/' })],
    ['two paths (one view per beacon)', 'p=%2Fa&p=%2Fb'],
    ['two referrers', 'p=%2Fa&r=x&r=y'],
    ['a relative path', claim({ p: 'pricing' })],
    ['a protocol-relative URL', claim({ p: '//evil.example/x' })],
    ['an absolute URL', claim({ p: 'https://evil.example/x' })],
    ['a space', claim({ p: '/a b' })],
    ['a control character', claim({ p: '/a\u0000b' })],
    ['non-ASCII text (browsers send it escaped)', claim({ p: '/caf\u00e9' })],
    ['a fragment', claim({ p: '/a#b' })],
    ['a path under the reserved prefix', claim({ p: '/_vg/view' })],
    ['the reserved prefix itself', claim({ p: '/_vg' })],
    ['a path that resolves under the reserved prefix', claim({ p: '/x/../_vg/spa.js' })],
    ['a path over the limit', claim({ p: `/${'a'.repeat(BEACON_LIMITS.pathChars)}` })],
    ['a body over the limit', `p=%2F&x=${'a'.repeat(BEACON_LIMITS.bodyBytes)}`],
    ['JSON', JSON.stringify({ p: '/a' })],
  ])('refuses %s', (_what, body) => {
    expect(parseBeaconClaim(body, PREFIX)).toBeUndefined();
  });

  it('accepts a path of exactly the limit, and drops an over-long referrer rather than the view', () => {
    const path = `/${'a'.repeat(BEACON_LIMITS.pathChars - 1)}`;
    const parsed = parseBeaconClaim(claim({ p: path, r: `https://x.example/${'b'.repeat(BEACON_LIMITS.referrerChars)}` }), PREFIX);
    expect(parsed).toEqual({ path, utm: undefined, referrer: undefined });
  });

  it('never throws on malformed escapes', () => {
    expect(() => parseBeaconClaim('p=%E0%A4%A&r=%', PREFIX)).not.toThrow();
    expect(parseBeaconClaim('p=%2Fa%ZZ', PREFIX)?.path).toBe('/a%ZZ');
  });
});
