/**
 * Settings of the deployable pipeline: construct props, their documented defaults, and parsing of
 * CDK context (`cdk deploy -c key=value`). Everything is validated once, at synth time, and every
 * problem is reported together in one clear error, so a bad deploy fails before CloudFormation starts.
 */
import { RemovalPolicy } from 'aws-cdk-lib';
// The authorizer's own cookie rules (pure module), so a deploy fails on exactly what the authorizer would reject.
import { DEFAULT_RETENTION_DAYS } from '../lambdas/aggregator/config';
import { CONFIG_DEFAULTS } from '../lambdas/authorizer/config';
import { MAX_COOKIE_MAX_AGE_SECONDS, cookieSettingsProblems, defaultCookieName } from '../lambdas/identity/cookie-attributes';
import { canonicalPath } from '../lambdas/identity/request-path';

/** Every key a user can set, with the same name as a prop and as a `-c` context key. */
export interface AnonymousTrackingProps {
  /** The site the front door proxies to, e.g. `https://origin.example.com` (https, no path). Required. */
  readonly originUrl?: string;
  /** Custom domain for the front door, e.g. `www.example.com`; needs `certificateArn`. */
  readonly domainName?: string;
  /** ACM certificate (same region as the stack) covering `domainName`. */
  readonly certificateArn?: string;
  /** Name of the first-party device cookie. Default `__Host-device_fp` (`__Secure-device_fp` with `cookieDomain`). */
  readonly cookieName?: string;
  /** Cookie `Domain` attribute, e.g. `.example.com`; unset = host-only cookie. */
  readonly cookieDomain?: string;
  /** Cookie lifetime in seconds. Default 2592000 (30 days); at most 34560000 (400 days, browsers cap it). */
  readonly cookieMaxAgeSeconds?: number;
  /** `sliding` re-issues the cookie on every tracked view; `fixed` keeps the first expiry. Default sliding. */
  readonly cookieRenewal?: 'sliding' | 'fixed';
  /** Paths that bypass the authorizer (no Lambda call). Trailing `/` = prefix, otherwise exact path. */
  readonly skipPrefixes?: readonly string[];
  /** Paths that are identified (cookie, headers) but never counted as page views. Default `/api/`. */
  readonly untrackedPrefixes?: readonly string[];
  /** Inactivity that ends a session, seconds. Default 1800. */
  readonly sessionTimeoutSeconds?: number;
  /** Longest session, seconds. Default 86400. */
  readonly sessionMaxSeconds?: number;
  /** Respect `Sec-GPC: 1` and `DNT: 1`. Default true. */
  readonly honorPrivacySignals?: boolean;
  /** Days the aggregated devices and sessions live in DynamoDB (TTL). Default 30. */
  readonly retentionDays?: number;
  /** JWKS URL to verify users' JWTs (optional; links a device to a user id). */
  readonly jwtJwksUrl?: string;
  /** Secrets Manager ARN of an HS256 JWT secret (alternative to `jwtJwksUrl`). */
  readonly jwtSecretArn?: string;
  /** Required `iss` of accepted JWTs. */
  readonly jwtIssuer?: string;
  /** Accepted `aud` values of JWTs, comma-separated (any one must match). */
  readonly jwtAudience?: string;
  /** E-mail address subscribed to the alarm topic (confirm the subscription mail once). */
  readonly alarmEmail?: string;
  /** Messages per consumer invocation. Default 1000 (1-10000; above 10 needs a batching window). */
  readonly consumerBatchSize?: number;
  /** Seconds the event source waits to fill a batch. Default 60 (0-300). */
  readonly consumerMaxBatchingWindowSeconds?: number;
  /**
   * Most concurrent consumer invocations the queue drives (2-1000). Default unset: Lambda then scales
   * down to 2 pollers at low traffic, which a maximum-concurrency setting prevents (more SQS receives).
   */
  readonly consumerMaxConcurrency?: number;
  /** `on-demand` (default) or `provisioned` (write capacity auto scaled; cheaper above ~5M views/month). */
  readonly tableCapacity?: 'on-demand' | 'provisioned';
  /** With `tableCapacity: provisioned`: the most write capacity units auto scaling may set. Default 1000. */
  readonly tableMaxWriteCapacity?: number;
  /** A CloudWatch dashboard ($3 a month beyond the account's 3 free ones). Default false. */
  readonly dashboard?: boolean;
  /** Authorizer memory, MB. Default 256. */
  readonly authorizerMemoryMb?: number;
  /** Consumer memory, MB. Default 256. */
  readonly consumerMemoryMb?: number;
  /** Alarm when the oldest queued message is older than this, seconds. Default 900. */
  readonly maxMessageAgeSeconds?: number;
  /** CloudWatch Logs retention of function and access logs, days. Default 30. */
  readonly logRetentionDays?: number;
  /** Powertools log level. Default INFO. */
  readonly logLevel?: 'DEBUG' | 'INFO' | 'WARN' | 'ERROR';
  /** Authorizer log warning threshold for a slow resolution, ms. Default 5. */
  readonly slowResolutionWarnMs?: number;
  /** `retain` (default) keeps the table and the signing-key secret on stack deletion; `destroy` deletes them. */
  readonly dataRemovalPolicy?: 'retain' | 'destroy';
  /** AWS X-Ray active tracing on both functions. Default false. */
  readonly tracing?: boolean;
}

