import { RemovalPolicy } from 'aws-cdk-lib';
import { describe, expect, it } from 'vitest';
import {
  CONTEXT_KEY_KINDS,
  TRACKING_DEFAULTS,
  TrackingSettingsError,
  propsFromContext,
  resolveTrackingSettings,
} from '../../lib/tracking-settings';

const context = (values: Record<string, unknown>) => (key: string) => values[key];

describe('propsFromContext', () => {
  it('parses -c strings into numbers, booleans and comma-separated lists', () => {
    const props = propsFromContext(
      context({
        originUrl: 'https://origin.example.com',
        cookieMaxAgeSeconds: '86400',
        honorPrivacySignals: 'false',
        skipPrefixes: '/assets/, /favicon.ico ,',
        cookieRenewal: 'fixed',
      }),
    );
    expect(props).toEqual({
      originUrl: 'https://origin.example.com',
      cookieMaxAgeSeconds: 86400,
      honorPrivacySignals: false,
      skipPrefixes: ['/assets/', '/favicon.ico'],
      cookieRenewal: 'fixed',
    });
  });

  it('accepts cdk.json values that are already typed', () => {
    expect(propsFromContext(context({ consumerBatchSize: 50, tracing: true, untrackedPrefixes: ['/api/', '/graphql'] }))).toEqual({
      consumerBatchSize: 50,
      tracing: true,
      untrackedPrefixes: ['/api/', '/graphql'],
    });
  });

  it('reports every unparsable value at once', () => {
    expect(() => propsFromContext(context({ retentionDays: 'thirty', tracing: 'yes' }))).toThrow(
      /retentionDays=thirty is not a number[\s\S]*tracing=yes must be true or false/,
    );
  });

  it('reads every prop', () => {
    expect(Object.keys(CONTEXT_KEY_KINDS)).toContain('originUrl');
    expect(Object.keys(CONTEXT_KEY_KINDS)).toHaveLength(new Set(Object.keys(CONTEXT_KEY_KINDS)).size);
  });
});

