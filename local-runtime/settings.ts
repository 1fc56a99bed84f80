/**
 * Settings of the local runtime (`npm start`), read once from environment variables with documented
 * defaults (lambdas/contract/settings.ts). The authorizer's and consumer's own settings (COOKIE_NAME, SESSION_TIMEOUT_SECONDS, ...) are
 * not parsed here: the real handlers read them from the same environment, exactly as in Lambda.
 */
import { resolve } from 'node:path';
import {
  FIXED_CHOICES,
  SETTINGS as S,
  batchingProblems,
  nearMissEnvProblems,
  originOf,
  readEnv,
  settingEnvName,
  type Env,
  type SettingSpec,
} from '../lambdas/contract/settings';

export class LocalSettingsError extends Error {
  override name = 'LocalSettingsError';
}

export interface LocalSettings {
  /** Front door port (the site's address while developing). */
  port: number;
  /** Your site (an origin: no path); when unset the demo origin runs on `demoOriginPort`. */
  originUrl: string | undefined;
  demoOriginPort: number;
  /** The statistics dashboard, on 127.0.0.1. */
  dashboardPort: number;
  /** STATS_TIME_ZONE: the days of the statistics (the default date range of the readers). */
  statsTimeZone: string;
  sqsPort: number;
  dynamoDbPort: number;
  dataDir: string;
  /** Messages per consumer invocation (Lambda's BatchSize). */
  batchSize: number;
  /** Lambda's MaximumBatchingWindowInSeconds. */
  batchWindowSeconds: number;
  /** The consumer Lambda's timeout (by default the stack's). */
  consumerTimeoutSeconds: number;
  /** As the stack derives it: 6 x the consumer timeout + the batching window. */
  visibilityTimeoutSeconds: number;
  maxReceiveCount: number;
  queueName: string;
  deadLetterQueueName: string;
  tableName: string;
  /** Same default as the authorizer: these paths never reach it. */
  skipPrefixes: string[];
  /** The front door's own paths (beacon, script, the forget endpoint). */
  reservedPrefix: string;
}

/**
 * Reads and checks every setting, names, ranges and defaults from lambdas/contract/settings.ts (`npm start`
 * uses `localDefault` where the table gives one). A variable whose name is a near miss of one of ours
 * (`SESSION_TIMEOUT_SECOND`) is an error too, with a hint: a typo would otherwise leave the default in
 * place silently. Throws `LocalSettingsError` listing every problem.
 */
export function readLocalSettings(env: Env = process.env): LocalSettings {
  const problems = nearMissEnvProblems(env);
  const read = <Spec extends SettingSpec & { readonly env: string }>(spec: Spec) => readEnv(spec, env, problems, 'local');
  const port = read(S.port);
  const consumerTimeoutSeconds = read(S.consumerTimeoutSeconds);
  const batchSize = read(S.consumerBatchSize);
  const batchWindowSeconds = read(S.consumerMaxBatchingWindowSeconds);
  problems.push(...batchingProblems(batchSize, batchWindowSeconds, settingEnvName));
  const origin = read(S.originUrl);
  const settings: LocalSettings = {
    port,
    originUrl: origin === undefined ? undefined : originOf(origin),
    demoOriginPort: read(S.demoOriginPort) ?? (port === 0 ? 0 : port + 1),
    dashboardPort: read(S.dashboardPort) ?? (port === 0 ? 0 : port + 2),
    statsTimeZone: read(S.statsTimeZone),
    sqsPort: read(S.sqsPort),
    dynamoDbPort: read(S.dynamoDbPort),
    dataDir: resolve(read(S.dataDir)),
    batchSize,
    batchWindowSeconds,
    consumerTimeoutSeconds,
    visibilityTimeoutSeconds: 6 * consumerTimeoutSeconds + batchWindowSeconds,
    maxReceiveCount: FIXED_CHOICES.maxReceiveCount,
    queueName: read(S.queueName),
    deadLetterQueueName: read(S.deadLetterQueueName),
    tableName: read(S.tableName),
    skipPrefixes: [...read(S.skipPrefixes)],
    reservedPrefix: read(S.reservedPrefix),
  };
  if (problems.length === 1) throw new LocalSettingsError(problems[0]);
  if (problems.length > 1) throw new LocalSettingsError(`invalid settings:\n  - ${problems.join('\n  - ')}`);
  return settings;
}