/** Props after defaults and validation: what the construct builds from. */
export interface TrackingSettings {
  readonly originUrl: string;
  readonly customDomain?: { readonly domainName: string; readonly certificateArn: string };
  readonly cookieName: string;
  readonly cookieDomain?: string;
  readonly cookieMaxAgeSeconds: number;
  readonly cookieRenewal: 'sliding' | 'fixed';
  readonly skipPrefixes: readonly string[];
  readonly untrackedPrefixes: readonly string[];
  readonly sessionTimeoutSeconds: number;
  readonly sessionMaxSeconds: number;
  readonly honorPrivacySignals: boolean;
  readonly retentionDays: number;
  readonly jwt?: {
    readonly jwksUrl?: string;
    readonly secretArn?: string;
    readonly issuer?: string;
    readonly audience?: string;
  };
  readonly alarmEmail?: string;
  readonly consumerBatchSize: number;
  readonly consumerMaxBatchingWindowSeconds: number;
  readonly consumerMaxConcurrency?: number;
  readonly tableCapacity: 'on-demand' | 'provisioned';
  readonly tableMaxWriteCapacity: number;
  readonly dashboard: boolean;
  readonly authorizerMemoryMb: number;
  readonly consumerMemoryMb: number;
  readonly maxMessageAgeSeconds: number;
  readonly logRetentionDays: number;
  readonly logLevel: 'DEBUG' | 'INFO' | 'WARN' | 'ERROR';
  readonly slowResolutionWarnMs: number;
  readonly dataRemovalPolicy: RemovalPolicy;
  readonly tracing: boolean;
}

const list = (csv: string) => csv.split(',');

export const DEFAULT_SKIP_PREFIXES: readonly string[] = list(CONFIG_DEFAULTS.SKIP_PREFIXES);

/**
 * Defaults, in one place, for the configuration table in docs/configuration.md and for the construct. The handler
 * settings come from the handlers' own defaults, so the stack and a bare handler always agree.
 */
export const TRACKING_DEFAULTS = {
  cookieName: defaultCookieName(undefined),
  cookieMaxAgeSeconds: CONFIG_DEFAULTS.COOKIE_MAX_AGE_SECONDS,
  cookieRenewal: CONFIG_DEFAULTS.COOKIE_RENEWAL,
  skipPrefixes: DEFAULT_SKIP_PREFIXES,
  untrackedPrefixes: list(CONFIG_DEFAULTS.UNTRACKED_PREFIXES),
  sessionTimeoutSeconds: CONFIG_DEFAULTS.SESSION_TIMEOUT_SECONDS,
  sessionMaxSeconds: CONFIG_DEFAULTS.SESSION_MAX_SECONDS,
  honorPrivacySignals: CONFIG_DEFAULTS.HONOR_PRIVACY_SIGNALS === 'true',
  retentionDays: DEFAULT_RETENTION_DAYS,
  consumerBatchSize: 1000,
  consumerMaxBatchingWindowSeconds: 300,
  tableCapacity: 'on-demand',
  tableMaxWriteCapacity: 1000,
  dashboard: false,
  authorizerMemoryMb: 256,
  consumerMemoryMb: 256,
  maxMessageAgeSeconds: 900,
  logRetentionDays: 30,
  logLevel: 'INFO',
  slowResolutionWarnMs: CONFIG_DEFAULTS.SLOW_RESOLUTION_WARN_MS,
  dataRemovalPolicy: 'retain',
  tracing: false,
} as const;

export { MAX_COOKIE_MAX_AGE_SECONDS };

/** Retention values CloudWatch Logs accepts. */
const LOG_RETENTION_DAYS = [
  1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653,
];

