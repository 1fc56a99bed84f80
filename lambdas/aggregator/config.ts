/** Aggregator configuration, read once at cold start and validated (names and ranges: lambdas/contract/settings.ts). */
import { FUNCTION_SETTINGS as SETTINGS, readEnv, type Env } from '../contract/function-settings';
import { AggregatorConfigError } from './errors';

export interface AggregatorConfig {
  tableName: string;
  retentionDays: number;
  /** Daily statistics: the IANA time zone of their days, and how many months they are kept. */
  statsTimeZone: string;
  statsRetentionMonths: number;
}

/** Throws `AggregatorConfigError` listing every problem. */
export function loadAggregatorConfig(env: Env): AggregatorConfig {
  const problems: string[] = [];
  const tableName = readEnv(SETTINGS.tableName, env, problems, 'consumer');
  const retentionDays = readEnv(SETTINGS.retentionDays, env, problems, 'consumer');
  const statsTimeZone = readEnv(SETTINGS.statsTimeZone, env, problems, 'consumer');
  const statsRetentionMonths = readEnv(SETTINGS.statsRetentionMonths, env, problems, 'consumer');
  if (problems.length > 0 || tableName === undefined) throw new AggregatorConfigError(`Invalid aggregator configuration:\n- ${problems.join('\n- ')}`);
  return { tableName, retentionDays, statsTimeZone, statsRetentionMonths };
}
