/** The reserved prefix's own rules, as the authorizer (cold start) and the stack (synth) apply them. */
import { describe, expect, it } from 'vitest';
import { loadAuthorizerConfig } from '../../lambdas/authorizer/config';
import { resolveTrackingSettings } from '../../lib/tracking-settings';
import { TEST_ORIGIN } from '../../harness/stack-fixture';
import { SIGNING_KEYS } from '../authorizer/authorizer-fixtures';

const load = (env: Record<string, string>) => () => loadAuthorizerConfig({ QUEUE_URL: 'http://127.0.0.1:1/000000000000/q', SIGNING_KEYS, ...env });

describe('reservedPrefix', () => {
  it('defaults to /_vg/ and takes one other segment', () => {
    expect(load({})().reservedPrefix).toBe('/_vg/');
    expect(load({ RESERVED_PREFIX: '/_t/' })().reservedPrefix).toBe('/_t/');
  });

  it.each(['_vg', '/_vg', '/a/b/', '/', '/has space/', '/{proxy+}/'])('refuses %j', (prefix) => {
    expect(load({ RESERVED_PREFIX: prefix })).toThrow(/RESERVED_PREFIX must be one path segment between slashes/);
  });

  it('refuses a skip or untracked entry that overlaps it, in the function and in the stack', () => {
    expect(load({ SKIP_PREFIXES: '/static/,/_vg/' })).toThrow('SKIP_PREFIXES entry "/_vg/" overlaps RESERVED_PREFIX "/_vg/"');
    expect(load({ UNTRACKED_PREFIXES: '/_vg/api/' })).toThrow('UNTRACKED_PREFIXES entry "/_vg/api/" overlaps RESERVED_PREFIX');
    expect(load({ UNTRACKED_PREFIXES: '/_' })).toThrow('UNTRACKED_PREFIXES entry "/_" overlaps');
    expect(() => resolveTrackingSettings({ originUrl: TEST_ORIGIN, skipPrefixes: ['/_vg/x'] })).toThrow('skipPrefixes entry "/_vg/x" overlaps reservedPrefix "/_vg/"');
    expect(() => resolveTrackingSettings({ originUrl: TEST_ORIGIN, reservedPrefix: '/_t/', skipPrefixes: ['/_vg/x'] })).not.toThrow();
  });
});

describe('beaconOrigins', () => {
  it('takes origins exactly as browsers send them', () => {
    expect(load({ BEACON_ORIGINS: 'https://www.example.com, http://localhost:8080' })().beaconOrigins).toEqual(['https://www.example.com', 'http://localhost:8080']);
    expect(load({ BEACON_ORIGINS: 'https://www.example.com/' })).toThrow(/must be an origin exactly as browsers send it \(https:\/\/www\.example\.com\)/);
    expect(load({ BEACON_ORIGINS: 'ftp://x.example' })).toThrow(/must be an http\(s\) origin/);
  });
});
