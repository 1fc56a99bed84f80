import { describe, expect, it } from 'vitest';
import { AuthorizerConfigError } from '../../lambdas/authorizer/errors';
import { METRICS_INTERVAL_MS, loadAuthorizerConfig } from '../../lambdas/authorizer/config';
import { DEFAULT_STATIC_FILE_EXTENSIONS } from '../../lambdas/contract/function-settings';
import { SIGNING_KEYS } from './authorizer-fixtures';

const BASE = { QUEUE_URL: 'https://sqs.eu-west-1.amazonaws.com/123456789012/page-views', SIGNING_KEYS };
const ARN = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:visitor-gate-keys-AbCdEf';

function problemsOf(env: Record<string, string>): readonly string[] {
  try {
    loadAuthorizerConfig(env);
  } catch (error) {
    expect(error).toBeInstanceOf(AuthorizerConfigError);
    return (error as AuthorizerConfigError).problems;
  }
  return [];
}

describe('loadAuthorizerConfig', () => {
  it('applies the documented defaults', () => {
    expect(loadAuthorizerConfig(BASE)).toEqual({
      queueUrl: BASE.QUEUE_URL,
      keyRingSource: { kind: 'inline', json: SIGNING_KEYS },
      cookieName: '__Host-device_fp',
      cookieDomain: undefined,
      cookieMaxAgeSeconds: 2_592_000,
      cookieRenewal: 'sliding',
      skipPrefixes: ['/static/', '/media/', '/health/', '/favicon.ico', '/robots.txt'],
      untrackedPrefixes: ['/api/'],
      staticFileExtensions: DEFAULT_STATIC_FILE_EXTENSIONS,
      sessionTimeoutSeconds: 1800,
      sessionMaxSeconds: 86_400,
      honorPrivacySignals: true,
      reservedPrefix: '/_vg/',
      beaconOrigins: [],
      consent: { mode: 'off', cookieName: 'vg_consent', cookieValue: 'yes', countWithoutConsent: false },
      jwt: undefined,
      slowResolutionWarnMs: 5,
      sqsTimeouts: { connectMs: 100, requestMs: 300 },
      pageViewHoldMs: 20_000,
      metrics: { namespace: 'VisitorGate', service: 'visitor-gate', disabled: false, intervalMs: METRICS_INTERVAL_MS },
    });
  });

  it('defaults the cookie name to __Host-device_fp, or __Secure-device_fp with COOKIE_DOMAIN', () => {
    expect(loadAuthorizerConfig(BASE).cookieName).toBe('__Host-device_fp');
    expect(loadAuthorizerConfig({ ...BASE, COOKIE_DOMAIN: '.example.com' }).cookieName).toBe('__Secure-device_fp');
  });

  it('reads the SQS timeouts, bounded so that two attempts fit the 5 s authorizer timeout', () => {
    expect(loadAuthorizerConfig({ ...BASE, SQS_CONNECT_TIMEOUT_MS: '2000', SQS_REQUEST_TIMEOUT_MS: '1500' }).sqsTimeouts).toEqual({
      connectMs: 2000,
      requestMs: 1500,
    });
    expect(problemsOf({ ...BASE, SQS_CONNECT_TIMEOUT_MS: '0', SQS_REQUEST_TIMEOUT_MS: '2001' })).toEqual([
      'SQS_CONNECT_TIMEOUT_MS must be an integer from 10 to 2000 (got "0")',
      'SQS_REQUEST_TIMEOUT_MS must be an integer from 50 to 2000 (got "2001")',
    ]);
  });

  it('reads every setting', () => {
    const config = loadAuthorizerConfig({
      QUEUE_URL: BASE.QUEUE_URL,
      SIGNING_KEYS_SECRET_ARN: ARN,
      COOKIE_NAME: 'vid',
      COOKIE_DOMAIN: '.example.com',
      COOKIE_MAX_AGE_SECONDS: '34560000',
      COOKIE_RENEWAL: 'fixed',
      SKIP_PREFIXES: '/assets/, /img/',
      UNTRACKED_PREFIXES: '',
      STATIC_FILE_EXTENSIONS: 'js, css,pdf',
      SESSION_TIMEOUT_SECONDS: '900',
      SESSION_MAX_SECONDS: '3600',
      HONOR_PRIVACY_SIGNALS: 'false',
      JWT_JWKS_URL: 'https://id.example.com/.well-known/jwks.json',
      JWT_ISSUER: 'https://id.example.com/',
      JWT_AUDIENCE: 'web, mobile',
      SLOW_RESOLUTION_WARN_MS: '10',
      POWERTOOLS_SERVICE_NAME: 'shop-gate',
      POWERTOOLS_METRICS_NAMESPACE: 'Shop',
      POWERTOOLS_METRICS_DISABLED: 'true',
    });
    expect(config).toMatchObject({
      keyRingSource: { kind: 'secret', secretArn: ARN },
      cookieName: 'vid',
      cookieDomain: '.example.com',
      cookieMaxAgeSeconds: 34_560_000,
      cookieRenewal: 'fixed',
      skipPrefixes: ['/assets/', '/img/'],
      untrackedPrefixes: [],
      staticFileExtensions: ['js', 'css', 'pdf'],
      sessionTimeoutSeconds: 900,
      sessionMaxSeconds: 3600,
      honorPrivacySignals: false,
      jwt: { keySource: { kind: 'jwks', url: 'https://id.example.com/.well-known/jwks.json' }, issuer: 'https://id.example.com/', audience: ['web', 'mobile'] },
      slowResolutionWarnMs: 10,
      metrics: { namespace: 'Shop', service: 'shop-gate', disabled: true, intervalMs: METRICS_INTERVAL_MS },
    });
  });

  it('disables metrics as Powertools Metrics does: POWERTOOLS_METRICS_DISABLED first, else POWERTOOLS_DEV', () => {
    const disabled = (env: Record<string, string>) => loadAuthorizerConfig({ ...BASE, ...env }).metrics.disabled;
    expect(disabled({ POWERTOOLS_METRICS_DISABLED: 'TRUE' })).toBe(true);
    expect(disabled({ POWERTOOLS_METRICS_DISABLED: '1' })).toBe(true);
    expect(disabled({ POWERTOOLS_METRICS_DISABLED: 'false' })).toBe(false);
    expect(disabled({ POWERTOOLS_DEV: 'true' })).toBe(true);
    expect(disabled({ POWERTOOLS_DEV: 'true', POWERTOOLS_METRICS_DISABLED: 'false' })).toBe(false);
    expect(disabled({ POWERTOOLS_DEV: 'maybe' })).toBe(false);
    expect(problemsOf({ ...BASE, POWERTOOLS_METRICS_DISABLED: 'maybe' })).toEqual([expect.stringMatching(/POWERTOOLS_METRICS_DISABLED must be true or false/)]);
  });

  it('requires the queue and exactly one key ring source', () => {
    expect(problemsOf({})).toEqual([
      expect.stringMatching(/QUEUE_URL is required/),
      expect.stringMatching(/signing key ring is missing/),
    ]);
    expect(problemsOf({ ...BASE, SIGNING_KEYS_SECRET_ARN: ARN })).toEqual([expect.stringMatching(/exactly one/)]);
    expect(problemsOf({ QUEUE_URL: BASE.QUEUE_URL, SIGNING_KEYS_SECRET_ARN: 'not-an-arn' })).toEqual([expect.stringMatching(/Secrets Manager secret ARN/)]);
  });

  it('reports every invalid value at once, with the variable name', () => {
    const problems = problemsOf({
      ...BASE,
      COOKIE_NAME: '__Host-vid',
      COOKIE_DOMAIN: 'example.com',
      COOKIE_MAX_AGE_SECONDS: '40000000',
      COOKIE_RENEWAL: 'forever',
      SKIP_PREFIXES: 'static/',
      SESSION_TIMEOUT_SECONDS: '7200',
      SESSION_MAX_SECONDS: '3600',
      HONOR_PRIVACY_SIGNALS: 'yes',
      SLOW_RESOLUTION_WARN_MS: '-1',
    });
    expect(problems.join('\n')).toMatch(/__Host-/);
    for (const name of ['COOKIE_MAX_AGE_SECONDS', 'COOKIE_RENEWAL', 'SKIP_PREFIXES', 'SESSION_MAX_SECONDS', 'HONOR_PRIVACY_SIGNALS', 'SLOW_RESOLUTION_WARN_MS']) {
      expect(problems.join('\n')).toContain(name);
    }
    expect(problems).toHaveLength(7);
  });

  it('refuses path entries that are not canonical (they could never match a canonical request path)', () => {
    expect(problemsOf({ ...BASE, SKIP_PREFIXES: '/static/../x/,//media/', UNTRACKED_PREFIXES: '/%61pi/' })).toEqual([
      expect.stringMatching(/^SKIP_PREFIXES entry "\/static\/..\/x\/" must be a canonical path/),
      expect.stringMatching(/^SKIP_PREFIXES entry "\/\/media\/" must be a canonical path/),
      expect.stringMatching(/^UNTRACKED_PREFIXES entry "\/%61pi\/" must be a canonical path/),
    ]);
  });

  it('reads an empty STATIC_FILE_EXTENSIONS as no static files, and refuses extensions that could never match', () => {
    expect(loadAuthorizerConfig({ ...BASE, STATIC_FILE_EXTENSIONS: '' }).staticFileExtensions).toEqual([]);
    expect(problemsOf({ ...BASE, STATIC_FILE_EXTENSIONS: '.js,CSS,a-b,x'.concat('y'.repeat(16)) })).toEqual([
      'STATIC_FILE_EXTENSIONS entry ".js" must not start with "." (write `js`, not `.js`)',
      'STATIC_FILE_EXTENSIONS entry "CSS" must be 1-16 lower-case letters and digits',
      'STATIC_FILE_EXTENSIONS entry "a-b" must be 1-16 lower-case letters and digits',
      `STATIC_FILE_EXTENSIONS entry "x${'y'.repeat(16)}" must be 1-16 lower-case letters and digits`,
    ]);
  });

  it('validates the JWT settings', () => {
    expect(problemsOf({ ...BASE, JWT_ISSUER: 'x' })).toEqual([expect.stringMatching(/no key/)]);
    expect(problemsOf({ ...BASE, JWT_SECRET: 'short', JWT_ISSUER: 'x' })).toEqual([expect.stringMatching(/JWT_SECRET must be at least 32/)]);
    expect(problemsOf({ ...BASE, JWT_SECRET: 'x'.repeat(32) })).toEqual([expect.stringMatching(/JWT_ISSUER is required/)]);
    expect(problemsOf({ ...BASE, JWT_SECRET: 'x'.repeat(32), JWT_JWKS_URL: 'https://a/', JWT_ISSUER: 'x' })).toEqual([expect.stringMatching(/only one/)]);
    expect(problemsOf({ ...BASE, JWT_JWKS_URL: 'ftp://a/', JWT_ISSUER: 'x' })).toEqual([expect.stringMatching(/http\(s\) URL/)]);
    expect(loadAuthorizerConfig({ ...BASE, JWT_SECRET_ARN: ARN, JWT_ISSUER: 'x' }).jwt).toEqual({
      keySource: { kind: 'secret-arn', secretArn: ARN },
      issuer: 'x',
      audience: undefined,
    });
  });

  it('says it all in one error message', () => {
    expect(() => loadAuthorizerConfig({})).toThrow(/Invalid authorizer configuration:\n- QUEUE_URL is required/);
  });
});
