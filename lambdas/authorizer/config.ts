/**
 * Authorizer configuration, read once from the environment at cold start and validated as a whole:
 * every problem is reported in one clear error, never a secret value.
 */
import { MAX_COOKIE_MAX_AGE_SECONDS, cookieSettingsProblems, defaultCookieName } from '../identity/cookie-attributes';
import type { CookieRenewal } from '../identity/identity-resolution';
import { canonicalPath } from '../identity/request-path';
import { AuthorizerConfigError } from './errors';
import { HOLD_LIMITS } from './held-page-views';
import { observabilityNames } from '../observability/names';

export type KeyRingSource = { readonly kind: 'inline'; readonly json: string } | { readonly kind: 'secret'; readonly secretArn: string };
export type JwtKeySource =
  | { readonly kind: 'jwks'; readonly url: string }
  | { readonly kind: 'inline-secret'; readonly secret: string }
  | { readonly kind: 'secret-arn'; readonly secretArn: string };

export interface JwtSettings {
  readonly keySource: JwtKeySource;
  readonly issuer: string;
  readonly audience?: readonly string[];
}

/** CloudWatch metrics as Powertools Metrics would configure them from the same variables. */
export interface MetricsSettings {
  readonly namespace: string;
  readonly service: string;
  /** No metric lines at all (`POWERTOOLS_METRICS_DISABLED`, else `POWERTOOLS_DEV`, as Powertools reads them). */
  readonly disabled: boolean;
  /** Counts of an execution environment's invocations are written at most this often (see authorizer-metrics.ts). */
  readonly intervalMs: number;
}

/**
 * One metric line a minute per execution environment instead of one per invocation: about 220 bytes
 * of logs per page view saved ($0.11 per million views at $0.50/GB; `npm run bench:cost`).
 */
export const METRICS_INTERVAL_MS = 60_000;

export interface AuthorizerConfig {
  readonly queueUrl: string;
  readonly keyRingSource: KeyRingSource;
  readonly cookieName: string;
  readonly cookieDomain?: string;
  readonly cookieMaxAgeSeconds: number;
  readonly cookieRenewal: CookieRenewal;
  readonly skipPrefixes: readonly string[];
  readonly untrackedPrefixes: readonly string[];
  readonly sessionTimeoutSeconds: number;
  readonly sessionMaxSeconds: number;
  readonly honorPrivacySignals: boolean;
  readonly jwt?: JwtSettings;
  readonly slowResolutionWarnMs: number;
  readonly sqsTimeouts: SqsTimeouts;
  /** Longest a page view waits in the execution environment for companions (held-page-views.ts). */
  readonly pageViewHoldMs: number;
  readonly metrics: MetricsSettings;
}

/**
 * The SQS client's timeouts per attempt (two attempts, then the message is logged for replay). The
 * defaults suit SQS in the same region; `npm start` raises them, because there the queue shares one busy
 * process with the front door, the origin and the consumer. At most 2 s: two attempts stay within the
 * stack's 5-second authorizer timeout.
 */
export interface SqsTimeouts {
  readonly connectMs: number;
  readonly requestMs: number;
}

/** A minute at most: the stack derives the hold from the batching window, at most 300 s / 15 = 20 s. */
const MAX_PAGE_VIEW_HOLD_MS = 60_000;

export const CONFIG_DEFAULTS = {
  COOKIE_MAX_AGE_SECONDS: 2_592_000,
  COOKIE_RENEWAL: 'sliding',
  SKIP_PREFIXES: '/static/,/media/,/health/,/favicon.ico,/robots.txt',
  UNTRACKED_PREFIXES: '/api/',
  SESSION_TIMEOUT_SECONDS: 1800,
  SESSION_MAX_SECONDS: 86_400,
  HONOR_PRIVACY_SIGNALS: 'true',
  SLOW_RESOLUTION_WARN_MS: 5,
  SQS_CONNECT_TIMEOUT_MS: 100,
  SQS_REQUEST_TIMEOUT_MS: 300,
  PAGE_VIEW_HOLD_MS: HOLD_LIMITS.maxHoldMs,
} as const;

/** The values Powertools' `getBooleanFromEnv` accepts with extended parsing (case-insensitive). */
const TRUTHY = new Set(['1', 'y', 'yes', 't', 'true', 'on']);
const FALSY = new Set(['0', 'n', 'no', 'f', 'false', 'off']);

const MIN_JWT_SECRET_LENGTH = 32;
const SECRET_ARN = /^arn:aws[a-z-]*:secretsmanager:[a-z0-9-]+:\d{12}:secret:\S+$/;

