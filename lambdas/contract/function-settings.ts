/**
 * The settings the functions read (the authorizer and the consumer, at cold start), with the kinds and
 * the pure parse/check helpers every reader uses. Part of the one settings table (settings.ts adds the
 * stack's and `npm start`'s own entries and is what the CDK side, `npm start` and the docs read).
 *
 * The functions' Lambda bundles import this module, so it stays small and free of zod, aws-cdk-lib and
 * Node built-ins: it is compiled on every cold start (measured in a fresh process, the whole table in
 * the authorizer's bundle added about 2 ms to its module load, this part about 0.8 ms). The helpers
 * return problems as strings; nothing throws.
 */
import { MAX_COOKIE_MAX_AGE_SECONDS, defaultCookieName } from '../identity/cookie-attributes';
import { MAX_EXTENSION_CHARS } from '../identity/navigation';
import { canonicalPath } from '../identity/request-path';
import { DEFAULT_RESERVED_PREFIX } from './reserved-paths';

/** Who reads a setting: the CDK app/construct, a function at cold start, or `npm start`. */
export type SettingReader = 'stack' | 'authorizer' | 'consumer' | 'local';

export interface IntegerKind {
  readonly type: 'integer';
  readonly min: number;
  readonly max: number;
  /** Only these values (CloudWatch Logs retention days). */
  readonly values?: readonly number[];
}
export interface BooleanKind {
  readonly type: 'boolean';
}
export interface OneOfKind<T extends string = string> {
  readonly type: 'one-of';
  readonly values: readonly T[];
}
export interface TextKind {
  readonly type: 'text';
  readonly pattern?: RegExp;
  /**
   * What a value must be, completing "`name` must be ...", when `pattern` refuses it (and for the docs:
   * the cookie's rules, which depend on each other, are checked in cookie-attributes.ts).
   */
  readonly must?: string;
  readonly minLength?: number;
  /** A check a pattern cannot express (a time zone the runtime knows); `must` says what it wants. */
  readonly accepts?: (value: string) => boolean;
  /** Never shown in a message (a key, a secret). */
  readonly secret?: boolean;
}
export interface ListKind {
  readonly type: 'list';
  /** The problem with one entry, completing `name entry "x" ...`. */
  readonly entryProblem: (entry: string) => string | undefined;
  readonly maxEntries?: number;
  readonly maxEntriesReason?: string;
}
export interface UrlKind {
  readonly type: 'url';
  /** Scheme, host and port only: no credentials, path, query or fragment. */
  readonly originOnly: boolean;
  /** Deployed values (CDK) must be https; the functions and `npm start` also accept http (local servers). */
  readonly httpsWhenDeployed: boolean;
}
export type SettingKind = IntegerKind | BooleanKind | OneOfKind | TextKind | ListKind | UrlKind;

/** The type a kind's values have once parsed. */
export type SettingValue<K extends SettingKind> = K extends IntegerKind
  ? number
  : K extends BooleanKind
    ? boolean
    : K extends OneOfKind<infer T>
      ? T
      : K extends ListKind
        ? readonly string[]
        : string;

interface SettingFields<V> {
  /** `prop`: a construct prop and a `-c` key of the same name (the setting's id); `context`: a `-c` key of the app only. */
  readonly cdk?: 'prop' | 'context';
  /** The environment variable a function or `npm start` reads. */
  readonly env?: string;
  readonly default?: V;
  /** `npm start`'s default when it differs from the deployed one. */
  readonly localDefault?: V;
  /** The default as people read it, when it is computed (it depends on another setting). */
  readonly defaultText?: string;
  /** Readers that refuse to start without a value, and what to set. */
  readonly required?: { readonly by: readonly SettingReader[]; readonly hint: string };
  /**
   * The stack sets this variable itself: from a resource, with a permission (a `bind*` of
   * lib/tracked-function.ts), or derived; not from the prop of the same id.
   */
  readonly setByStack?: boolean;
  /** One line for people (docs/configuration.md). */
  readonly description: string;
  readonly readers: readonly SettingReader[];
}

export interface SettingSpec<K extends SettingKind = SettingKind> extends SettingFields<SettingValue<K>> {
  readonly kind: K;
}

/** An entry of the table, typed as written (the literal's own fields, e.g. whether it has a default). */
export function setting<K extends SettingKind, F extends SettingFields<SettingValue<K>>>(spec: F & { readonly kind: K }): F & { readonly kind: K } {
  return spec;
}

