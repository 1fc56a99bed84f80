import { RemovalPolicy } from 'aws-cdk-lib';
import { describe, expect, it } from 'vitest';
import { loadAggregatorConfig } from '../../lambdas/aggregator/config';
import { loadAuthorizerConfig } from '../../lambdas/authorizer/config';
import { SETTINGS, SETTING_ENTRIES } from '../../lambdas/contract/settings';
import {
  TRACKING_DEFAULTS,
  TrackingSettingsError,
  functionEnvironment,
  propsFromContext,
  readAppContext,
  resolveTrackingSettings,
} from '../../lib/tracking-settings';
import { SIGNING_KEYS } from '../authorizer/authorizer-fixtures';

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
      /retentionDays must be an integer from 1 to 3650 \(got "thirty"\)[\s\S]*tracing must be true or false \(got "yes"\)/,
    );
  });

  it('reads every prop of the settings table', () => {
    const props = Object.entries(SETTINGS).filter(([, spec]) => 'cdk' in spec && spec.cdk === 'prop');
    expect(props.length).toBeGreaterThan(30);
    const values = Object.fromEntries(props.map(([id, spec]) => [id, 'default' in spec ? spec.default : undefined]));
    for (const [id, value] of Object.entries(values)) if (value !== undefined) expect(propsFromContext(context({ [id]: value })), id).toEqual({ [id]: value });
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
    expect(() => resolveTrackingSettings({ ...origin, consumerMaxConcurrency: 1 })).toThrow(/consumerMaxConcurrency must be an integer from 2 to 1000/);
    expect(() => resolveTrackingSettings({ ...origin, tableCapacity: 'reserved' as 'provisioned' })).toThrow(/tableCapacity must be "on-demand" or "provisioned"/);
    expect(() => resolveTrackingSettings({ ...origin, tableMaxWriteCapacity: 2 })).toThrow(/tableMaxWriteCapacity must be an integer from 5/);
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
    expect(() => resolveTrackingSettings({ originUrl: 'https://origin.example.com/app' })).toThrow(/must be an origin without credentials, path/);
    expect(() => resolveTrackingSettings({ originUrl: 'https://origin.example.com/?a=1' })).toThrow(/must be an origin without/);
    expect(() => resolveTrackingSettings({ originUrl: 'https://user:pw@origin.example.com' })).toThrow(/must be an origin without/);
    expect(() => resolveTrackingSettings({ originUrl: 'ftp://origin.example.com' })).toThrow(/originUrl must be an https URL/);
  });

  it('deploys only to an https origin (npm start also accepts http: see local-runtime-pieces.test.ts)', () => {
    expect(() => resolveTrackingSettings({ originUrl: 'http://origin.example.com' })).toThrow(/originUrl must be an https URL \(got "http:\/\/origin.example.com"\)/);
    expect(resolveTrackingSettings({ originUrl: 'https://origin.example.com:8443/' }).originUrl).toBe('https://origin.example.com:8443');
  });

  it('refuses skip and untracked entries with dot segments (route keys and requests are compared canonical)', () => {
    expect(() => resolveTrackingSettings({ originUrl: 'https://origin.example.com', skipPrefixes: ['/static/../'] })).toThrow(
      /skipPrefixes entry "\/static\/..\/" must be a canonical path \(no %-escapes, "\/\/", "." or ".." segments\)/,
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
      'cookieMaxAgeSeconds must be an integer from 60 to 34560000 (got 40000000)',
      'cookieRenewal must be "sliding" or "fixed" (got "forever")',
      'skipPrefixes entry "static/" must start with "/"',
      'skipPrefixes entry "/" cannot be "/" (that would bypass tracking for every path)',
      expect.stringMatching(/^logRetentionDays must be one of 1, 3, 5, .* \(got 31\)$/),
      'domainName and certificateArn go together: set both or neither',
      'consumerBatchSize above 10 needs consumerMaxBatchingWindowSeconds of at least 1 (as in Lambda)',
      'sessionMaxSeconds (3600) must not be shorter than sessionTimeoutSeconds (7200)',
    ]);
    expect((error as Error).name).toBe('TrackingSettingsError');
  });

  it('validates the JWT settings as a group', () => {
    expect(() => resolveTrackingSettings({ originUrl: 'https://o.example.com', jwtIssuer: 'https://issuer' })).toThrow(
      /jwtIssuer\/jwtAudience are set but no key: set jwtJwksUrl or jwtSecretArn/,
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

describe('readAppContext', () => {
  it('refuses context keys that are neither ours nor CDK\'s, with a "did you mean" hint', () => {
    const { problems } = readAppContext({
      originUrl: 'https://origin.example.com',
      retentionDay: '7',
      OriginUrl: 'https://origin.example.com',
      colour: 'blue',
      // CDK's own: feature flags, the CLI's switches and lookups, telemetry, acknowledged notices.
      '@aws-cdk/core:checkSecretUsage': true,
      'aws:cdk:enable-path-metadata': true,
      'availability-zones:account=123456789012:region=eu-west-1': ['eu-west-1a'],
      'cli-telemetry': false,
      'acknowledged-issue-numbers': [32775],
      stackName: 'Shop',
    });
    expect(problems).toEqual([
      'unknown context key "retentionDay": did you mean retentionDays?',
      'unknown context key "OriginUrl": did you mean originUrl?',
      'unknown context key "colour": docs/configuration.md lists every key',
    ]);
  });

  it('reads the stack name, checked like any other key', () => {
    expect(readAppContext({ stackName: 'Shop' }).stackName).toBe('Shop');
    expect(readAppContext({}).stackName).toBe('VisitorGate');
    expect(readAppContext({ stackName: 'my stack' }).problems).toEqual([expect.stringMatching(/^stackName must be a CloudFormation stack name/)]);
  });

  it('reads an empty list value as the empty list', () => {
    expect(readAppContext({ untrackedPrefixes: '' }).props).toEqual({ untrackedPrefixes: [] });
  });
});

describe('functionEnvironment', () => {
  it("gives each function every prop it reads, which the function's own loader reads back as set", () => {
    // Props the authorizer's config has under the same names.
    const same = {
      cookieDomain: '.example.com',
      cookieMaxAgeSeconds: 600,
      cookieRenewal: 'fixed',
      skipPrefixes: ['/assets/', '/favicon.ico'],
      untrackedPrefixes: [],
      sessionTimeoutSeconds: 900,
      sessionMaxSeconds: 3600,
      honorPrivacySignals: false,
      slowResolutionWarnMs: 20,
    } as const;
    const settings = resolveTrackingSettings({
      ...same,
      originUrl: 'https://origin.example.com',
      retentionDays: 90,
      jwtJwksUrl: 'https://id.example.com/.well-known/jwks.json',
      jwtIssuer: 'https://id.example.com/',
      jwtAudience: 'web,app',
      consumerMaxBatchingWindowSeconds: 60,
      logLevel: 'WARN',
    });
    const authorizerEnv = functionEnvironment(settings, 'authorizer');
    for (const [id, spec] of SETTING_ENTRIES) {
      if (spec.cdk === 'prop' && spec.env !== undefined && spec.readers.includes('authorizer') && !spec.setByStack) {
        expect(authorizerEnv, id).toHaveProperty(spec.env);
      }
    }
    const authorizer = loadAuthorizerConfig({ ...authorizerEnv, QUEUE_URL: 'https://sqs.eu-west-1.amazonaws.com/123456789012/q', SIGNING_KEYS });
    expect(authorizer).toMatchObject({
      ...same,
      cookieName: '__Secure-device_fp',
      jwt: { keySource: { kind: 'jwks', url: 'https://id.example.com/.well-known/jwks.json' }, issuer: 'https://id.example.com/', audience: ['web', 'app'] },
      pageViewHoldMs: 4000,
    });
    expect(authorizerEnv.POWERTOOLS_LOG_LEVEL).toBe('WARN');
    const consumerEnv = functionEnvironment(settings, 'consumer');
    expect(Object.keys(consumerEnv).sort()).toEqual(['POWERTOOLS_LOG_LEVEL', 'RETENTION_DAYS', 'STATS_RETENTION_MONTHS', 'STATS_TIME_ZONE']);
    expect(loadAggregatorConfig({ ...consumerEnv, TABLE_NAME: 'devices' }).retentionDays).toBe(90);
  });
});

describe('resolveTrackingSettings and unknown props', () => {
  it('refuses a prop that is not one of ours (JavaScript callers, spread objects), with a hint', () => {
    expect(() => resolveTrackingSettings({ originUrl: 'https://o.example.com', retentionDay: 7 } as never)).toThrow(
      /unknown prop "retentionDay": did you mean retentionDays\?/,
    );
  });
});
