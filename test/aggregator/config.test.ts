import { describe, expect, it } from 'vitest';
import { loadAggregatorConfig } from '../../lambdas/aggregator/config';
import { AggregatorConfigError } from '../../lambdas/aggregator/errors';

describe('loadAggregatorConfig', () => {
  it('reads the table name and defaults retention to 30 days', () => {
    expect(loadAggregatorConfig({ TABLE_NAME: 'visitor-gate-Table' })).toEqual({ tableName: 'visitor-gate-Table', retentionDays: 30 });
    expect(loadAggregatorConfig({ TABLE_NAME: 'devices', RETENTION_DAYS: '90' })).toEqual({ tableName: 'devices', retentionDays: 90 });
  });

  it.each([
    [{}, /TABLE_NAME is required/],
    [{ TABLE_NAME: '  ' }, /TABLE_NAME is required/],
    [{ TABLE_NAME: 'no spaces allowed' }, /TABLE_NAME must be a DynamoDB table name/],
    [{ TABLE_NAME: 'devices', RETENTION_DAYS: '0' }, /RETENTION_DAYS must be an integer from 1 to 3650/],
    [{ TABLE_NAME: 'devices', RETENTION_DAYS: '7.5' }, /RETENTION_DAYS must be an integer from 1 to 3650/],
    [{ TABLE_NAME: 'devices', RETENTION_DAYS: '30d' }, /RETENTION_DAYS must be an integer from 1 to 3650/],
    [{ TABLE_NAME: 'devices', RETENTION_DAYS: '100000' }, /RETENTION_DAYS must be an integer from 1 to 3650/],
  ])('rejects %j with a clear message', (env, message) => {
    expect(() => loadAggregatorConfig(env)).toThrow(AggregatorConfigError);
    expect(() => loadAggregatorConfig(env)).toThrow(message);
  });
});