type Env = Readonly<Record<string, string | undefined>>;

/** Reads and validates the configuration. Throws `AuthorizerConfigError` listing every problem. */
export function loadAuthorizerConfig(env: Env): AuthorizerConfig {
  const problems: string[] = [];
  const text = (name: string): string | undefined => {
    const value = env[name]?.trim();
    return value === undefined || value === '' ? undefined : value;
  };
  const integer = (name: string, fallback: number, min: number, max: number): number => {
    const raw = text(name);
    if (raw === undefined) return fallback;
    const value = Number(raw);
    if (!/^\d+$/.test(raw) || value < min || value > max) {
      problems.push(`${name} must be an integer from ${min} to ${max} (got "${raw}")`);
      return fallback;
    }
    return value;
  };
  const prefixes = (name: string, fallback: string): string[] => {
    const list = (env[name] ?? fallback).split(',').map((p) => p.trim()).filter((p) => p !== '');
    for (const prefix of list) {
      if (!prefix.startsWith('/')) problems.push(`${name} entries must start with "/" (got "${prefix}")`);
      // Requests are matched in canonical form; an entry that is not could never match.
      else if (canonicalPath(prefix) !== prefix) problems.push(`${name} entry "${prefix}" must be a canonical path (no %-escapes, "//", "." or ".." segments)`);
    }
    return list;
  };
  const oneOf = <T extends string>(name: string, fallback: T, allowed: readonly T[]): T => {
    const raw = text(name) ?? fallback;
    if (!(allowed as readonly string[]).includes(raw)) {
      problems.push(`${name} must be one of ${allowed.join(', ')} (got "${raw}")`);
      return fallback;
    }
    return raw as T;
  };

  const queueUrl = text('QUEUE_URL');
  if (queueUrl === undefined) problems.push('QUEUE_URL is required (the page-view queue URL)');
  else if (URL.parse(queueUrl) === null) problems.push(`QUEUE_URL must be a URL (got "${queueUrl}")`);

  const secretArn = text('SIGNING_KEYS_SECRET_ARN');
  const inlineKeys = text('SIGNING_KEYS');
  let keyRingSource: KeyRingSource = { kind: 'inline', json: '' };
  if (secretArn !== undefined && inlineKeys !== undefined) {
    problems.push('set exactly one of SIGNING_KEYS_SECRET_ARN (Secrets Manager) and SIGNING_KEYS (inline JSON), not both');
  } else if (secretArn !== undefined) {
    if (!SECRET_ARN.test(secretArn)) problems.push('SIGNING_KEYS_SECRET_ARN must be a Secrets Manager secret ARN');
    keyRingSource = { kind: 'secret', secretArn };
  } else if (inlineKeys !== undefined) {
    keyRingSource = { kind: 'inline', json: inlineKeys };
  } else {
    problems.push('the signing key ring is missing: set SIGNING_KEYS_SECRET_ARN (Secrets Manager) or SIGNING_KEYS (inline JSON)');
  }

  const cookieDomain = text('COOKIE_DOMAIN');
  const cookieName = text('COOKIE_NAME') ?? defaultCookieName(cookieDomain);
  problems.push(...cookieSettingsProblems({ name: cookieName, domain: cookieDomain }));
  const cookieMaxAgeSeconds = integer('COOKIE_MAX_AGE_SECONDS', CONFIG_DEFAULTS.COOKIE_MAX_AGE_SECONDS, 60, MAX_COOKIE_MAX_AGE_SECONDS);
  const cookieRenewal = oneOf<CookieRenewal>('COOKIE_RENEWAL', CONFIG_DEFAULTS.COOKIE_RENEWAL, ['sliding', 'fixed']);
  const sessionTimeoutSeconds = integer('SESSION_TIMEOUT_SECONDS', CONFIG_DEFAULTS.SESSION_TIMEOUT_SECONDS, 60, 86_400);
  const sessionMaxSeconds = integer('SESSION_MAX_SECONDS', CONFIG_DEFAULTS.SESSION_MAX_SECONDS, 60, 7 * 86_400);
  if (sessionMaxSeconds < sessionTimeoutSeconds) {
    problems.push(`SESSION_MAX_SECONDS (${sessionMaxSeconds}) must not be shorter than SESSION_TIMEOUT_SECONDS (${sessionTimeoutSeconds})`);
  }
  const honorPrivacySignals = oneOf('HONOR_PRIVACY_SIGNALS', CONFIG_DEFAULTS.HONOR_PRIVACY_SIGNALS, ['true', 'false']) === 'true';
  const slowResolutionWarnMs = integer('SLOW_RESOLUTION_WARN_MS', CONFIG_DEFAULTS.SLOW_RESOLUTION_WARN_MS, 0, 60_000);
  const sqsTimeouts: SqsTimeouts = {
    connectMs: integer('SQS_CONNECT_TIMEOUT_MS', CONFIG_DEFAULTS.SQS_CONNECT_TIMEOUT_MS, 10, 2_000),
    requestMs: integer('SQS_REQUEST_TIMEOUT_MS', CONFIG_DEFAULTS.SQS_REQUEST_TIMEOUT_MS, 50, 2_000),
  };

  const config: AuthorizerConfig = {
    queueUrl: queueUrl ?? '',
    keyRingSource,
    cookieName,
    cookieDomain,
    cookieMaxAgeSeconds,
    cookieRenewal,
    skipPrefixes: prefixes('SKIP_PREFIXES', CONFIG_DEFAULTS.SKIP_PREFIXES),
    untrackedPrefixes: prefixes('UNTRACKED_PREFIXES', CONFIG_DEFAULTS.UNTRACKED_PREFIXES),
    sessionTimeoutSeconds,
    sessionMaxSeconds,
    honorPrivacySignals,
    jwt: jwtSettings(text, problems),
    slowResolutionWarnMs,
    sqsTimeouts,
    pageViewHoldMs: integer('PAGE_VIEW_HOLD_MS', CONFIG_DEFAULTS.PAGE_VIEW_HOLD_MS, 0, MAX_PAGE_VIEW_HOLD_MS),
    metrics: {
      ...observabilityNames(env),
      disabled: metricsDisabled(text, problems),
      intervalMs: METRICS_INTERVAL_MS,
    },
  };
  if (problems.length > 0) throw new AuthorizerConfigError(problems);
  return config;
}