describe('resolveTrackingSettings', () => {
  it('applies the documented defaults', () => {
    const settings = resolveTrackingSettings({ originUrl: 'https://origin.example.com/' });
    expect(settings).toMatchObject({
      originUrl: 'https://origin.example.com',
      cookieName: TRACKING_DEFAULTS.cookieName,
      cookieMaxAgeSeconds: 2_592_000,
      cookieRenewal: 'sliding',
      skipPrefixes: ['/static/', '/media/', '/health/', '/favicon.ico', '/robots.txt'],
      untrackedPrefixes: ['/api/'],
      sessionTimeoutSeconds: 1800,
      sessionMaxSeconds: 86_400,
      retentionDays: 30,
      consumerBatchSize: 1000,
      consumerMaxBatchingWindowSeconds: 300,
      tableCapacity: 'on-demand',
      dashboard: false,
      dataRemovalPolicy: RemovalPolicy.RETAIN,
      tracing: false,
    });
    expect(settings.customDomain).toBeUndefined();
    expect(settings.jwt).toBeUndefined();
    // Unset, so the event source mapping may scale down to 2 pollers at low traffic.
    expect(settings).not.toHaveProperty('consumerMaxConcurrency');
  });

  it('validates tableCapacity, tableMaxWriteCapacity and a set consumerMaxConcurrency', () => {
    const origin = { originUrl: 'https://origin.example.com' };
    expect(resolveTrackingSettings({ ...origin, consumerMaxConcurrency: 8 }).consumerMaxConcurrency).toBe(8);
    expect(() => resolveTrackingSettings({ ...origin, consumerMaxConcurrency: 1 })).toThrow(/consumerMaxConcurrency must be a whole number from 2 to 1000/);
    expect(() => resolveTrackingSettings({ ...origin, tableCapacity: 'reserved' as 'provisioned' })).toThrow(/tableCapacity must be "on-demand" or "provisioned"/);
    expect(() => resolveTrackingSettings({ ...origin, tableMaxWriteCapacity: 2 })).toThrow(/tableMaxWriteCapacity must be a whole number from 5/);
    expect(propsFromContext((key) => ({ tableCapacity: 'provisioned', dashboard: 'true' })[key])).toEqual({ tableCapacity: 'provisioned', dashboard: true });
  });

  it('names the cookie __Host-device_fp by default, __Secure-device_fp when it is shared with cookieDomain', () => {
    expect(resolveTrackingSettings({ originUrl: 'https://origin.example.com' }).cookieName).toBe('__Host-device_fp');
    expect(resolveTrackingSettings({ originUrl: 'https://origin.example.com', cookieDomain: '.example.com' }).cookieName).toBe('__Secure-device_fp');
  });

  it('requires originUrl and says how to pass it', () => {
    expect(() => resolveTrackingSettings({})).toThrow(/originUrl is required: deploy with -c originUrl=https:/);
  });

  it('rejects an origin with a path, query or fragment', () => {
    expect(() => resolveTrackingSettings({ originUrl: 'https://origin.example.com/app' })).toThrow(/without a path/);
    expect(() => resolveTrackingSettings({ originUrl: 'ftp://origin.example.com' })).toThrow(/http\(s\) URL/);
  });

  it('refuses skip and untracked entries with dot segments (route keys and requests are compared canonical)', () => {
    expect(() => resolveTrackingSettings({ originUrl: 'https://origin.example.com', skipPrefixes: ['/static/../'] })).toThrow(
      /skipPrefixes entry "\/static\/..\/" must start with "\/", use only .* and have no "\/\/", "." or ".." segment/,
    );
    expect(() => resolveTrackingSettings({ originUrl: 'https://origin.example.com', untrackedPrefixes: ['/./api/'] })).toThrow(/untrackedPrefixes entry "\/.\/api\/"/);
  });

  it('lists every problem in one TrackingSettingsError', () => {
    let error: unknown;
    try {
      resolveTrackingSettings({
        originUrl: 'https://origin.example.com',
        cookieMaxAgeSeconds: 40_000_000,
        cookieRenewal: 'forever' as 'fixed',
        skipPrefixes: ['static/', '/'],
        domainName: 'www.example.com',
        consumerBatchSize: 50,
        consumerMaxBatchingWindowSeconds: 0,
        logRetentionDays: 31,
        sessionTimeoutSeconds: 7200,
        sessionMaxSeconds: 3600,
      });
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(TrackingSettingsError);
    const problems = (error as TrackingSettingsError).problems;
    expect(problems).toEqual([
      expect.stringMatching(/^cookieRenewal must be "sliding" or "fixed"/),
      expect.stringMatching(/^skipPrefixes entry "static\/" must start with "\/"/),
      expect.stringMatching(/^skipPrefixes cannot contain "\/"/),
      'domainName and certificateArn go together: set both or neither',
      expect.stringMatching(/^consumerBatchSize above 10 needs consumerMaxBatchingWindowSeconds/),
      expect.stringMatching(/^logRetentionDays must be one of/),
      'sessionMaxSeconds must be at least sessionTimeoutSeconds',
      expect.stringMatching(/^cookieMaxAgeSeconds must be a whole number from 60 to 34560000/),
    ]);
    expect((error as Error).name).toBe('TrackingSettingsError');
  });

  it('validates the JWT settings as a group', () => {
    expect(() => resolveTrackingSettings({ originUrl: 'https://o.example.com', jwtIssuer: 'https://issuer' })).toThrow(
      /JWT settings need jwtJwksUrl or jwtSecretArn/,
    );
    expect(() => resolveTrackingSettings({ originUrl: 'https://o.example.com', jwtJwksUrl: 'https://id.example.com/jwks.json' })).toThrow(
      /jwtIssuer is required/,
    );
    expect(
      resolveTrackingSettings({
        originUrl: 'https://o.example.com',
        jwtJwksUrl: 'https://id.example.com/.well-known/jwks.json',
        jwtIssuer: 'https://id.example.com/',
        jwtAudience: 'site',
      }).jwt,
    ).toEqual({ jwksUrl: 'https://id.example.com/.well-known/jwks.json', audience: 'site', issuer: 'https://id.example.com/', secretArn: undefined });
  });

  it("rejects cookie settings the authorizer would reject at cold start", () => {
    expect(() => resolveTrackingSettings({ originUrl: 'https://o.example.com', cookieName: 'bad name' })).toThrow(
      /cookieName "bad name" is not a valid cookie name/,
    );
    expect(() =>
      resolveTrackingSettings({ originUrl: 'https://o.example.com', cookieName: '__Host-id', cookieDomain: '.example.com' }),
    ).toThrow(/unset cookieDomain/);
  });
});
