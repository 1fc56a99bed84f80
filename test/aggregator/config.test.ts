import { describe, expect, it } from 'vitest';
import { loadAggregatorConfig } from '../../lambdas/aggregator/config';
import { AggregatorConfigError } from '../../lambdas/aggregator/errors';

describe('loadAggregatorConfig', () => {
  it('reads the table name and defaults retention to 30 days', () => {
    expect(loadAggregatorConfig({ TABLE_NAME: 'visitor-gate-Table' })).toEqual({ tableName: 'visitor-gate-Table', retentionDays: 30, statsTimeZone: 'UTC', statsRetentionMonths: 25 });
    expect(loadAggregatorConfig({ TABLE_NAME: 'devices', RETENTION_DAYS: '90' })).toEqual({ tableName: 'devices', retentionDays: 90, statsTimeZone: 'UTC', statsRetentionMonths: 25 });
    expect(loadAggregatorConfig({ TABLE_NAME: 'devices', STATS_TIME_ZONE: 'Europe/Paris', STATS_RETENTION_MONTHS: '13' })).toMatchObject({ statsTimeZone: 'Europe/Paris', statsRetentionMonths: 13 });
  });

  it.each([
    [{}, /TABLE_NAME is required/],
    [{ TABLE_NAME: '  ' }, /TABLE_NAME is required/],
    [{ TABLE_NAME: 'no spaces allowed' }, /TABLE_NAME must be a DynamoDB table name/],
    [{ TABLE_NAME: 'devices', RETENTION_DAYS: '0' }, /RETENTION_DAYS must be an integer from 1 to 3650/],
    [{ TABLE_NAME: 'devices', RETENTION_DAYS: '7.5' }, /RETENTION_DAYS must be an integer from 1 to 3650/],
    [{ TABLE_NAME: 'devices', RETENTION_DAYS: '30d' }, /RETENTION_DAYS must be an integer from 1 to 3650/],
    [{ TABLE_NAME: 'devices', RETENTION_DAYS: '100000' }, /RETENTION_DAYS must be an integer from 1 to 3650/],
    [{ TABLE_NAME: 'devices', STATS_TIME_ZONE: 'Mars/Olympus' }, /STATS_TIME_ZONE must be an IANA time zone/],
    [{ TABLE_NAME: 'devices', STATS_RETENTION_MONTHS: '0' }, /STATS_RETENTION_MONTHS must be an integer from 1 to 120/],
  ])('rejects %j with a clear message', (env, message) => {
    expect(() => loadAggregatorConfig(env)).toThrow(AggregatorConfigError);
    expect(() => loadAggregatorConfig(env)).toThrow(message);
  });
});