/**
 * As Powertools Metrics decides it: `POWERTOOLS_METRICS_DISABLED` when set (an unrecognised value is an
 * error, as in Powertools), otherwise `POWERTOOLS_DEV` (an unrecognised value means not dev mode).
 */
function metricsDisabled(text: (name: string) => string | undefined, problems: string[]): boolean {
  const disabled = text('POWERTOOLS_METRICS_DISABLED')?.toLowerCase();
  if (disabled !== undefined) {
    if (TRUTHY.has(disabled)) return true;
    if (!FALSY.has(disabled)) problems.push(`POWERTOOLS_METRICS_DISABLED must be true or false (got "${disabled}")`);
    return false;
  }
  return TRUTHY.has(text('POWERTOOLS_DEV')?.toLowerCase() ?? '');
}

function jwtSettings(text: (name: string) => string | undefined, problems: string[]): JwtSettings | undefined {
  const jwksUrl = text('JWT_JWKS_URL');
  const secretArn = text('JWT_SECRET_ARN');
  const secret = text('JWT_SECRET');
  const issuer = text('JWT_ISSUER');
  const audience = text('JWT_AUDIENCE');
  const sources = [jwksUrl, secretArn, secret].filter((s) => s !== undefined).length;
  if (sources === 0) {
    if (issuer !== undefined || audience !== undefined) {
      problems.push('JWT_ISSUER/JWT_AUDIENCE are set but no key: set JWT_JWKS_URL, JWT_SECRET_ARN or JWT_SECRET');
    }
    return undefined;
  }
  if (sources > 1) problems.push('set only one of JWT_JWKS_URL, JWT_SECRET_ARN and JWT_SECRET');
  if (issuer === undefined) problems.push('JWT_ISSUER is required when JWT verification is configured');
  let keySource: JwtKeySource;
  if (jwksUrl !== undefined) {
    const url = URL.parse(jwksUrl);
    if (url === null || (url.protocol !== 'https:' && url.protocol !== 'http:')) problems.push('JWT_JWKS_URL must be an http(s) URL');
    keySource = { kind: 'jwks', url: jwksUrl };
  } else if (secretArn !== undefined) {
    if (!SECRET_ARN.test(secretArn)) problems.push('JWT_SECRET_ARN must be a Secrets Manager secret ARN');
    keySource = { kind: 'secret-arn', secretArn };
  } else {
    if ((secret ?? '').length < MIN_JWT_SECRET_LENGTH) problems.push(`JWT_SECRET must be at least ${MIN_JWT_SECRET_LENGTH} characters`);
    keySource = { kind: 'inline-secret', secret: secret ?? '' };
  }
  const audiences = audience?.split(',').map((a) => a.trim()).filter((a) => a !== '');
  return { keySource, issuer: issuer ?? '', audience: audiences };
}