type ContextValueKind = 'string' | 'number' | 'boolean' | 'list';

/**
 * Every key read from CDK context (the same names as the props) and how its text is parsed.
 * `satisfies Record<keyof ...>` makes the compiler insist that every prop is readable from context.
 */
export const CONTEXT_KEY_KINDS = {
  originUrl: 'string',
  domainName: 'string',
  certificateArn: 'string',
  cookieName: 'string',
  cookieDomain: 'string',
  cookieMaxAgeSeconds: 'number',
  cookieRenewal: 'string',
  skipPrefixes: 'list',
  untrackedPrefixes: 'list',
  sessionTimeoutSeconds: 'number',
  sessionMaxSeconds: 'number',
  honorPrivacySignals: 'boolean',
  retentionDays: 'number',
  jwtJwksUrl: 'string',
  jwtSecretArn: 'string',
  jwtIssuer: 'string',
  jwtAudience: 'string',
  alarmEmail: 'string',
  consumerBatchSize: 'number',
  consumerMaxBatchingWindowSeconds: 'number',
  consumerMaxConcurrency: 'number',
  tableCapacity: 'string',
  tableMaxWriteCapacity: 'number',
  dashboard: 'boolean',
  authorizerMemoryMb: 'number',
  consumerMemoryMb: 'number',
  maxMessageAgeSeconds: 'number',
  logRetentionDays: 'number',
  logLevel: 'string',
  slowResolutionWarnMs: 'number',
  dataRemovalPolicy: 'string',
  tracing: 'boolean',
} as const satisfies Record<keyof AnonymousTrackingProps, ContextValueKind>;

/** Thrown for any invalid setting; lists every problem found. */
export class TrackingSettingsError extends Error {
  override readonly name = 'TrackingSettingsError';
  constructor(readonly problems: readonly string[]) {
    super(`Invalid visitor-gate settings:\n  - ${problems.join('\n  - ')}`);
  }
}

/**
 * Reads the settings from CDK context. `-c` values arrive as strings; `cdk.json` may hold numbers,
 * booleans and arrays; both are accepted. Lists are comma-separated. Unknown values are reported.
 */
export function propsFromContext(tryGetContext: (key: string) => unknown): AnonymousTrackingProps {
  const problems: string[] = [];
  const props: Record<string, unknown> = {};
  for (const [key, kind] of Object.entries(CONTEXT_KEY_KINDS)) {
    const raw = tryGetContext(key);
    if (raw === undefined || raw === null || raw === '') continue;
    if (kind === 'number') {
      const value = typeof raw === 'number' ? raw : Number(String(raw).trim());
      if (!Number.isFinite(value)) problems.push(`context ${key}=${String(raw)} is not a number`);
      else props[key] = value;
    } else if (kind === 'boolean') {
      const text = String(raw).trim().toLowerCase();
      if (text === 'true' || text === 'false') props[key] = text === 'true';
      else problems.push(`context ${key}=${String(raw)} must be true or false`);
    } else if (kind === 'list') {
      const items = Array.isArray(raw) ? raw.map(String) : String(raw).split(',');
      props[key] = items.map((item) => item.trim()).filter((item) => item.length > 0);
    } else {
      props[key] = String(raw).trim();
    }
  }
  if (problems.length > 0) throw new TrackingSettingsError(problems);
  return props as AnonymousTrackingProps;
}