export const integer = (min: number, max: number, values?: readonly number[]): IntegerKind => ({ type: 'integer', min, max, ...(values ? { values } : {}) });
export const oneOf = <const T extends string>(...values: T[]): OneOfKind<T> => ({ type: 'one-of', values });
export const text = (options: Omit<TextKind, 'type'> = {}): TextKind => ({ type: 'text', ...options });
export const url = (originOnly: boolean, httpsWhenDeployed: boolean): UrlKind => ({ type: 'url', originOnly, httpsWhenDeployed });
export const BOOLEAN: BooleanKind = { type: 'boolean' };

/** Whether the runtime's time-zone data knows `value` (an IANA name). */
export function isTimeZone(value: string): boolean {
  if (value.length === 0 || value.length > 64) return false;
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: value });
    return true;
  } catch {
    return false;
  }
}

const SECRET_ARN = text({
  pattern: /^arn:aws[a-z-]*:secretsmanager:[a-z0-9-]+:\d{12}:secret:\S+$/,
  must: 'a Secrets Manager secret ARN',
});

/** DynamoDB's rule for table names. */
const TABLE_NAME = text({ pattern: /^[A-Za-z0-9_.-]{3,255}$/, must: 'a DynamoDB table name (3-255 of A-Z a-z 0-9 _ . -)' });

/** The path rules of a list entry; `route` adds what an API Gateway route key accepts (skip entries become routes). */
function pathEntryProblem(route: boolean) {
  return (entry: string): string | undefined => {
    if (!entry.startsWith('/')) return 'must start with "/"';
    // Requests are matched in canonical form (request-path.ts); an entry that is not could never match.
    if (canonicalPath(entry) !== entry) return 'must be a canonical path (no %-escapes, "//", "." or ".." segments)';
    if (!route) return undefined;
    if (entry === '/') return 'cannot be "/" (that would bypass tracking for every path)';
    if (!/^[A-Za-z0-9._~\-/]+$/.test(entry)) return 'may use only letters, digits, ".", "_", "~", "-" and "/" (it becomes an API Gateway route)';
    return undefined;
  };
}

/**
 * Paths that end in these are files, not pages: scripts, styles, source maps, images, fonts, data
 * (JSON, XML), manifests, WebAssembly and media. Pages named `.html`, `.php` or `.pdf` are not here.
 */
export const DEFAULT_STATIC_FILE_EXTENSIONS: readonly string[] = [
  'js', 'mjs', 'cjs', 'css', 'map',
  'png', 'jpg', 'jpeg', 'gif', 'webp', 'avif', 'svg', 'ico', 'bmp', 'tif', 'tiff',
  'woff', 'woff2', 'ttf', 'otf', 'eot',
  'json', 'xml', 'webmanifest', 'wasm',
  'mp4', 'webm', 'mov', 'm4v', 'mp3', 'm4a', 'ogg', 'oga', 'wav', 'flac', 'aac', 'vtt',
];

const EXTENSION = new RegExp(`^[a-z0-9]{1,${MAX_EXTENSION_CHARS}}$`);

/** An extension as the path rule compares it (navigation.ts): lower-case, without the dot, not too long. */
function extensionProblem(entry: string): string | undefined {
  if (entry.startsWith('.')) return 'must not start with "." (write `js`, not `.js`)';
  if (!EXTENSION.test(entry)) return `must be 1-${MAX_EXTENSION_CHARS} lower-case letters and digits`;
  return undefined;
}

/** A beacon origin: scheme and host (and port), as browsers send it in `Origin`. */
function originEntryProblem(entry: string): string | undefined {
  const parsed = URL.parse(entry);
  if (parsed === null || (parsed.protocol !== 'https:' && parsed.protocol !== 'http:')) return 'must be an http(s) origin';
  return parsed.origin === entry ? undefined : `must be an origin exactly as browsers send it (${parsed.origin})`;
}

/** The consumer's batching window by default: long enough that views of one session often share a batch. */
export const DEFAULT_BATCHING_WINDOW_SECONDS = 300;

/**
 * A held view waits at most this share of the consumer's batching window, so it reaches the consumer's
 * batch as its neighbours do (a later batch would take the slower merge path for its session).
 */
export const HOLD_SHARE_OF_BATCHING_WINDOW = 1 / 15;

