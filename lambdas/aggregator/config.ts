/** Aggregator configuration, read once at cold start and validated. */
import { AggregatorConfigError } from './errors';

export interface AggregatorConfig {
  tableName: string;
  retentionDays: number;
}

export const DEFAULT_RETENTION_DAYS = 30;
/** Ten years: a larger value is almost certainly a unit mistake. */
const MAX_RETENTION_DAYS = 3650;
const TABLE_NAME_PATTERN = /^[A-Za-z0-9_.-]{3,255}$/;

export function loadAggregatorConfig(env: Record<string, string | undefined>): AggregatorConfig {
  const tableName = env.TABLE_NAME?.trim();
  if (!tableName) throw new AggregatorConfigError('TABLE_NAME is required: the DynamoDB table the aggregator writes to.');
  if (!TABLE_NAME_PATTERN.test(tableName)) {
    throw new AggregatorConfigError(`TABLE_NAME "${tableName}" is not a valid DynamoDB table name (3-255 of A-Z a-z 0-9 _ . -).`);
  }
  const rawRetention = env.RETENTION_DAYS?.trim();
  const retentionDays = rawRetention ? Number(rawRetention) : DEFAULT_RETENTION_DAYS;
  if (!Number.isInteger(retentionDays) || retentionDays < 1 || retentionDays > MAX_RETENTION_DAYS) {
    throw new AggregatorConfigError(
      `RETENTION_DAYS must be a whole number of days from 1 to ${MAX_RETENTION_DAYS}, got "${rawRetention}".`,
    );
  }
  return { tableName, retentionDays };
}