/** Applies defaults and validates; throws `TrackingSettingsError` listing every problem. */
export function resolveTrackingSettings(props: AnonymousTrackingProps): TrackingSettings {
  const problems: string[] = [];
  const d = TRACKING_DEFAULTS;

  const originUrl = checkOriginUrl(props.originUrl, problems);

  const int = (key: keyof AnonymousTrackingProps, value: number | undefined, fallback: number, min: number, max: number) => {
    const resolved = value ?? fallback;
    if (!Number.isInteger(resolved) || resolved < min || resolved > max) {
      problems.push(`${key} must be a whole number from ${min} to ${max} (got ${String(value)})`);
    }
    return resolved;
  };

  const cookieName = props.cookieName ?? defaultCookieName(props.cookieDomain);
  problems.push(
    ...cookieSettingsProblems({ name: cookieName, domain: props.cookieDomain }).map((problem) =>
      problem.replace('COOKIE_NAME', 'cookieName').replace('COOKIE_DOMAIN', 'cookieDomain'),
    ),
  );
  const cookieRenewal = props.cookieRenewal ?? d.cookieRenewal;
  if (cookieRenewal !== 'sliding' && cookieRenewal !== 'fixed') {
    problems.push(`cookieRenewal must be "sliding" or "fixed" (got "${String(cookieRenewal)}")`);
  }

  const skipPrefixes = props.skipPrefixes ?? d.skipPrefixes;
  for (const path of skipPrefixes) {
    // These become API Gateway route keys; keep to characters a route path accepts.
    if (!/^\/[A-Za-z0-9._~\-/]*$/.test(path) || canonicalPath(path) !== path) {
      problems.push(`skipPrefixes entry "${path}" must start with "/", use only letters, digits, ".", "_", "~", "-", "/", and have no "//", "." or ".." segment`);
    } else if (path === '/') {
      problems.push('skipPrefixes cannot contain "/" (that would bypass tracking for every path)');
    }
  }
  const untrackedPrefixes = props.untrackedPrefixes ?? d.untrackedPrefixes;
  for (const path of untrackedPrefixes) {
    if (!path.startsWith('/')) problems.push(`untrackedPrefixes entry "${path}" must start with "/"`);
    else if (canonicalPath(path) !== path) problems.push(`untrackedPrefixes entry "${path}" must have no %-escape, "//", "." or ".." segment`);
  }
  const routeCount = skipPrefixes.length + 1;
  if (routeCount > 300) problems.push(`too many skipPrefixes: an HTTP API holds at most 300 routes`);

  let customDomain: TrackingSettings['customDomain'];
  if (props.domainName !== undefined || props.certificateArn !== undefined) {
    if (props.domainName === undefined || props.certificateArn === undefined) {
      problems.push('domainName and certificateArn go together: set both or neither');
    } else {
      if (!/^[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+$/.test(props.domainName)) {
        problems.push(`domainName must be a host name such as www.example.com (got "${props.domainName}")`);
      }
      if (!/^arn:aws[a-z-]*:acm:[a-z0-9-]+:\d{12}:certificate\/[A-Za-z0-9-]+$/.test(props.certificateArn)) {
        problems.push(`certificateArn must be an ACM certificate ARN (got "${props.certificateArn}")`);
      }
      customDomain = { domainName: props.domainName, certificateArn: props.certificateArn };
    }
  }

  let jwt: TrackingSettings['jwt'];
  if (props.jwtJwksUrl || props.jwtSecretArn || props.jwtIssuer || props.jwtAudience) {
    if (props.jwtJwksUrl && props.jwtSecretArn) problems.push('set jwtJwksUrl or jwtSecretArn, not both');
    if (!props.jwtJwksUrl && !props.jwtSecretArn) problems.push('JWT settings need jwtJwksUrl or jwtSecretArn');
    if (!props.jwtIssuer) problems.push('jwtIssuer is required when JWT verification is configured');
    if (props.jwtJwksUrl && !/^https:\/\/\S+$/.test(props.jwtJwksUrl)) {
      problems.push(`jwtJwksUrl must be an https URL (got "${props.jwtJwksUrl}")`);
    }
    if (props.jwtSecretArn && !/^arn:aws[a-z-]*:secretsmanager:[a-z0-9-]+:\d{12}:secret:\S+$/.test(props.jwtSecretArn)) {
      problems.push(`jwtSecretArn must be a Secrets Manager secret ARN (got "${props.jwtSecretArn}")`);
    }
    jwt = {
      jwksUrl: props.jwtJwksUrl,
      secretArn: props.jwtSecretArn,
      issuer: props.jwtIssuer,
      audience: props.jwtAudience,
    };
  }

  if (props.alarmEmail !== undefined && !/^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(props.alarmEmail)) {
    problems.push(`alarmEmail must be an e-mail address (got "${props.alarmEmail}")`);
  }

  const consumerBatchSize = int('consumerBatchSize', props.consumerBatchSize, d.consumerBatchSize, 1, 10_000);
  const consumerMaxBatchingWindowSeconds = int(
    'consumerMaxBatchingWindowSeconds',
    props.consumerMaxBatchingWindowSeconds,
    d.consumerMaxBatchingWindowSeconds,
    0,
    300,
  );
  // SQS event sources reject batches over 10 without a batching window.
  if (consumerBatchSize > 10 && consumerMaxBatchingWindowSeconds === 0) {
    problems.push('consumerBatchSize above 10 needs consumerMaxBatchingWindowSeconds of at least 1');
  }

  const logRetentionDays = props.logRetentionDays ?? d.logRetentionDays;
  if (!LOG_RETENTION_DAYS.includes(logRetentionDays)) {
    problems.push(`logRetentionDays must be one of ${LOG_RETENTION_DAYS.join(', ')} (got ${logRetentionDays})`);
  }
  const logLevel = props.logLevel ?? d.logLevel;
  if (!['DEBUG', 'INFO', 'WARN', 'ERROR'].includes(logLevel)) {
    problems.push(`logLevel must be DEBUG, INFO, WARN or ERROR (got "${logLevel}")`);
  }
  const dataRemovalPolicy = props.dataRemovalPolicy ?? d.dataRemovalPolicy;
  if (dataRemovalPolicy !== 'retain' && dataRemovalPolicy !== 'destroy') {
    problems.push(`dataRemovalPolicy must be "retain" or "destroy" (got "${String(dataRemovalPolicy)}")`);
  }

  const tableCapacity = props.tableCapacity ?? d.tableCapacity;
  if (tableCapacity !== 'on-demand' && tableCapacity !== 'provisioned') {
    problems.push(`tableCapacity must be "on-demand" or "provisioned" (got "${String(tableCapacity)}")`);
  }

  const sessionTimeoutSeconds = int('sessionTimeoutSeconds', props.sessionTimeoutSeconds, d.sessionTimeoutSeconds, 60, 86_400);
  const sessionMaxSeconds = int('sessionMaxSeconds', props.sessionMaxSeconds, d.sessionMaxSeconds, 60, 7 * 86_400);
  if (sessionMaxSeconds < sessionTimeoutSeconds) {
    problems.push('sessionMaxSeconds must be at least sessionTimeoutSeconds');
  }

  const settings: TrackingSettings = {
    originUrl,
    customDomain,
    cookieName,
    cookieDomain: props.cookieDomain,
    cookieMaxAgeSeconds: int('cookieMaxAgeSeconds', props.cookieMaxAgeSeconds, d.cookieMaxAgeSeconds, 60, MAX_COOKIE_MAX_AGE_SECONDS),
    cookieRenewal,
    skipPrefixes: [...new Set(skipPrefixes)],
    untrackedPrefixes: [...untrackedPrefixes],
    sessionTimeoutSeconds,
    sessionMaxSeconds,
    honorPrivacySignals: props.honorPrivacySignals ?? d.honorPrivacySignals,
    retentionDays: int('retentionDays', props.retentionDays, d.retentionDays, 1, 3650),
    jwt,
    alarmEmail: props.alarmEmail,
    consumerBatchSize,
    consumerMaxBatchingWindowSeconds,
    ...(props.consumerMaxConcurrency === undefined
      ? {}
      : { consumerMaxConcurrency: int('consumerMaxConcurrency', props.consumerMaxConcurrency, 0, 2, 1000) }),
    tableCapacity,
    tableMaxWriteCapacity: int('tableMaxWriteCapacity', props.tableMaxWriteCapacity, d.tableMaxWriteCapacity, 5, 40_000),
    dashboard: props.dashboard ?? d.dashboard,
    authorizerMemoryMb: int('authorizerMemoryMb', props.authorizerMemoryMb, d.authorizerMemoryMb, 128, 10_240),
    consumerMemoryMb: int('consumerMemoryMb', props.consumerMemoryMb, d.consumerMemoryMb, 128, 10_240),
    maxMessageAgeSeconds: int('maxMessageAgeSeconds', props.maxMessageAgeSeconds, d.maxMessageAgeSeconds, 60, 1_209_600),
    logRetentionDays,
    logLevel,
    slowResolutionWarnMs: int('slowResolutionWarnMs', props.slowResolutionWarnMs, d.slowResolutionWarnMs, 0, 10_000),
    dataRemovalPolicy: dataRemovalPolicy === 'destroy' ? RemovalPolicy.DESTROY : RemovalPolicy.RETAIN,
    tracing: props.tracing ?? d.tracing,
  };
  if (problems.length > 0) throw new TrackingSettingsError(problems);
  return settings;
}

function checkOriginUrl(value: string | undefined, problems: string[]): string {
  if (value === undefined) {
    problems.push('originUrl is required: deploy with -c originUrl=https://your-origin.example.com');
    return '';
  }
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    problems.push(`originUrl "${value}" is not a URL`);
    return '';
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    problems.push(`originUrl must be an http(s) URL (got "${value}")`);
  }
  // The $default route forwards the full request path; a base path on the origin would be ambiguous.
  if (url.pathname !== '/' || url.search !== '' || url.hash !== '') {
    problems.push(`originUrl must be an origin without a path, query or fragment, e.g. https://origin.example.com (got "${value}")`);
  }
  return url.origin;
}