/** The longest hold for a consumer batching window (the stack sets PAGE_VIEW_HOLD_MS from it). */
export function holdMsForBatchingWindow(windowSeconds: number): number {
  return Math.floor(windowSeconds * 1000 * HOLD_SHARE_OF_BATCHING_WINDOW);
}

/**
 * The entries the functions read. Ids are the CDK prop keys where there is one; a range the stack and a
 * function share is one entry, so a deploy fails on exactly what the function would refuse at cold start.
 */
export const FUNCTION_SETTINGS = {
  cookieName: setting({
    kind: text({ must: 'an RFC 6265 cookie name (a token of at most 64 characters)' }),
    cdk: 'prop',
    env: 'COOKIE_NAME',
    defaultText: `\`${defaultCookieName(undefined)}\` (\`${defaultCookieName('.example.com')}\` with a cookie domain)`,
    description:
      'Name of the first-party device cookie; keep the `__Host-` prefix unless the cookie has a domain: it is what stops [cookie tossing](formats.md#cookie-tossing).',
    readers: ['stack', 'authorizer'],
  }),
  cookieDomain: setting({
    kind: text({ must: 'a host name, optionally with a leading dot' }),
    cdk: 'prop',
    env: 'COOKIE_DOMAIN',
    defaultText: 'unset (host-only)',
    description: 'Cookie `Domain` attribute, e.g. `.example.com` to share the cookie with subdomains.',
    readers: ['stack', 'authorizer'],
  }),
  cookieMaxAgeSeconds: setting({
    kind: integer(60, MAX_COOKIE_MAX_AGE_SECONDS),
    cdk: 'prop',
    env: 'COOKIE_MAX_AGE_SECONDS',
    default: 2_592_000,
    description: 'Cookie lifetime in seconds (30 days by default; at most 400 days, the browsers\' cap).',
    readers: ['stack', 'authorizer'],
  }),
  cookieRenewal: setting({
    kind: oneOf('sliding', 'fixed'),
    cdk: 'prop',
    env: 'COOKIE_RENEWAL',
    default: 'sliding',
    description: '`sliding` re-issues the cookie on each tracked view (expiry moves); `fixed` keeps the first expiry.',
    readers: ['stack', 'authorizer'],
  }),
  skipPrefixes: setting({
    kind: { type: 'list', entryProblem: pathEntryProblem(true), maxEntries: 299, maxEntriesReason: 'an HTTP API holds at most 300 routes' } satisfies ListKind,
    cdk: 'prop',
    env: 'SKIP_PREFIXES',
    default: ['/static/', '/media/', '/health/', '/favicon.ico', '/robots.txt'],
    description:
      'Paths routed straight to the origin with no authorizer and no identity work. An entry ending in `/` covers every longer path under it, any other entry one exact path; canonical paths only.',
    readers: ['stack', 'authorizer', 'local'],
  }),
  staticFileExtensions: setting({
    kind: { type: 'list', entryProblem: extensionProblem, maxEntries: 200, maxEntriesReason: 'a list that long is a mistake' } satisfies ListKind,
    cdk: 'prop',
    env: 'STATIC_FILE_EXTENSIONS',
    default: DEFAULT_STATIC_FILE_EXTENSIONS,
    description:
      'File extensions (without the dot; matched case-insensitively on the last path segment) that are never page views, whatever the request headers say: such requests are identified, with reason `static_file`. Empty: no path is a static file.',
    readers: ['stack', 'authorizer'],
  }),
  untrackedPrefixes: setting({
    kind: { type: 'list', entryProblem: pathEntryProblem(false) } satisfies ListKind,
    cdk: 'prop',
    env: 'UNTRACKED_PREFIXES',
    default: ['/api/'],
    description: 'Path prefixes that are identified (cookie and headers) but never counted as page views.',
    readers: ['stack', 'authorizer'],
  }),
  reservedPrefix: setting({
    kind: text({
      pattern: /^\/[A-Za-z0-9._~-]{1,32}\/$/,
      must: 'one path segment between slashes, e.g. /_vg/ (letters, digits, ".", "_", "~", "-"; it becomes an API Gateway route)',
    }),
    cdk: 'prop',
    env: 'RESERVED_PREFIX',
    default: DEFAULT_RESERVED_PREFIX,
    description:
      "Paths the front door answers itself and never sends to the origin: the page-view beacon and its script ([single-page apps](single-page-apps.md)) and the visitor's \"forget me\" page `{prefix}forget` ([privacy](privacy.md)). Pick one your site does not use.",
    readers: ['stack', 'authorizer', 'local'],
  }),
  beaconOrigins: setting({
    kind: { type: 'list', entryProblem: originEntryProblem, maxEntries: 20 } satisfies ListKind,
    cdk: 'prop',
    env: 'BEACON_ORIGINS',
    default: [],
    description:
      "Other sites' origins (e.g. `https://www.example.com`) whose pages may send beacons with the visitor's cookie (CORS with credentials); the front door's own origin always may. See [static sites](single-page-apps.md#static-sites-not-behind-the-front-door).",
    readers: ['stack', 'authorizer'],
  }),
  sessionTimeoutSeconds: setting({
    kind: integer(60, 86_400),
    cdk: 'prop',
    env: 'SESSION_TIMEOUT_SECONDS',
    default: 1800,
    description: 'Inactivity after which the next page view opens a new session, seconds.',
    readers: ['stack', 'authorizer'],
  }),
  sessionMaxSeconds: setting({
    kind: integer(60, 7 * 86_400),
    cdk: 'prop',
    env: 'SESSION_MAX_SECONDS',
    default: 86_400,
    description: 'Longest session, seconds; not shorter than the session timeout.',
    readers: ['stack', 'authorizer'],
  }),
  honorPrivacySignals: setting({
    kind: BOOLEAN,
    cdk: 'prop',
    env: 'HONOR_PRIVACY_SIGNALS',
    default: true,
    description: 'Respect `Sec-GPC: 1` and `DNT: 1` (no identity, cookie deleted); `false` only where the legal basis allows.',
    readers: ['stack', 'authorizer'],
  }),
  consentMode: setting({
    kind: oneOf('off', 'required'),
    cdk: 'prop',
    env: 'CONSENT_MODE',
    default: 'off',
    description:
      '`required`: no cookie, no identifier and no page view until the consent cookie holds the consent value; a cookie set before is deleted on the next request once consent is gone ([privacy](privacy.md#consent-mode)).',
    readers: ['stack', 'authorizer'],
  }),
  consentCookieName: setting({
    kind: text({ pattern: /^[!#$%&'*+\-.^_`|~0-9A-Za-z]{1,64}$/, must: 'an RFC 6265 cookie name (a token of at most 64 characters)' }),
    cdk: 'prop',
    env: 'CONSENT_COOKIE_NAME',
    default: 'vg_consent',
    description: "With `consentMode: required`, the cookie your consent banner sets (readable by the front door: the site's own domain).",
    readers: ['stack', 'authorizer'],
  }),
  consentCookieValue: setting({
    kind: text({ pattern: /^[A-Za-z0-9!#$%&'()*+\-./:<=>?@[\]^_`{|}~]{1,64}$/, must: 'a cookie value of 1-64 characters (no spaces, quotes, commas, semicolons or backslashes)' }),
    cdk: 'prop',
    env: 'CONSENT_COOKIE_VALUE',
    default: 'yes',
    description: 'With `consentMode: required`, the value of the consent cookie that means "consent given"; any other value or none means no consent.',
    readers: ['stack', 'authorizer'],
  }),
  countWithoutConsent: setting({
    kind: BOOLEAN,
    cdk: 'prop',
    env: 'COUNT_WITHOUT_CONSENT',
    default: false,
    description:
      'With `consentMode: required`, count page views made without consent in the statistics only: no cookie, no identifier, a `cookieless_view` message ([privacy](privacy.md#consent-mode)).',
    readers: ['stack', 'authorizer'],
  }),
  retentionDays: setting({
    kind: integer(1, 3650),
    cdk: 'prop',
    env: 'RETENTION_DAYS',
    default: 30,
    description: 'Days a device or session lives in DynamoDB after its last activity (TTL).',
    readers: ['stack', 'consumer'],
  }),
  statsTimeZone: setting({
    kind: text({ accepts: isTimeZone, must: 'an IANA time zone such as UTC, Europe/Paris or America/New_York' }),
    cdk: 'prop',
    env: 'STATS_TIME_ZONE',
    default: 'UTC',
    description: 'Time zone of the daily statistics: a session counts on the calendar day, there, of its start.',
    readers: ['stack', 'consumer', 'local'],
  }),
  statsRetentionMonths: setting({
    kind: integer(1, 120),
    cdk: 'prop',
    env: 'STATS_RETENTION_MONTHS',
    default: 25,
    description: 'Months the daily statistics (anonymous counts) are kept after their day (TTL); independent of `RETENTION_DAYS`.',
    readers: ['stack', 'consumer'],
  }),
  jwtJwksUrl: setting({
    kind: url(false, true),
    cdk: 'prop',
    env: 'JWT_JWKS_URL',
    description:
      "JWKS URL to verify your users' bearer JWTs (RS*/PS*/ES*/EdDSA; links a device to a user id); the key set is cached per instance. Deployed: https only.",
    readers: ['stack', 'authorizer'],
  }),
  jwtSecretArn: setting({
    kind: SECRET_ARN,
    cdk: 'prop',
    env: 'JWT_SECRET_ARN',
    setByStack: true,
    description: 'Secrets Manager secret whose string is an HS256/384/512 shared secret (instead of a JWKS URL); the authorizer may read only it.',
    readers: ['stack', 'authorizer'],
  }),
  jwtIssuer: setting({
    kind: text(),
    cdk: 'prop',
    env: 'JWT_ISSUER',
    defaultText: 'unset (required with JWT verification)',
    description: 'Required `iss` of accepted JWTs.',
    readers: ['stack', 'authorizer'],
  }),
  jwtAudience: setting({
    kind: text(),
    cdk: 'prop',
    env: 'JWT_AUDIENCE',
    description: 'Accepted `aud` values, comma-separated (any one must match); unset accepts any audience.',
    readers: ['stack', 'authorizer'],
  }),
  slowResolutionWarnMs: setting({
    kind: integer(0, 10_000),
    cdk: 'prop',
    env: 'SLOW_RESOLUTION_WARN_MS',
    default: 5,
    description: 'The authorizer logs a warning when resolving one request takes longer than this, ms.',
    readers: ['stack', 'authorizer'],
  }),
  logLevel: setting({
    kind: oneOf('DEBUG', 'INFO', 'WARN', 'ERROR'),
    cdk: 'prop',
    env: 'POWERTOOLS_LOG_LEVEL',
    default: 'INFO',
    description: "Both functions' log level (read by Powertools).",
    readers: ['stack', 'authorizer', 'consumer'],
  }),

  // ---- Set by the stack for the functions (and by `npm start` for the handlers it runs) ----
  queueUrl: setting({
    kind: url(false, false),
    env: 'QUEUE_URL',
    required: { by: ['authorizer'], hint: 'the page-view queue URL' },
    setByStack: true,
    description: 'URL of the page-view queue.',
    readers: ['authorizer'],
  }),
  signingKeysSecretArn: setting({
    kind: SECRET_ARN,
    env: 'SIGNING_KEYS_SECRET_ARN',
    setByStack: true,
    description: 'Secrets Manager secret holding the cookie signing key ring JSON (deployed); read once per instance.',
    readers: ['authorizer'],
  }),
  signingKeys: setting({
    kind: text({ secret: true }),
    env: 'SIGNING_KEYS',
    defaultText: 'unset (`npm start`: generated)',
    description:
      'The key ring JSON inline (local runs, tests); exactly one of this and `SIGNING_KEYS_SECRET_ARN`. `npm start` generates one into `DATA_DIR/signing-keys.json` (mode 0600) when unset, so cookies stay valid across restarts.',
    readers: ['authorizer', 'local'],
  }),
  jwtSecret: setting({
    kind: text({ secret: true, minLength: 32 }),
    env: 'JWT_SECRET',
    description: 'An HS256/384/512 shared secret inline (local runs); at most one of `JWT_JWKS_URL`, `JWT_SECRET_ARN` and this.',
    readers: ['authorizer'],
  }),
  tableName: setting({
    kind: TABLE_NAME,
    env: 'TABLE_NAME',
    required: { by: ['consumer'], hint: 'the DynamoDB table the aggregator writes to' },
    localDefault: 'visitor-gate',
    setByStack: true,
    description: 'The DynamoDB table the consumer writes to; `npm start` creates it in DynamoDB Local under this name.',
    readers: ['consumer', 'local'],
  }),
  pageViewHoldMs: setting({
    kind: integer(0, 60_000),
    env: 'PAGE_VIEW_HOLD_MS',
    setByStack: true,
    default: holdMsForBatchingWindow(DEFAULT_BATCHING_WINDOW_SECONDS),
    description:
      'Longest a page view waits in an execution environment to leave with others, ms (0 sends each view right after its response). The stack sets a fifteenth of `consumerMaxBatchingWindowSeconds`.',
    readers: ['authorizer'],
  }),
  sqsConnectTimeoutMs: setting({
    kind: integer(10, 2_000),
    env: 'SQS_CONNECT_TIMEOUT_MS',
    default: 100,
    // The queue shares one busy process with the front door, origin and consumer there.
    localDefault: 2_000,
    description:
      "The SQS client's connect timeout per attempt, ms (two attempts, then the replay record); at most 2000 so both fit the 5 s authorizer timeout.",
    readers: ['authorizer'],
  }),
  sqsRequestTimeoutMs: setting({
    kind: integer(50, 2_000),
    env: 'SQS_REQUEST_TIMEOUT_MS',
    default: 300,
    localDefault: 2_000,
    description: "The SQS client's request timeout per attempt, ms; at most 2000, as the connect timeout. The client keeps a socket per publish in flight, so no publish waits for one while these run.",
    readers: ['authorizer'],
  }),
  awsEndpointUrlSqs: setting({
    kind: url(false, false),
    env: 'AWS_ENDPOINT_URL_SQS',
    defaultText: 'unset (`npm start`: its fauxqs)',
    description: "SQS endpoint for local runs (the AWS SDK's variable; used explicitly, since the client otherwise sends to the queue URL's host).",
    readers: ['authorizer'],
  }),
  serviceName: setting({
    kind: text(),
    env: 'POWERTOOLS_SERVICE_NAME',
    setByStack: true,
    default: 'visitor-gate',
    description: "The logger's service and the metrics' `service` dimension.",
    readers: ['authorizer', 'consumer'],
  }),
  metricsNamespace: setting({
    kind: text(),
    env: 'POWERTOOLS_METRICS_NAMESPACE',
    setByStack: true,
    default: 'VisitorGate',
    description: 'CloudWatch metrics namespace.',
    readers: ['authorizer', 'consumer'],
  }),
  metricsDisabled: setting({
    kind: text(),
    env: 'POWERTOOLS_METRICS_DISABLED',
    defaultText: 'unset (`false`; `npm start`: `true`)',
    localDefault: 'true',
    description:
      "`true` writes no metric lines (Powertools' values: `true`/`1`/`yes`/`on`, `false`/`0`/`no`/`off`; anything else fails the cold start); when unset, `POWERTOOLS_DEV=true` disables them, as in Powertools.",
    readers: ['authorizer', 'consumer'],
  }),
  powertoolsDev: setting({
    kind: text(),
    env: 'POWERTOOLS_DEV',
    description: "Powertools' development mode; disables metrics when `POWERTOOLS_METRICS_DISABLED` is unset.",
    readers: ['authorizer', 'consumer'],
  }),
} as const;

export type FunctionSettingId = keyof typeof FUNCTION_SETTINGS;

// ---- Parsing and checking: problems as strings ----

export type Env = Readonly<Record<string, string | undefined>>;

export interface CheckOptions {
  /** Checked for a deployment (the CDK app): URLs of `httpsWhenDeployed` kinds must be https. */
  readonly deployed: boolean;
}

/** A value as a message shows it: JSON (quotes, escapes), at most 100 characters. */
function shown(value: unknown): string {
  const json = JSON.stringify(value) ?? String(value);
  return json.length > 100 ? `${json.slice(0, 97)}...` : json;
}

function alternatives(values: readonly (string | number)[]): string {
  const quoted = values.map((value) => (typeof value === 'string' ? `"${value}"` : String(value)));
  return quoted.length <= 2 ? quoted.join(' or ') : `one of ${quoted.join(', ')}`;
}

/** Text (an environment variable, a `-c` value) as the kind's type; format problems only. */
function fromText(kind: SettingKind, name: string, raw: string): { value?: unknown; problem?: string } {
  const value = raw.trim();
  switch (kind.type) {
    case 'integer':
      return /^[+-]?\d{1,16}$/.test(value) ? { value: Number(value) } : { problem: integerProblem(kind, name, raw) };
    case 'boolean': {
      const lower = value.toLowerCase();
      return lower === 'true' || lower === 'false' ? { value: lower === 'true' } : { problem: `${name} must be true or false (got ${shown(raw)})` };
    }
    case 'list':
      return { value: value.split(',').map((entry) => entry.trim()).filter((entry) => entry !== '') };
    default:
      return { value };
  }
}

function integerProblem(kind: IntegerKind, name: string, value: unknown): string {
  return kind.values
    ? `${name} must be ${alternatives(kind.values)} (got ${shown(value)})`
    : `${name} must be an integer from ${kind.min} to ${kind.max} (got ${shown(value)})`;
}

/**
 * The problems of a typed value (a prop, a cdk.json value, or parsed text); messages show `given`, the
 * value as the user wrote it.
 */
export function valueProblems(kind: SettingKind, name: string, value: unknown, options: CheckOptions, given: unknown = value): string[] {
  switch (kind.type) {
    case 'integer': {
      const ok = typeof value === 'number' && Number.isInteger(value) && value >= kind.min && value <= kind.max && (kind.values?.includes(value) ?? true);
      return ok ? [] : [integerProblem(kind, name, given)];
    }
    case 'boolean':
      return typeof value === 'boolean' ? [] : [`${name} must be true or false (got ${shown(given)})`];
    case 'one-of':
      return typeof value === 'string' && kind.values.includes(value) ? [] : [`${name} must be ${alternatives(kind.values)} (got ${shown(given)})`];
    case 'text': {
      if (typeof value !== 'string') return [`${name} must be text (got ${shown(value)})`];
      const got = kind.secret ? '' : ` (got ${shown(value)})`;
      if (kind.minLength !== undefined && value.length < kind.minLength) return [`${name} must be at least ${kind.minLength} characters${got}`];
      if (kind.pattern && !kind.pattern.test(value)) return [`${name} must be ${kind.must ?? `text matching ${kind.pattern.source}`}${got}`];
      if (kind.accepts && !kind.accepts(value)) return [`${name} must be ${kind.must ?? 'valid'}${got}`];
      return [];
    }
    case 'list': {
      if (!Array.isArray(value) || value.some((entry) => typeof entry !== 'string')) return [`${name} must be a list of text (got ${shown(value)})`];
      const problems: string[] = [];
      for (const entry of value as string[]) {
        const problem = kind.entryProblem(entry);
        if (problem !== undefined) problems.push(`${name} entry ${shown(entry)} ${problem}`);
      }
      if (kind.maxEntries !== undefined && value.length > kind.maxEntries) {
        problems.push(`${name} has ${value.length} entries, at most ${kind.maxEntries} (${kind.maxEntriesReason ?? 'the limit'})`);
      }
      return problems;
    }
    case 'url':
      return urlProblems(kind, name, value, options);
  }
}

function urlProblems(kind: UrlKind, name: string, value: unknown, options: CheckOptions): string[] {
  const parsed = typeof value === 'string' ? URL.parse(value) : null;
  if (parsed === null) return [`${name} must be an absolute URL (got ${shown(value)})`];
  const httpsOnly = options.deployed && kind.httpsWhenDeployed;
  const problems: string[] = [];
  if (httpsOnly ? parsed.protocol !== 'https:' : parsed.protocol !== 'https:' && parsed.protocol !== 'http:') {
    problems.push(`${name} must be an ${httpsOnly ? 'https' : 'http(s)'} URL (got ${shown(value)})`);
  }
  if (kind.originOnly && (parsed.pathname !== '/' || parsed.search !== '' || parsed.hash !== '' || parsed.username !== '' || parsed.password !== '')) {
    problems.push(`${name} must be an origin without credentials, path, query or fragment, e.g. https://origin.example.com (got ${shown(value)})`);
  }
  return problems;
}

/**
 * One raw value (text from the environment or `-c`, or a typed value from cdk.json or a prop) parsed and
 * checked. `value` is undefined when it had a problem.
 */
export function readValue<K extends SettingKind>(
  kind: K,
  name: string,
  raw: unknown,
  options: CheckOptions,
): { readonly value?: SettingValue<K>; readonly problems: readonly string[] } {
  let value = raw;
  if (typeof raw === 'string') {
    const parsed = fromText(kind, name, raw);
    if (parsed.problem !== undefined) return { problems: [parsed.problem] };
    value = parsed.value;
  } else if (kind.type === 'list' && Array.isArray(raw)) {
    value = raw.map((entry) => String(entry).trim()).filter((entry) => entry !== '');
  }
  const problems = valueProblems(kind, name, value, options, raw);
  return problems.length > 0 ? { problems } : { value: value as SettingValue<K>, problems };
}

type HasDefault<S, R extends SettingReader> = R extends 'local'
  ? S extends { readonly localDefault: unknown } | { readonly default: unknown }
    ? true
    : false
  : S extends { readonly default: unknown }
    ? true
    : false;

/** A reader's fallback: `npm start` uses `localDefault` where the table gives one. */
export function defaultFor<S extends SettingSpec>(spec: S, reader: SettingReader): SettingValue<S['kind']> | undefined {
  return (reader === 'local' && spec.localDefault !== undefined ? spec.localDefault : spec.default) as SettingValue<S['kind']> | undefined;
}

/**
 * The setting's environment variable as `reader` reads it: parsed and checked, else the reader's default
 * (unset, empty, or invalid: the problem is added to `problems`, and a missing required value too).
 */
export function readEnv<S extends SettingSpec & { readonly env: string }, R extends SettingReader>(
  spec: S,
  env: Env,
  problems: string[],
  reader: R,
): HasDefault<S, R> extends true ? SettingValue<S['kind']> : SettingValue<S['kind']> | undefined {
  const fallback = defaultFor(spec, reader);
  const raw = env[spec.env];
  // An empty list is a value (the stack writes `untrackedPrefixes: []` as ""); other empty values are unset.
  if (raw === undefined || (raw.trim() === '' && spec.kind.type !== 'list')) {
    if (fallback === undefined && spec.required?.by.includes(reader)) problems.push(`${spec.env} is required: ${spec.required.hint}`);
    return fallback as never;
  }
  const read = readValue(spec.kind, spec.env, raw, { deployed: false });
  problems.push(...read.problems);
  return (read.value ?? fallback) as never;
}

/** The environment variable's trimmed text, or undefined when unset or empty (for rules the kinds do not cover). */
export function envText(spec: { readonly env: string }, env: Env): string | undefined {
  const value = env[spec.env]?.trim();
  return value === undefined || value === '' ? undefined : value;
}

// ---- Rules across settings, one place each (the cookie's own rules: cookie-attributes.ts) ----

/** A setting's name as one reader knows it: the CDK key, or the environment variable. */
export type NameOf<Id extends string = FunctionSettingId> = (id: Id) => string;
/** The functions' names: their environment variables. */
export const envName: NameOf = (id) => FUNCTION_SETTINGS[id].env;

function orList(names: readonly string[]): string {
  return names.length <= 1 ? (names[0] ?? '') : `${names.slice(0, -1).join(', ')} or ${names.at(-1)}`;
}

export function sessionProblems(timeoutSeconds: number, maxSeconds: number, name: NameOf): string[] {
  return maxSeconds < timeoutSeconds
    ? [`${name('sessionMaxSeconds')} (${maxSeconds}) must not be shorter than ${name('sessionTimeoutSeconds')} (${timeoutSeconds})`]
    : [];
}

/**
 * The reserved prefix is the front door's own: a skip or untracked entry overlapping it would be a
 * second route for the same paths (refused by API Gateway) or a rule that never applies.
 */
export function reservedPrefixProblems(reservedPrefix: string, entries: { readonly skipPrefixes: readonly string[]; readonly untrackedPrefixes: readonly string[] }, name: NameOf): string[] {
  const problems: string[] = [];
  for (const id of ['skipPrefixes', 'untrackedPrefixes'] as const) {
    for (const entry of entries[id]) {
      if (entry.startsWith(reservedPrefix) || reservedPrefix.startsWith(entry)) {
        problems.push(`${name(id)} entry "${entry}" overlaps ${name('reservedPrefix')} "${reservedPrefix}" (the front door answers those paths itself)`);
      }
    }
  }
  return problems;
}

/** JWT verification needs exactly one key source (of `keyIds`) and an issuer; an audience alone is a mistake. */
export function jwtProblems(keyIds: readonly FunctionSettingId[], isSet: (id: FunctionSettingId) => boolean, name: NameOf): string[] {
  const keys = keyIds.filter(isSet);
  const keyNames = orList(keyIds.map(name));
  if (keys.length === 0) {
    return isSet('jwtIssuer') || isSet('jwtAudience') ? [`${name('jwtIssuer')}/${name('jwtAudience')} are set but no key: set ${keyNames}`] : [];
  }
  const problems: string[] = [];
  if (keys.length > 1) problems.push(`set only one of ${keyNames}`);
  if (!isSet('jwtIssuer')) problems.push(`${name('jwtIssuer')} is required when JWT verification is configured`);
  return problems;
}
