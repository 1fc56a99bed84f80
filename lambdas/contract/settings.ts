/**
 * The one settings table of visitor-gate: every setting's CDK prop and `-c` context key, the environment
 * variable a function or `npm start` reads, its kind and range, its default, a line for people, and who
 * reads it. The CDK settings (lib/tracking-settings.ts), the local runtime (local-runtime/settings.ts)
 * and docs/configuration.md (`npm run docs:config`) read it here; the functions read their part,
 * function-settings.ts, which this module includes (their bundles then carry only that part).
 *
 * Pure: no zod, aws-cdk-lib or Node built-ins.
 */
import {
  BOOLEAN,
  DEFAULT_BATCHING_WINDOW_SECONDS,
  FUNCTION_SETTINGS,
  integer,
  oneOf,
  setting,
  text,
  url,
  type Env,
  type NameOf,
  type SettingSpec,
} from './function-settings';

export * from './function-settings';

const PORT = integer(0, 65_535);
const MEMORY_MB = integer(128, 10_240);
/** SQS's rule for queue names (a `.fifo` suffix aside). */
const QUEUE_NAME = text({ pattern: /^[A-Za-z0-9_-]{1,80}$/, must: 'an SQS queue name (1-80 of A-Z a-z 0-9 _ -)' });

/** Fixed choices, not settings, that the stack and `npm start` share. */
export const FIXED_CHOICES = {
  /**
   * The authorizer's timeout. API Gateway waits at most 10 s for an authorizer; a page view must never
   * wait that long, and the authorizer's own SQS client gives up (and logs the message) well before.
   */
  authorizerTimeoutSeconds: 5,
  /** Receives of a page-view message before it moves to the dead-letter queue. */
  maxReceiveCount: 5,
  /** The forget endpoint's timeout: one erasure (a put, a query, a few batch deletes). */
  forgetTimeoutSeconds: 10,
} as const;

/** CloudWatch Logs' retention values, in days. */
const LOG_RETENTION_DAYS = [1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653];

/**
 * The table: the stack's first keys, the functions' entries, then the stack's and `npm start`'s own
 * (the order of docs/configuration.md).
 */
