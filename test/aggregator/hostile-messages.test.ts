/**
 * Messages the consumer must not trust beyond their id, against DynamoDB Local: a reused view id, a
 * timestamp outside the consumer's window, and a session so long that its item would pass DynamoDB's
 * 400 KB limit. Timestamps are relative to the real clock, which the handler also reads.
 */
import { randomBytes } from 'node:crypto';
import { Logger } from '@aws-lambda-powertools/logger';
import { PutCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { marshall } from '@aws-sdk/util-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DAY_MS, MAX_CLOCK_AHEAD_MS } from '../../lambdas/aggregation/retention';
import { newSession, SESSION_LIMITS, sessionPartId, type SessionLimits } from '../../lambdas/aggregation/session-merge';
import { getDevice } from '../../lambdas/read-api/device-reader';
import { createDynamoSessionStore } from '../../lambdas/aggregator/dynamodb-session-store';
import { createAggregatorHandler } from '../../lambdas/aggregator/handler';
import { itemSizeBytes } from '../../lambdas/aggregator/item-size';
import { devicePartition, sessionToItem } from '../../lambdas/aggregator/table-items';
import { emptyCounts, type AggregatorCounts } from '../../lambdas/aggregator/telemetry';
import type { QueueMessage } from '../../lambdas/contract/page-view-message';
import { createLocalTable } from '../../local-runtime/table';
import { startDynamo, type LocalDynamo } from '../../harness/local-aws';
import { toSqsEvent } from '../../local-runtime/sqs-lambda-event';
import { identify, opaqueId, pageView, sessionViews } from '../../harness/queue-messages';

const TABLE = 'hostile-messages';
const RETENTION = 30;
const DYNAMODB_ITEM_LIMIT = 400 * 1024;
let dynamo: LocalDynamo;

beforeAll(async () => {
  dynamo = await startDynamo();
  await createLocalTable(dynamo.client, TABLE);
});
afterAll(async () => dynamo?.stop());

function makeHandler(limits?: Partial<SessionLimits>) {
  const totals = emptyCounts();
  const store = createDynamoSessionStore({ client: dynamo.documentClient, tableName: TABLE, retentionDays: RETENTION, ...(limits ? { limits } : {}) });
  const handler = createAggregatorHandler({
    store,
    logger: new Logger({ logLevel: 'SILENT' }),
    metrics: { publish: (counts: AggregatorCounts) => { for (const [name, value] of Object.entries(counts)) totals[name as keyof AggregatorCounts] += value; } },
  });
  let batches = 0;
  const run = async (messages: readonly QueueMessage[]) => {
    batches += 1;
    const event = toSqsEvent(
      messages.map((message, index) => ({ MessageId: `b${batches}-${index}`, ReceiptHandle: `r${index}`, Body: JSON.stringify(message) })),
      { queueArn: 'arn:aws:sqs:us-east-1:000000000000:page-views', region: 'us-east-1' },
    );
    const response = await handler(event);
    return response.batchItemFailures.map((failure) => Number(failure.itemIdentifier.split('-')[1]));
  };
  return { run, totals };
}

const read = (deviceId: string) => getDevice(deviceId, { client: dynamo.documentClient, tableName: TABLE, consistentRead: true });

describe('a view id counts once, whatever else its message says', () => {
  it('does not count a reused view id with a later timestamp, nor let it move the exit', async () => {
    const deviceId = opaqueId();
    const start = Date.now() - 3_600_000;
    const [opening, second] = sessionViews(2, { deviceId, startTs: start, gapMs: 60_000, paths: ['/', '/pricing'] });
    if (!opening || !second) throw new Error('two views');
    const { run, totals } = makeHandler();
    expect(await run([opening])).toEqual([]);
    expect(await run([second])).toEqual([]);
    // Same ids, later timestamps and other paths: one batch on the append path, one on the merge path.
    expect(await run([{ ...second, ts: start + 600_000, path: '/forged' }])).toEqual([]);
    expect(await run([{ ...opening, ts: start + 700_000, path: '/forged-too' }, pageView({ deviceId, sessionId: opening.sessionId, ts: start + 30_000, path: '/late' })])).toEqual([]);
    const record = await read(deviceId);
    expect(record?.device).toMatchObject({ pageViews: 3, lastSeen: start + 60_000, lastPath: '/pricing' });
    expect(totals).toMatchObject({ AggregatedPageViews: 3, DuplicatePageViews: 2, FailedRecords: 0 });
  });
});

describe('timestamps outside the consumer window', () => {
  it('rejects a view or identify far ahead of the clock or past retention, and counts the rest', async () => {
    const deviceId = opaqueId();
    const now = Date.now();
    const sessionId = opaqueId();
    const messages: QueueMessage[] = [
      pageView({ deviceId, sessionId, sessionStarted: true, ts: now - 60_000, path: '/ok' }),
      pageView({ deviceId, sessionId, ts: now + 10 * 365 * DAY_MS, path: '/ten-years-ahead' }),
      pageView({ deviceId, sessionId, ts: now + MAX_CLOCK_AHEAD_MS + 60_000, path: '/six-minutes-ahead' }),
      pageView({ deviceId, sessionId, ts: now + 60_000, path: '/one-minute-ahead' }),
      pageView({ deviceId, ts: now - (RETENTION + 1) * DAY_MS, sessionStarted: true, path: '/past-retention' }),
      identify({ deviceId, userId: 'from-the-future', ts: now + DAY_MS }),
    ];
    const { run, totals } = makeHandler();
    expect(await run(messages)).toEqual([1, 2, 4, 5]);
    expect(totals).toMatchObject({ RejectedMessages: 4, AggregatedPageViews: 2, FailedRecords: 4, InvalidMessages: 0 });
    const record = await read(deviceId);
    expect(record?.device).toMatchObject({ pageViews: 2, sessionCount: 1, lastSeen: now + 60_000, lastPath: '/one-minute-ahead' });
    expect(record?.device.userId).toBeUndefined();
    expect(record?.sessions[0]?.lastActivity).toBeLessThanOrEqual(now + MAX_CLOCK_AHEAD_MS);
  });
});

/** A hostile but schema-valid view id: 64 characters, the longest the schema allows. */
const longId = () => randomBytes(48).toString('base64url');

describe('session items stay bounded', () => {
  it('keeps the largest session part the schema allows well under 400 KB, and DynamoDB Local stores it', async () => {
    const long = (length: number) => 'x'.repeat(length);
    const utm = Object.fromEntries(['utm_source', 'utm_medium', 'utm_campaign', 'utm_term', 'utm_content'].map((name) => [name, long(200)]));
    const views = Array.from({ length: SESSION_LIMITS.maxViewsPerItem }, (_, index) => ({
      id: longId(),
      ts: Date.now() - 3_600_000 + index,
      path: `/${long(2_047)}`,
      sessionStarted: index === 0,
      device: { browser: long(32), os: long(32), type: 'desktop' as const },
      referrer: { origin: long(256), path: long(1_024) },
      utm,
    }));
    const item = sessionToItem(newSession(opaqueId(), opaqueId(), views, RETENTION), 'test-token');
    const size = itemSizeBytes(marshall(item));
    expect(size).toBeLessThan(DYNAMODB_ITEM_LIMIT / 4);
    await dynamo.documentClient.send(new PutCommand({ TableName: TABLE, Item: item }));
  });

  it('cuts a session into parts before its item reaches 400 KB: every view counted once, no write fails', async () => {
    const deviceId = opaqueId();
    const sessionId = opaqueId();
    // 7,000 views with 64-character ids: 7,000 x 64 bytes of ids alone pass DynamoDB's item limit.
    const count = 7_000;
    const start = Date.now() - 3 * 3_600_000;
    const views = sessionViews(count, { deviceId, sessionId, startTs: start, gapMs: 1_000 }).map((view) => ({ ...view, id: longId() }));
    expect(count * 64).toBeGreaterThan(DYNAMODB_ITEM_LIMIT);
    const { run, totals } = makeHandler();
    const failures: number[] = [];
    for (let index = 0; index < views.length; index += 100) failures.push(...(await run(views.slice(index, index + 100))));
    expect(failures).toEqual([]);
    // Redeliveries from the first, a middle and the last part count nothing.
    expect(await run([views[5], views[3_500], views[count - 1]] as QueueMessage[])).toEqual([]);
    expect(totals).toMatchObject({ AggregatedPageViews: count, DuplicatePageViews: 3, FailedRecords: 0 });

    const parts = Math.ceil(count / SESSION_LIMITS.maxViewsPerItem);
    const record = await read(deviceId);
    expect(record?.device).toMatchObject({ pageViews: count, sessionCount: parts, lastSeen: start + (count - 1) * 1_000 });
    expect(record?.sessions.map((session) => session.sessionId).sort()).toEqual(
      Array.from({ length: parts }, (_, index) => sessionPartId(sessionId, index + 1)).sort(),
    );
    const items = await dynamo.documentClient.send(
      new QueryCommand({ TableName: TABLE, KeyConditionExpression: 'pk = :pk', ExpressionAttributeValues: { ':pk': devicePartition(deviceId) }, ConsistentRead: true }),
    );
    const largest = Math.max(...(items.Items ?? []).map((item) => itemSizeBytes(marshall(item, { convertClassInstanceToMap: true }))));
    expect(largest).toBeLessThan(DYNAMODB_ITEM_LIMIT / 4);
  });

  it('rejects the views past the last part to the dead-letter path, counted as rejected', async () => {
    const deviceId = opaqueId();
    const views = sessionViews(8, { deviceId, startTs: Date.now() - 600_000, gapMs: 1_000 });
    const { run, totals } = makeHandler({ maxViewsPerItem: 3, maxParts: 2 });
    expect(await run(views.slice(0, 5))).toEqual([]);
    expect(await run(views.slice(5))).toEqual([1, 2]);
    expect(totals).toMatchObject({ AggregatedPageViews: 6, RejectedMessages: 2, FailedRecords: 2 });
    expect((await read(deviceId))?.device).toMatchObject({ pageViews: 6, sessionCount: 2 });
    // A redelivery of the rejected views is rejected again, never counted.
    expect(await run(views.slice(6))).toEqual([0, 1]);
    expect((await read(deviceId))?.device.pageViews).toBe(6);
  });
});
