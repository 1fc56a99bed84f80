/**
 * Authorizer configuration, read once from the environment at cold start and validated as a whole:
 * every problem is reported in one clear error, never a secret value.
 */
import {
  FUNCTION_SETTINGS as S,
  envName,
  envText,
  jwtProblems,
  readEnv,
  reservedPrefixProblems,
  sessionProblems,
  type Env,
  type FunctionSettingId,
  type SettingSpec,
  type SettingValue,
} from '../contract/function-settings';
import { cookieSettingsProblems, defaultCookieName } from '../identity/cookie-attributes';
import type { ConsentSettings } from '../identity/consent';
import type { CookieRenewal } from '../identity/identity-resolution';
import { AuthorizerConfigError } from './errors';
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
  readonly staticFileExtensions: readonly string[];
  readonly sessionTimeoutSeconds: number;
  readonly sessionMaxSeconds: number;
  readonly honorPrivacySignals: boolean;
  /** The front door's own paths (beacon, script): contract/reserved-paths.ts. */
  readonly reservedPrefix: string;
  /** Other sites' origins allowed to send beacons. */
  readonly beaconOrigins: readonly string[];
  readonly consent: ConsentSettings;
  readonly jwt?: JwtSettings;
  readonly slowResolutionWarnMs: number;
  readonly sqsTimeouts: SqsTimeouts;
  /** The SDK's AWS_ENDPOINT_URL_SQS, passed explicitly: the SQS client otherwise sends to the queue URL's host. */
  readonly sqsEndpoint?: string;
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

/** The values Powertools' `getBooleanFromEnv` accepts with extended parsing (case-insensitive). */
const TRUTHY = new Set(['1', 'y', 'yes', 't', 'true', 'on']);
const FALSY = new Set(['0', 'n', 'no', 'f', 'false', 'off']);

const JWT_KEY_SOURCES = ['jwtJwksUrl', 'jwtSecretArn', 'jwtSecret'] as const;

/**
 * Reads and validates the configuration (names, kinds, ranges and defaults: lambdas/contract/settings.ts).
 * Throws `AuthorizerConfigError` listing every problem.
 */
export function loadAuthorizerConfig(env: Env): AuthorizerConfig {
  const problems: string[] = [];
  const read = <S extends SettingSpec & { readonly env: string }>(spec: S) => readEnv(spec, env, problems, 'authorizer');
  const isSet = (id: FunctionSettingId) => envText({ env: envName(id) }, env) !== undefined;

  const queueUrl = read(S.queueUrl);

  let keyRingSource: KeyRingSource = { kind: 'inline', json: '' };
  if (isSet('signingKeysSecretArn') && isSet('signingKeys')) {
    problems.push(`set exactly one of ${S.signingKeysSecretArn.env} (Secrets Manager) and ${S.signingKeys.env} (inline JSON), not both`);
  } else if (isSet('signingKeysSecretArn')) {
    keyRingSource = { kind: 'secret', secretArn: read(S.signingKeysSecretArn) ?? '' };
  } else if (isSet('signingKeys')) {
    keyRingSource = { kind: 'inline', json: read(S.signingKeys) ?? '' };
  } else {
    problems.push(`the signing key ring is missing: set ${S.signingKeysSecretArn.env} (Secrets Manager) or ${S.signingKeys.env} (inline JSON)`);
  }

  const cookieDomain = read(S.cookieDomain);
  const cookieName = read(S.cookieName) ?? defaultCookieName(cookieDomain);
  problems.push(...cookieSettingsProblems({ name: cookieName, domain: cookieDomain }, { name: S.cookieName.env, domain: S.cookieDomain.env }));
  const sessionTimeoutSeconds = read(S.sessionTimeoutSeconds);
  const sessionMaxSeconds = read(S.sessionMaxSeconds);
  problems.push(...sessionProblems(sessionTimeoutSeconds, sessionMaxSeconds, envName));
  const reservedPrefix = read(S.reservedPrefix);
  const skipPrefixes = read(S.skipPrefixes);
  const untrackedPrefixes = read(S.untrackedPrefixes);
  problems.push(...reservedPrefixProblems(reservedPrefix, { skipPrefixes, untrackedPrefixes }, envName));

  const config: AuthorizerConfig = {
    queueUrl: queueUrl ?? '',
    keyRingSource,
    cookieName,
    cookieDomain,
    cookieMaxAgeSeconds: read(S.cookieMaxAgeSeconds),
    cookieRenewal: read(S.cookieRenewal),
    skipPrefixes,
    untrackedPrefixes,
    staticFileExtensions: read(S.staticFileExtensions),
    sessionTimeoutSeconds,
    sessionMaxSeconds,
    honorPrivacySignals: read(S.honorPrivacySignals),
    reservedPrefix,
    beaconOrigins: read(S.beaconOrigins),
    consent: {
      mode: read(S.consentMode),
      cookieName: read(S.consentCookieName),
      cookieValue: read(S.consentCookieValue),
      countWithoutConsent: read(S.countWithoutConsent),
    },
    jwt: jwtSettings(read, isSet, problems),
    slowResolutionWarnMs: read(S.slowResolutionWarnMs),
    sqsTimeouts: { connectMs: read(S.sqsConnectTimeoutMs), requestMs: read(S.sqsRequestTimeoutMs) },
    sqsEndpoint: read(S.awsEndpointUrlSqs),
    pageViewHoldMs: read(S.pageViewHoldMs),
    metrics: {
      ...observabilityNames(env),
      disabled: metricsDisabled(env, problems),
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
function metricsDisabled(env: Env, problems: string[]): boolean {
  const disabled = envText(S.metricsDisabled, env)?.toLowerCase();
  if (disabled !== undefined) {
    if (TRUTHY.has(disabled)) return true;
    if (!FALSY.has(disabled)) problems.push(`${S.metricsDisabled.env} must be true or false (got "${disabled}")`);
    return false;
  }
  return TRUTHY.has(envText(S.powertoolsDev, env)?.toLowerCase() ?? '');
}

function jwtSettings(
  read: <Spec extends SettingSpec & { readonly env: string }>(spec: Spec) => SettingValue<Spec['kind']> | undefined,
  isSet: (id: FunctionSettingId) => boolean,
  problems: string[],
): JwtSettings | undefined {
  if (!JWT_KEY_SOURCES.some(isSet) && !isSet('jwtIssuer') && !isSet('jwtAudience')) return undefined;
  problems.push(...jwtProblems(JWT_KEY_SOURCES, isSet, envName));
  let keySource: JwtKeySource;
  if (isSet('jwtJwksUrl')) keySource = { kind: 'jwks', url: read(S.jwtJwksUrl) ?? '' };
  else if (isSet('jwtSecretArn')) keySource = { kind: 'secret-arn', secretArn: read(S.jwtSecretArn) ?? '' };
  else keySource = { kind: 'inline-secret', secret: read(S.jwtSecret) ?? '' };
  const audiences = read(S.jwtAudience)?.split(',').map((a) => a.trim()).filter((a) => a !== '');
  return { keySource, issuer: read(S.jwtIssuer) ?? '', audience: audiences };
}
