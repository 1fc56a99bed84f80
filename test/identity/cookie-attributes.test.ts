import { describe, expect, it } from 'vitest';
import { cookieSettingsProblems, createSetCookieBuilder } from '../../lambdas/identity/cookie-attributes';

describe('Set-Cookie attributes', () => {
  it('sets HttpOnly, Secure, SameSite=Lax, Path=/ and Max-Age', () => {
    const builder = createSetCookieBuilder({ name: 'device_fp' });
    expect(builder.set('VALUE', 2_592_000)).toBe('device_fp=VALUE; Max-Age=2592000; Path=/; HttpOnly; Secure; SameSite=Lax');
  });

  it('adds Domain when configured', () => {
    const builder = createSetCookieBuilder({ name: 'device_fp', domain: '.example.com' });
    expect(builder.set('V', 60)).toBe('device_fp=V; Max-Age=60; Path=/; Domain=.example.com; HttpOnly; Secure; SameSite=Lax');
    expect(builder.deletion).toBe('device_fp=; Max-Age=0; Path=/; Domain=.example.com; HttpOnly; Secure; SameSite=Lax');
  });

  it('deletes with Max-Age=0 and has a no-change value that touches another name', () => {
    const builder = createSetCookieBuilder({ name: '__Host-device_fp' });
    expect(builder.deletion).toBe('__Host-device_fp=; Max-Age=0; Path=/; HttpOnly; Secure; SameSite=Lax');
    expect(builder.noChange).toMatch(/^__Host-device_fp_unchanged=; Max-Age=0; Path=\/; HttpOnly; Secure; SameSite=Lax$/);
  });

  it('never emits a negative Max-Age', () => {
    expect(createSetCookieBuilder({ name: 'c' }).set('v', -5)).toContain('Max-Age=0;');
  });

  const NAMES = { name: 'COOKIE_NAME', domain: 'COOKIE_DOMAIN' };

  it('accepts valid settings', () => {
    expect(cookieSettingsProblems({ name: 'device_fp' }, NAMES)).toEqual([]);
    expect(cookieSettingsProblems({ name: '__Host-device_fp' }, NAMES)).toEqual([]);
    expect(cookieSettingsProblems({ name: '__Secure-device_fp', domain: 'example.com' }, NAMES)).toEqual([]);
  });

  it('rejects a __Host- cookie with a Domain, bad names and bad domains', () => {
    expect(cookieSettingsProblems({ name: '__Host-device_fp', domain: 'example.com' }, NAMES)).toEqual([
      expect.stringMatching(/__Host-.*unset COOKIE_DOMAIN/),
    ]);
    expect(cookieSettingsProblems({ name: 'bad name' }, NAMES)).toEqual([expect.stringMatching(/not a valid cookie name/)]);
    expect(cookieSettingsProblems({ name: 'a;b' }, NAMES)).toHaveLength(1);
    expect(cookieSettingsProblems({ name: 'c', domain: 'exa mple.com' }, NAMES)).toEqual([expect.stringMatching(/not a valid host name/)]);
    expect(cookieSettingsProblems({ name: 'c', domain: 'x.com; Secure' }, NAMES)).toHaveLength(1);
  });
});