export const SETTINGS = {
  originUrl: setting({
    kind: url(true, true),
    cdk: 'prop',
    env: 'ORIGIN_URL',
    required: { by: ['stack'], hint: 'deploy with -c originUrl=https://your-origin.example.com' },
    description:
      'The site the front door proxies to: scheme, host and optional port, no path, query or fragment (the request path is forwarded as is). Deployed: https only. `npm start`: http or https; unset, the demo origin runs on `DEMO_ORIGIN_PORT`.',
    readers: ['stack', 'local'],
  }),
  domainName: setting({
    kind: text({ pattern: /^[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+$/, must: 'a host name such as www.example.com' }),
    cdk: 'prop',
    description: 'Custom domain for the front door, e.g. `www.example.com` (needs `certificateArn`).',
    readers: ['stack'],
  }),
  certificateArn: setting({
    kind: text({ pattern: /^arn:aws[a-z-]*:acm:[a-z0-9-]+:\d{12}:certificate\/[A-Za-z0-9-]+$/, must: 'an ACM certificate ARN' }),
    cdk: 'prop',
    description: "ACM certificate ARN in the stack's region covering `domainName`.",
    readers: ['stack'],
  }),
  ...FUNCTION_SETTINGS,
  audienceMeasurement: setting({
    kind: oneOf('off', 'cnil'),
    cdk: 'prop',
    default: 'off',
    description:
      "`cnil`: the CNIL audience-measurement exemption's limits, applied and checked at synth (cookie at most 13 months with no extension, data at most 25 months, no user linking); see [privacy](privacy.md#audience-measurement-preset).",
    readers: ['stack'],
  }),
  alarmEmail: setting({
    kind: text({ pattern: /^[^@\s]+@[^@\s]+\.[^@\s]+$/, must: 'an e-mail address' }),
    cdk: 'prop',
    description: 'E-mail address subscribed to the alarm topic (confirm the subscription mail once).',
    readers: ['stack'],
  }),
  consumerBatchSize: setting({
    kind: integer(1, 10_000),
    cdk: 'prop',
    env: 'BATCH_SIZE',
    default: 1000,
    localDefault: 100,
    description: 'Messages per consumer invocation; above 10 needs a batching window (as Lambda requires).',
    readers: ['stack', 'local'],
  }),
  consumerMaxBatchingWindowSeconds: setting({
    kind: integer(0, 300),
    cdk: 'prop',
    env: 'BATCH_WINDOW_SECONDS',
    default: DEFAULT_BATCHING_WINDOW_SECONDS,
    // Local counts then appear within seconds; 0 with a batch size of at most 10 counts at once.
    localDefault: 5,
    description:
      'How long the event source waits to fill a batch, seconds: long enough that views of one session often share a batch (one write instead of several); views reach the table up to this much later. The authorizer holds views for a fifteenth of it.',
    readers: ['stack', 'local'],
  }),
  consumerMaxConcurrency: setting({
    kind: integer(2, 1000),
    cdk: 'prop',
    description:
      'Most concurrent consumer invocations; caps DynamoDB write bursts. Unset, Lambda scales the pollers down to 2 at low traffic; set, it keeps at least 5, each long-polling SQS (billed requests).',
    readers: ['stack'],
  }),
  tableCapacity: setting({
    kind: oneOf('on-demand', 'provisioned'),
    cdk: 'prop',
    default: 'on-demand',
    description: '`provisioned`: write capacity auto scaled (70% target, at least 5 units) instead of paying per request; cheaper above a few million views a month (see [the cost figures](benchmarks.md#what-a-million-page-views-cost)).',
    readers: ['stack'],
  }),
  tableMaxWriteCapacity: setting({
    kind: integer(5, 40_000),
    cdk: 'prop',
    default: 1000,
    description: 'With `tableCapacity: provisioned`, the most write capacity units auto scaling may set.',
    readers: ['stack'],
  }),
  dashboard: setting({
    kind: BOOLEAN,
    cdk: 'prop',
    default: false,
    description: "A CloudWatch dashboard ($3 a month beyond the account's 3 free ones).",
    readers: ['stack'],
  }),
  authorizerMemoryMb: setting({
    kind: MEMORY_MB,
    cdk: 'prop',
    default: 256,
    description: 'Authorizer memory, MB (more memory, more CPU).',
    readers: ['stack'],
  }),
  consumerMemoryMb: setting({ kind: MEMORY_MB, cdk: 'prop', default: 256, description: 'Consumer memory, MB.', readers: ['stack'] }),
  maxMessageAgeSeconds: setting({
    kind: integer(60, 1_209_600),
    cdk: 'prop',
    default: 900,
    description: 'Alarm when the oldest queued page view is older than this, seconds.',
    readers: ['stack'],
  }),
  logRetentionDays: setting({
    kind: integer(1, 3653, LOG_RETENTION_DAYS),
    cdk: 'prop',
    default: 30,
    description: 'CloudWatch Logs retention of function and access logs, days (a value CloudWatch accepts).',
    readers: ['stack'],
  }),
  dataRemovalPolicy: setting({
    kind: oneOf('retain', 'destroy'),
    cdk: 'prop',
    default: 'retain',
    description: '`retain` keeps the table and the signing-key secret when the stack is deleted; `destroy` deletes them.',
    readers: ['stack'],
  }),
  tracing: setting({ kind: BOOLEAN, cdk: 'prop', default: false, description: 'AWS X-Ray active tracing on both functions.', readers: ['stack'] }),
  stackName: setting({
    kind: text({ pattern: /^[A-Za-z][A-Za-z0-9-]{0,127}$/, must: 'a CloudFormation stack name (a letter, then letters, digits and "-")' }),
    cdk: 'context',
    default: 'VisitorGate',
    description: 'Name of the CloudFormation stack.',
    readers: ['stack'],
  }),

  // ---- npm start only ----
  port: setting({ kind: PORT, env: 'PORT', default: 3000, description: 'Front door port: the address you browse (0: any free port).', readers: ['local'] }),
  demoOriginPort: setting({
    kind: PORT,
    env: 'DEMO_ORIGIN_PORT',
    defaultText: '`PORT` + 1',
    description: 'Port of the demo origin (when `ORIGIN_URL` is unset).',
    readers: ['local'],
  }),
  dashboardPort: setting({
    kind: PORT,
    env: 'DASHBOARD_PORT',
    defaultText: '`PORT` + 2',
    description: 'Port of the statistics dashboard that `npm start` serves on 127.0.0.1 (`npm run dashboard` takes `--port`).',
    readers: ['local'],
  }),
  sqsPort: setting({ kind: PORT, env: 'SQS_PORT', default: 9324, description: 'fauxqs (the SQS API).', readers: ['local'] }),
  dynamoDbPort: setting({ kind: PORT, env: 'DYNAMODB_PORT', default: 8000, description: 'DynamoDB Local.', readers: ['local'] }),
  dataDir: setting({
    kind: text(),
    env: 'DATA_DIR',
    default: '.local-data',
    description:
      'The one local folder for data (git-ignored): DynamoDB files, signing keys, saved queue messages, unpublished page views (`unpublished-messages.log`), the pid of its DynamoDB Local.',
    readers: ['local'],
  }),
  consumerTimeoutSeconds: setting({
    kind: integer(1, 900),
    env: 'CONSUMER_TIMEOUT_SECONDS',
    // The deployed consumer's fixed timeout (lib/anonymous-tracking.ts takes it from here).
    default: 30,
    description: "The consumer's timeout, seconds; the queue's visibility timeout is 6 × this + the batching window, as in the stack.",
    readers: ['local'],
  }),
  queueName: setting({ kind: QUEUE_NAME, env: 'QUEUE_NAME', default: 'visitor-gate-page-views', description: 'Name of the local page-view queue.', readers: ['local'] }),
  deadLetterQueueName: setting({
    kind: QUEUE_NAME,
    env: 'DEAD_LETTER_QUEUE_NAME',
    default: 'visitor-gate-page-views-dlq',
    description: 'Name of the local dead-letter queue.',
    readers: ['local'],
  }),
} as const;

export type SettingId = keyof typeof SETTINGS;
type Settings = typeof SETTINGS;
/** Ids of the construct props (each also a `-c` key). */
export type PropId = { [Id in SettingId]: Settings[Id] extends { readonly cdk: 'prop' } ? Id : never }[SettingId];

/** The table's entries with their ids, for loops (the stack's environment, the docs). */
export const SETTING_ENTRIES = Object.entries(SETTINGS) as Array<[SettingId, SettingSpec]>;

/** A setting's name as the CDK side knows it (its id), or as an environment variable. */
export const propName: NameOf<SettingId> = (id) => id;
export const settingEnvName: NameOf<SettingId> = (id) => (SETTINGS[id] as SettingSpec).env ?? id;

/** An origin URL as the readers use it: `https://host[:port]`, no trailing slash. */
export function originOf(value: string): string {
  return URL.parse(value)?.origin ?? value;
}

/** Lambda refuses SQS event sources with batches above 10 and no batching window. */
export function batchingProblems(batchSize: number, windowSeconds: number, name: NameOf<'consumerBatchSize' | 'consumerMaxBatchingWindowSeconds'>): string[] {
  return batchSize > 10 && windowSeconds < 1
    ? [`${name('consumerBatchSize')} above 10 needs ${name('consumerMaxBatchingWindowSeconds')} of at least 1 (as in Lambda)`]
    : [];
}

// ---- Names that are almost ours ----

/** Edit distance with a swap of neighbours as one edit (optimal string alignment). */
export function editDistance(a: string, b: string): number {
  const rows = a.length + 1;
  const cols = b.length + 1;
  const d: number[] = Array.from({ length: rows * cols }, (_, i) => (i < cols ? i : i % cols === 0 ? i / cols : 0));
  const at = (i: number, j: number) => d[i * cols + j] ?? 0;
  for (let i = 1; i < rows; i++) {
    for (let j = 1; j < cols; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let best = Math.min(at(i - 1, j) + 1, at(i, j - 1) + 1, at(i - 1, j - 1) + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) best = Math.min(best, at(i - 2, j - 2) + 1);
      d[i * cols + j] = best;
    }
  }
  return at(a.length, b.length);
}

/**
 * The candidate `name` is most likely a typo of: case ignored, within one edit for names under 8
 * characters and two for longer ones (short names would otherwise match unrelated words).
 */
export function closestName(name: string, candidates: Iterable<string>): string | undefined {
  let best: string | undefined;
  let bestDistance = Number.POSITIVE_INFINITY;
  for (const candidate of candidates) {
    if (Math.abs(candidate.length - name.length) > 2) continue;
    const distance = editDistance(name.toLowerCase(), candidate.toLowerCase());
    if (distance <= (candidate.length < 8 ? 1 : 2) && distance < bestDistance) {
      best = candidate;
      bestDistance = distance;
    }
  }
  return best;
}

/** Every environment variable of the table, once. */
export const ENV_NAMES: readonly string[] = [...new Set(SETTING_ENTRIES.flatMap(([, spec]) => (spec.env === undefined ? [] : [spec.env])))];

/**
 * Variables set in `env` whose names are near misses of ours (`SESSION_TIMEOUT_SECOND`), each with a
 * "did you mean" hint. Our variables share no prefix, so an unknown name cannot be told from any other
 * program's variable; a name within an edit or two of ours almost certainly meant ours.
 */
export function nearMissEnvProblems(env: Env, names: readonly string[] = ENV_NAMES): string[] {
  const ours = new Set(names);
  const problems: string[] = [];
  for (const name of Object.keys(env)) {
    if (ours.has(name) || env[name] === undefined) continue;
    const meant = closestName(name, names);
    if (meant !== undefined) problems.push(`${name} is not a visitor-gate setting: did you mean ${meant}?`);
  }
  return problems;
}

