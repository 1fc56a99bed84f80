import { DescribeTableCommand, DescribeTimeToLiveCommand } from '@aws-sdk/client-dynamodb';
import { PutCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DAY_MS, deviceExpiresAtSeconds, expiresAtSeconds } from '../../lambdas/aggregation/retention';
import { newSession } from '../../lambdas/aggregation/session-merge';
import { getDevice, listRecentDevices } from '../../lambdas/read-api/device-reader';
import { deviceToItem, sessionToItem } from '../../lambdas/aggregator/table-items';
import { TABLE_KEYS } from '../../lambdas/contract/table-layout';
import { createLocalTable } from '../../local-runtime/table';
import { opaqueId } from '../../harness/queue-messages';
import { startDynamo, type LocalDynamo } from '../../harness/local-aws';

const TABLE = 'reader-test';
const RETENTION = 30;
let dynamo: LocalDynamo;

beforeAll(async () => {
  dynamo = await startDynamo();
  await createLocalTable(dynamo.client, TABLE);
});
afterAll(async () => dynamo?.stop());

const device = { browser: 'safari', os: 'ios', type: 'mobile' as const };
function storedSession(deviceId: string, start: number, views: number) {
  const sessionId = opaqueId();
  return newSession(
    deviceId,
    sessionId,
    Array.from({ length: views }, (_, index) => ({ id: opaqueId(), ts: start + index * 60_000, path: `/p${index}`, sessionStarted: index === 0, device })),
    RETENTION,
  );
}

describe('createLocalTable', () => {
  it('creates the table with the stack keys and TTL, and is idempotent', async () => {
    await createLocalTable(dynamo.client, TABLE);
    await Promise.all([createLocalTable(dynamo.client, 'twice-at-once'), createLocalTable(dynamo.client, 'twice-at-once')]);
    const table = await dynamo.client.send(new DescribeTableCommand({ TableName: TABLE }));
    expect(table.Table?.KeySchema).toEqual([
      { AttributeName: TABLE_KEYS.partitionKey, KeyType: 'HASH' },
      { AttributeName: TABLE_KEYS.sortKey, KeyType: 'RANGE' },
    ]);
    expect(table.Table?.BillingModeSummary?.BillingMode).toBe('PAY_PER_REQUEST');
    const ttl = await dynamo.client.send(new DescribeTimeToLiveCommand({ TableName: TABLE }));
    expect(ttl.TimeToLiveDescription).toMatchObject({ AttributeName: 'expiresAt', TimeToLiveStatus: 'ENABLED' });
  });
});

describe('getDevice and listRecentDevices', () => {
  // The reader's clock runs 20 days ahead of the real one. DynamoDB Local deletes items by the machine's
  // clock within seconds of their TTL, so every TTL written here stays ahead of the real clock, while
  // `expired` is past its TTL for the reader (expired in AWS terms, but not deleted yet).
  const now = Date.now() + 20 * DAY_MS;
  const deviceId = opaqueId();
  const expired = storedSession(deviceId, now - 40 * DAY_MS, 3);
  const older = storedSession(deviceId, now - 10 * DAY_MS, 2);
  const newer = storedSession(deviceId, now - 2 * DAY_MS, 4);

  beforeAll(async () => {
    const put = (Item: Record<string, unknown>) => dynamo.documentClient.send(new PutCommand({ TableName: TABLE, Item }));
    await put(deviceToItem({ deviceId, firstSeen: expired.start, lastSessionStart: newer.start, userId: 'u-9', userLinkedAt: now - DAY_MS, version: 3, expiresAt: deviceExpiresAtSeconds(newer.start, RETENTION), visitDays: {} }, 'test-token'));
    for (const session of [expired, older, newer]) await put(sessionToItem(session, 'test-token'));
    const other = storedSession(opaqueId(), now - 5 * DAY_MS, 1);
    await put(sessionToItem(other, 'test-token'));
  });

  it('returns the live sessions newest first, with totals over them, ignoring expired-but-undeleted items', async () => {
    expect(expired.expiresAt).toBeLessThan(now / 1000);
    expect(expired.expiresAt).toBeGreaterThan(Date.now() / 1000);
    const record = await getDevice(deviceId, { client: dynamo.documentClient, tableName: TABLE, now, consistentRead: true });
    expect(record?.sessions.map((session) => session.sessionId)).toEqual([newer.sessionId, older.sessionId]);
    expect(record?.device).toEqual({
      deviceId,
      firstSeen: expired.start,
      lastSeen: newer.lastActivity,
      pageViews: 6,
      sessionCount: 2,
      lastPath: '/p3',
      userId: 'u-9',
    });
    expect(record?.sessions[0]).toMatchObject({ entryPath: '/p0', exitPath: '/p3', pageViews: 4, device });
  });

  it('treats a device whose items all expired as unknown, and an unknown device as undefined', async () => {
    const later = (newer.expiresAt + 1) * 1000;
    expect(newer.expiresAt).toBe(expiresAtSeconds(newer.lastActivity, RETENTION));
    expect(await getDevice(deviceId, { client: dynamo.documentClient, tableName: TABLE, now: later + 3 * DAY_MS })).toBeUndefined();
    expect(await getDevice(opaqueId(), { client: dynamo.documentClient, tableName: TABLE, now })).toBeUndefined();
  });

  it('lists devices by latest activity', async () => {
    const recent = await listRecentDevices({ client: dynamo.documentClient, tableName: TABLE, limit: 5, now, consistentRead: true });
    expect(recent.map((record) => record.device.deviceId)[0]).toBe(deviceId);
    expect(recent).toHaveLength(2);
    expect(await listRecentDevices({ client: dynamo.documentClient, tableName: TABLE, limit: 1, now, consistentRead: true })).toHaveLength(1);
  });
});
