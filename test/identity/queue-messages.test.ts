import { describe, expect, it } from 'vitest';
import {
  buildIdentifyMessage,
  buildPageViewMessage,
  pathWithUtm,
  referrerOf,
  utmFromParameters,
  utmFromQueryString,
} from '../../lambdas/identity/queue-messages';
import { parseQueueMessage } from '../../lambdas/contract/page-view-message';
import { testId, testSessionId } from './test-keys';

const DEVICE = { browser: 'chrome', os: 'windows', type: 'desktop' } as const;

describe('queue messages', () => {
  it('picks only the UTM parameters from a query string, decoded, first occurrence wins', () => {
    expect(utmFromQueryString('q=secret&utm_source=news%20letter&utm_medium=email&utm_source=other&utm_x=1&token=abc')).toEqual({
      utm_source: 'news letter',
      utm_medium: 'email',
    });
    expect(utmFromQueryString('utm_campaign=a+b&utm_term=%E0%A4%A')).toEqual({ utm_campaign: 'a b' });
    expect(utmFromQueryString('q=1')).toBeUndefined();
    expect(utmFromQueryString('')).toBeUndefined();
    expect(utmFromQueryString(undefined)).toBeUndefined();
    expect(utmFromQueryString(`utm_source=${'x'.repeat(500)}`)?.utm_source).toHaveLength(200);
  });

  it('cuts UTM values and paths by code point and makes any text sendable, never throwing', () => {
    // 199 characters and an emoji: a 200-unit cut would leave half of the surrogate pair.
    const utm = utmFromQueryString(`utm_source=${'a'.repeat(199)}%F0%9F%92%A5&utm_medium=${'b'.repeat(198)}%F0%9F%92%A5`);
    expect(utm).toEqual({ utm_source: 'a'.repeat(199), utm_medium: `${'b'.repeat(198)}💥` });
    expect(pathWithUtm('/p', utm)).toBe(`/p?utm_source=${'a'.repeat(199)}&utm_medium=${'b'.repeat(198)}%F0%9F%92%A5`);
    // REST parameters arrive decoded: lone surrogates and the noncharacters SQS refuses become U+FFFD.
    const rest = utmFromParameters({ utm_source: ['\uD83D'], utm_medium: ['a\uFFFFb\uDC00'], utm_term: [`${'t'.repeat(199)}\uD83D\uDCA5`] });
    expect(rest).toEqual({ utm_source: '\uFFFD', utm_medium: 'a\uFFFDb\uFFFD', utm_term: 't'.repeat(199) });
    expect(() => pathWithUtm('/p', rest)).not.toThrow();
    const longPath = pathWithUtm(`/${'a'.repeat(2046)}💥`, undefined);
    expect(longPath).toBe(`/${'a'.repeat(2046)}`);
    expect(pathWithUtm('/x\uD800y\uFFFE', undefined)).toBe('/x\uFFFDy\uFFFD');
  });

  it('picks UTM parameters from REST multi-value parameters', () => {
    expect(utmFromParameters({ utm_source: ['a', 'b'], q: ['x'], utm_term: [''] })).toEqual({ utm_source: 'a' });
    expect(utmFromParameters(null)).toBeUndefined();
  });

  it('keeps only UTM parameters in the path, in a fixed order', () => {
    expect(pathWithUtm('/p', { utm_medium: 'e mail', utm_source: 'n&l' })).toBe('/p?utm_source=n%26l&utm_medium=e%20mail');
    expect(pathWithUtm('/p', undefined)).toBe('/p');
    expect(pathWithUtm(`/${'a'.repeat(3000)}`, undefined)).toHaveLength(2048);
  });

  it('reduces the referrer to origin and path', () => {
    expect(referrerOf('https://user:pw@www.google.com:8443/search?q=private#frag')).toEqual({
      origin: 'https://www.google.com:8443',
      path: '/search',
    });
    expect(referrerOf('android-app://com.google.android.gm/')).toBeUndefined();
    expect(referrerOf('not a url')).toBeUndefined();
    expect(referrerOf(undefined)).toBeUndefined();
    expect(referrerOf(`https://${'a'.repeat(300)}.com/`)).toBeUndefined();
    expect(referrerOf('http://192.168.1.1/admin')).toBeUndefined();
    expect(referrerOf('http://[2001:db8::1]:8080/x')).toBeUndefined();
    expect(referrerOf('https://1.example.com/')).toEqual({ origin: 'https://1.example.com', path: '/' });
  });

  it('gives the same referrer on its fast path as full URL parsing', () => {
    const referers = [
      'https://www.google.com/',
      'https://www.google.com',
      'http://example.org/a/b.html?x=1#y',
      'https://news.ycombinator.com/item?id=1',
      'https://example.org/caf%C3%A9/menu',
      "https://example.org/a;b=c/d:e@f!$&'()*+,=",
      'https://example.org/x#frag',
      'https://sub.domain-with-dash.example.co.uk/path/',
      'https://example.org/a/../b',
      'https://EXAMPLE.org/Up',
      'https://example.org:443/p',
      'https://example.org:8443/p',
      'https://user@example.org/p',
      'https://example.org/with space',
      'https://example.org/ünï',
    ];
    for (const referer of referers) {
      const url = new URL(referer);
      expect(referrerOf(referer), referer).toEqual({ origin: url.origin, path: url.pathname });
    }
  });

  it('builds a page view that the consumer schema accepts', () => {
    const message = buildPageViewMessage({
      viewId: testId(3),
      deviceId: testId(1),
      sessionId: testSessionId(2),
      sessionStarted: true,
      nowMillis: 1_764_428_400_123,
      path: '/pricing',
      utm: { utm_source: 'news' },
      referer: 'https://example.org/blog/post?id=7',
      device: DEVICE,
    });
    expect(message).toEqual({
      type: 'page_view',
      v: 1,
      id: testId(3),
      deviceId: testId(1),
      sessionId: testSessionId(2),
      sessionStarted: true,
      ts: 1_764_428_400_123,
      path: '/pricing?utm_source=news',
      referrer: { origin: 'https://example.org', path: '/blog/post' },
      utm: { utm_source: 'news' },
      device: DEVICE,
    });
    expect(parseQueueMessage(JSON.stringify(message))).toMatchObject({ ok: true });
  });

  it('omits absent referrer and utm, and still validates', () => {
    const message = buildPageViewMessage({
      viewId: testId(3),
      deviceId: testId(1),
      sessionId: testSessionId(2),
      sessionStarted: false,
      nowMillis: 1,
      path: 'no-leading-slash',
      utm: undefined,
      referer: undefined,
      device: DEVICE,
    });
    expect(message).not.toHaveProperty('referrer');
    expect(message).not.toHaveProperty('utm');
    expect(message.path).toBe('/no-leading-slash');
    expect(parseQueueMessage(JSON.stringify(message))).toMatchObject({ ok: true });
  });

  it('builds an identify message that the consumer schema accepts', () => {
    const message = buildIdentifyMessage(testId(9), testId(1), 'auth0|user-42', 5);
    expect(message).toEqual({ type: 'identify', v: 1, id: testId(9), deviceId: testId(1), userId: 'auth0|user-42', ts: 5 });
    expect(parseQueueMessage(JSON.stringify(message))).toMatchObject({ ok: true });
  });
});

describe('utmFromQueryString edge cases', () => {
  it('ignores look-alike keys and keeps the first of repeated keys', () => {
    expect(utmFromQueryString('xutm_source=a&utm_sourcex=b&utm_source&utm_medium=&utm_campaign=c&utm_campaign=d')).toEqual({ utm_campaign: 'c' });
    expect(utmFromQueryString('a=utm_source=x')).toBeUndefined();
    expect(utmFromQueryString('utm_term=a%26b&x=1')).toEqual({ utm_term: 'a&b' });
  });
});
