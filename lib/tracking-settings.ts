/**
 * Settings of the deployable pipeline: construct props and CDK context (`cdk deploy -c key=value`), read
 * with the names, kinds, ranges and defaults of the one settings table (lambdas/contract/settings.ts;
 * docs/configuration.md is generated from it). Everything is validated once, at synth time, and every
 * problem is reported together in one clear error, so a bad deploy fails before CloudFormation starts.
 */
import { RemovalPolicy } from 'aws-cdk-lib';
import {
  SETTINGS,
  SETTING_ENTRIES,
  batchingProblems,
  closestName,
  holdMsForBatchingWindow,
  jwtProblems,
  originOf,
  propName,
  readValue,
  reservedPrefixProblems,
  sessionProblems,
  type PropId,
  type SettingId,
  type SettingSpec,
  type SettingValue,
} from '../lambdas/contract/settings';
import { cookieSettingsProblems, defaultCookieName } from '../lambdas/identity/cookie-attributes';
import { applyAudienceMeasurementPreset } from './audience-measurement';

type Settings = typeof SETTINGS;
type ValueOf<Id extends SettingId> = SettingValue<Settings[Id]['kind']>;

/**
 * Every key a user can set, with the same name as a prop and as a `-c` context key. Each key, its
 * default, range and meaning: docs/configuration.md (generated from lambdas/contract/settings.ts).
 */
export type AnonymousTrackingProps = { readonly [Id in PropId]?: ValueOf<Id> };

type DefaultedId = { [Id in PropId]: Settings[Id] extends { readonly default: unknown } ? Id : never }[PropId];

/** Resolved to another type than the prop's. */
type Derived = 'originUrl' | 'cookieName' | 'dataRemovalPolicy';

/** Props after defaults and validation: what the construct builds from. */
export type TrackingSettings = { readonly [Id in Exclude<DefaultedId, Derived>]: ValueOf<Id> } & {
  readonly [Id in Exclude<PropId, DefaultedId | Derived>]?: ValueOf<Id>;
} & {
  /** The origin only: `https://host[:port]`. */
  readonly originUrl: string;
  /** The given name, or the default for the cookie domain. */
  readonly cookieName: string;
  readonly customDomain?: { readonly domainName: string; readonly certificateArn: string };
  readonly jwt?: {
    readonly jwksUrl?: string;
    readonly secretArn?: string;
    readonly issuer?: string;
    readonly audience?: string;
  };
  readonly dataRemovalPolicy: RemovalPolicy;
};

const PROP_ENTRIES = SETTING_ENTRIES.filter(([, spec]) => spec.cdk === 'prop') as Array<[PropId, SettingSpec]>;
const PROP_IDS: ReadonlySet<string> = new Set(PROP_ENTRIES.map(([id]) => id));

/** Defaults of the props that have one (the construct's, the README's and the tests'), from the table. */
export const TRACKING_DEFAULTS = Object.fromEntries(
  PROP_ENTRIES.flatMap(([id, spec]) => (spec.default === undefined ? [] : [[id, spec.default]])).concat([['cookieName', defaultCookieName(undefined)]]),
) as { readonly [Id in DefaultedId]: ValueOf<Id> } & { readonly cookieName: string };

export const DEFAULT_SKIP_PREFIXES: readonly string[] = SETTINGS.skipPrefixes.default;

/** Thrown for any invalid setting; lists every problem. */
export class TrackingSettingsError extends Error {
  override readonly name = 'TrackingSettingsError';
  constructor(readonly problems: readonly string[]) {
    super(`Invalid visitor-gate settings:\n  - ${problems.join('\n  - ')}`);
  }
}

/**
 * Context keys that are CDK's own: feature flags (`@aws-cdk/...:flag`), `aws:cdk:...` switches the CLI
 * sets, cached lookups (`availability-zones:account=...`), all with a colon; and the CLI's few without
 * one (`cli-telemetry`, `acknowledged-issue-numbers` from `cdk acknowledge`).
 */
function isCdkContextKey(key: string): boolean {
  return key.includes(':') || key.startsWith('cli-') || key === 'acknowledged-issue-numbers';
}

const CONTEXT_KEYS = SETTING_ENTRIES.filter(([, spec]) => spec.cdk !== undefined).map(([id]) => id);

function unknownKeyProblem(kind: 'context key' | 'prop', key: string): string {
  const meant = closestName(key, CONTEXT_KEYS);
  return meant === undefined
    ? `unknown ${kind} ${JSON.stringify(key)}: docs/configuration.md lists every key`
    : `unknown ${kind} ${JSON.stringify(key)}: did you mean ${meant}?`;
}

/** The app's settings read from CDK context, and every problem: unknown keys (with a hint) and bad values. */
export function readAppContext(context: Readonly<Record<string, unknown>>): {
  readonly props: AnonymousTrackingProps;
  readonly stackName: string;
  readonly problems: readonly string[];
} {
  const problems: string[] = [];
  for (const key of Object.keys(context)) {
    if (!isCdkContextKey(key) && !CONTEXT_KEYS.includes(key as SettingId)) problems.push(unknownKeyProblem('context key', key));
  }
  const props: Record<string, unknown> = {};
  for (const [id, spec] of PROP_ENTRIES) {
    const raw = context[id];
    // `-c key=` means unset, except for a list, where it is the empty list.
    if (raw === undefined || raw === null || (raw === '' && spec.kind.type !== 'list')) continue;
    const read = readValue(spec.kind, id, raw, { deployed: true });
    problems.push(...read.problems);
    if (read.value !== undefined) props[id] = read.value;
  }
  const rawStackName = context.stackName;
  const stackName = readValue(SETTINGS.stackName.kind, 'stackName', rawStackName ?? SETTINGS.stackName.default, { deployed: true });
  problems.push(...stackName.problems);
  return { props: props as AnonymousTrackingProps, stackName: stackName.value ?? SETTINGS.stackName.default, problems };
}

