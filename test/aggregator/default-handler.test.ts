/**
 * The exported `handler` as Lambda and the local runtime run it: configuration from the environment on
 * the first call, the DynamoDB endpoint from the SDK's standard AWS_ENDPOINT_URL_DYNAMODB variable.
 */
import type { SQSEvent } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { getDevice } from '../../lambdas/read-api/device-reader';
import { LOCAL_REGION } from '../../local-runtime/sqs-server';
import { createLocalTable } from '../../local-runtime/table';
import { sessionViews, opaqueId } from '../../harness/queue-messages';
import { startDynamo, type LocalDynamo } from '../../harness/local-aws';

let dynamo: LocalDynamo;
const saved = { ...process.env };

beforeAll(async () => {
  dynamo = await startDynamo();
  await createLocalTable(dynamo.client, 'default-handler');
  Object.assign(process.env, {
    AWS_ENDPOINT_URL_DYNAMODB: dynamo.server.endpoint,
    AWS_REGION: LOCAL_REGION,
    AWS_ACCESS_KEY_ID: 'local',
    AWS_SECRET_ACCESS_KEY: 'local',
    POWERTOOLS_METRICS_DISABLED: 'true',
    POWERTOOLS_LOG_LEVEL: 'ERROR',
  });
  delete process.env.TABLE_NAME;
});
afterAll(async () => {
  process.env = saved;
  await dynamo?.stop();
});

function eventFor(bodies: string[]): SQSEvent {
  return {
    Records: bodies.map((body, index) => ({
      messageId: `m-${index}`,
      receiptHandle: `r-${index}`,
      body,
      attributes: { ApproximateReceiveCount: '1', SentTimestamp: '1', SenderId: 'test', ApproximateFirstReceiveTimestamp: '1' },
      messageAttributes: {},
      md5OfBody: '',
      eventSource: 'aws:sqs',
      eventSourceARN: 'arn:aws:sqs:us-east-1:000000000000:page-views',
      awsRegion: LOCAL_REGION,
    })),
  };
}

describe('exported handler', () => {
  it('fails clearly without TABLE_NAME, then works once it is set', async () => {
    const { handler } = await import('../../lambdas/aggregator/handler');
    await expect(handler(eventFor(['{}']))).rejects.toThrow(/TABLE_NAME is required/);

    process.env.TABLE_NAME = 'default-handler';
    process.env.RETENTION_DAYS = '14';
    const deviceId = opaqueId();
    const views = sessionViews(3, { deviceId, startTs: Date.now() - 3_600_000 });
    const response = await handler(eventFor([...views.map((view) => JSON.stringify(view)), 'garbage']));
    expect(response.batchItemFailures).toEqual([{ itemIdentifier: 'm-3' }]);
    const record = await getDevice(deviceId, { client: dynamo.documentClient, tableName: 'default-handler', now: Date.now(), consistentRead: true });
    expect(record?.device.pageViews).toBe(3);
  });

  it('flushes its metrics through the Powertools middleware as one EMF line per invocation, zero counts left out', async () => {
    process.env.TABLE_NAME = 'default-handler';
    process.env.POWERTOOLS_METRICS_DISABLED = 'false';
    process.env.POWERTOOLS_METRICS_NAMESPACE = 'VisitorGateTest';
    vi.resetModules();
    const { handler } = await import('../../lambdas/aggregator/handler');
    const lines: string[] = [];
    const write = vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
      lines.push(String(chunk));
      return true;
    });
    try {
      const views = sessionViews(2, { deviceId: opaqueId(), startTs: Date.now() - 3_600_000 });
      await handler(eventFor([...views.map((view) => JSON.stringify(view)), 'garbage']));
    } finally {
      write.mockRestore();
      process.env.POWERTOOLS_METRICS_DISABLED = 'true';
    }
    const emf = lines
      .flatMap((chunk) => chunk.split('\n'))
      .filter((line) => line.includes('"_aws"'))
      .map((line) => JSON.parse(line) as Record<string, unknown> & { _aws: { CloudWatchMetrics: Array<{ Namespace: string }> } });
    // One line, also on this cold start (no separate cold-start metric line).
    expect(emf).toHaveLength(1);
    const counts = emf[0];
    expect(counts).toMatchObject({ AggregatedPageViews: 2, InvalidMessages: 1, FailedRecords: 1, service: 'visitor-gate' });
    expect(counts).not.toHaveProperty('DuplicatePageViews');
    expect(counts?._aws.CloudWatchMetrics[0]?.Namespace).toBe('VisitorGateTest');
  });
});