/**
 * Reads the settings from CDK context. `-c` values arrive as strings; `cdk.json` may hold numbers,
 * booleans and arrays; both are accepted. Lists are comma-separated. Throws for invalid values.
 */
export function propsFromContext(tryGetContext: (key: string) => unknown): AnonymousTrackingProps {
  const context = Object.fromEntries(PROP_ENTRIES.map(([id]) => [id, tryGetContext(id)]));
  const { props, problems } = readAppContext(context);
  if (problems.length > 0) throw new TrackingSettingsError(problems);
  return props;
}

/** Applies defaults and validates; throws `TrackingSettingsError` listing every problem. */
export function resolveTrackingSettings(given: AnonymousTrackingProps): TrackingSettings {
  const preset = applyAudienceMeasurementPreset(given);
  const props = preset.props;
  const problems: string[] = [...preset.problems];
  for (const key of Object.keys(props)) {
    if (!PROP_IDS.has(key) && (props as Record<string, unknown>)[key] !== undefined) problems.push(unknownKeyProblem('prop', key));
  }
  const values: Record<string, unknown> = {};
  for (const [id, spec] of PROP_ENTRIES) {
    const given: unknown = props[id];
    if (given === undefined) {
      if (spec.required?.by.includes('stack')) problems.push(`${id} is required: ${spec.required.hint}`);
      if (spec.default !== undefined) values[id] = spec.default;
      continue;
    }
    const read = readValue(spec.kind, id, given, { deployed: true });
    problems.push(...read.problems);
    values[id] = read.value ?? spec.default;
  }
  const v = values as TrackingSettings & Record<PropId, unknown>;
  const isSet = (id: SettingId) => values[id] !== undefined && values[id] !== '';

  const cookieDomain = v.cookieDomain;
  const cookieName = v.cookieName ?? defaultCookieName(cookieDomain);
  problems.push(...cookieSettingsProblems({ name: cookieName, domain: cookieDomain }, { name: 'cookieName', domain: 'cookieDomain' }));

  let customDomain: TrackingSettings['customDomain'];
  if (isSet('domainName') !== isSet('certificateArn')) problems.push('domainName and certificateArn go together: set both or neither');
  else if (v.domainName !== undefined && v.certificateArn !== undefined) customDomain = { domainName: v.domainName, certificateArn: v.certificateArn };

  let jwt: TrackingSettings['jwt'];
  if (isSet('jwtJwksUrl') || isSet('jwtSecretArn') || isSet('jwtIssuer') || isSet('jwtAudience')) {
    problems.push(...jwtProblems(['jwtJwksUrl', 'jwtSecretArn'], isSet, propName));
    jwt = { jwksUrl: v.jwtJwksUrl, secretArn: v.jwtSecretArn, issuer: v.jwtIssuer, audience: v.jwtAudience };
  }

  problems.push(...batchingProblems(v.consumerBatchSize, v.consumerMaxBatchingWindowSeconds, propName));
  problems.push(...sessionProblems(v.sessionTimeoutSeconds, v.sessionMaxSeconds, propName));
  problems.push(...reservedPrefixProblems(v.reservedPrefix, v, propName));

  if (problems.length > 0) throw new TrackingSettingsError(problems);
  return {
    ...v,
    originUrl: originOf(v.originUrl),
    cookieName,
    customDomain,
    skipPrefixes: [...new Set(v.skipPrefixes)],
    jwt,
    dataRemovalPolicy: values.dataRemovalPolicy === 'destroy' ? RemovalPolicy.DESTROY : RemovalPolicy.RETAIN,
  };
}

/**
 * The plain environment variables of a function, from the table: every prop that function reads, as
 * the variable the table names (lists comma-separated), plus what the stack derives. Variables the stack
 * binds with a permission (queue, table, secrets) are set by the `bind*` helpers of TrackedFunction.
 */
export function functionEnvironment(settings: TrackingSettings, reader: 'authorizer' | 'consumer'): Record<string, string> {
  const environment: Record<string, string> = {};
  for (const [id, spec] of PROP_ENTRIES) {
    const value: unknown = settings[id];
    if (spec.env === undefined || spec.setByStack || !spec.readers.includes(reader) || value === undefined) continue;
    environment[spec.env] = Array.isArray(value) ? value.join(',') : String(value);
  }
  if (reader === 'authorizer') {
    environment[SETTINGS.pageViewHoldMs.env] = String(holdMsForBatchingWindow(settings.consumerMaxBatchingWindowSeconds));
  }
  return environment;
}

/** The forget endpoint's variables: the cookie it deletes and the retention its tombstones outlive. */
export function forgetEnvironment(settings: TrackingSettings): Record<string, string> {
  return {
    [SETTINGS.cookieName.env]: settings.cookieName,
    ...(settings.cookieDomain === undefined ? {} : { [SETTINGS.cookieDomain.env]: settings.cookieDomain }),
    [SETTINGS.retentionDays.env]: String(settings.retentionDays),
  };
}
