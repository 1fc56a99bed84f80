/**
 * Erasure and export against DynamoDB Local, with the real consumer (batch aggregator + DynamoDB store)
 * writing before and after the erasure: views queued before it must not bring the device back, and the
 * items outside the device's partition (statistics) must not change.
 */
import { Logger } from '@aws-lambda-powertools/logger';
import { PutCommand, ScanCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ERASED_ATTRIBUTE } from '../../lambdas/aggregation/erasure';
import { DAY_MS } from '../../lambdas/aggregation/retention';
import { aggregateBatch, type IncomingRecord } from '../../lambdas/aggregator/batch-aggregator';
import { createDynamoSessionStore } from '../../lambdas/aggregator/dynamodb-session-store';
import { devicePartition } from '../../lambdas/aggregator/table-items';
import type { QueueMessage } from '../../lambdas/contract/page-view-message';
import { TABLE_KEYS } from '../../lambdas/contract/table-layout';
import { getDevice } from '../../lambdas/read-api/device-reader';
import { exportDevice, exportUser, forgetDevice, forgetUser, InvalidIdError } from '../../lambdas/visitor-rights/device-rights';
import { createLocalTable } from '../../local-runtime/table';
import { startDynamo, type LocalDynamo } from '../../harness/local-aws';
import { identify, opaqueId, pageView, sessionViews } from '../../harness/queue-messages';

const TABLE = 'rights-test';
const RETENTION = 30;
let dynamo: LocalDynamo;

beforeAll(async () => {
  dynamo = await startDynamo();
  await createLocalTable(dynamo.client, TABLE);
});
afterAll(async () => dynamo?.stop());

const silent = new Logger({ logLevel: 'SILENT' });
const rights = () => ({ client: dynamo.documentClient, tableName: TABLE, retentionDays: RETENTION });

async function consume(messages: readonly QueueMessage[]) {
  const store = createDynamoSessionStore({ client: dynamo.documentClient, tableName: TABLE, retentionDays: RETENTION });
  const records: IncomingRecord[] = messages.map((message, index) => ({ recordId: `r${index}-${message.id}`, body: JSON.stringify(message) }));
  return aggregateBatch(records, { store, logger: silent });
}

async function allItems(): Promise<Record<string, unknown>[]> {
  const page = await dynamo.documentClient.send(new ScanCommand({ TableName: TABLE, ConsistentRead: true }));
  // In key order as DynamoDB sorts keys (by code unit, as a Query returns them; localeCompare would put
  // "lu…" before "Ns…").
  const key = (item: Record<string, unknown>) => `${String(item.pk)}\u0000${String(item.sk)}`;
  return (page.Items ?? []).sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0));
}

const outside = (deviceId: string) => async () => (await allItems()).filter((item) => item[TABLE_KEYS.partitionKey] !== devicePartition(deviceId));

/** A device with two sessions, linked to `userId`. */
async function seededDevice(userId = `user-${opaqueId()}`) {
  const deviceId = opaqueId();
  const start = Date.now() - 2 * 3_600_000;
  const first = sessionViews(3, { deviceId, startTs: start });
  const second = sessionViews(2, { deviceId, startTs: start + 3_600_000 });
  const outcome = await consume([...first, ...second, identify({ deviceId, userId, ts: start + 60_000 })]);
  expect(outcome.failedRecordIds).toEqual([]);
  return { deviceId, userId, first, second };
}

describe('exportDevice', () => {
  it('returns exactly what getDevice and the raw items hold', async () => {
    const { deviceId, userId } = await seededDevice();
    const exported = await exportDevice(deviceId, rights());
    const record = await getDevice(deviceId, { client: dynamo.documentClient, tableName: TABLE, consistentRead: true });
    expect(record?.device.pageViews).toBe(5);
    expect(exported).toMatchObject({ format: 'visitor-gate-export', version: 1 });
    expect(exported.devices).toHaveLength(1);
    expect(exported.devices[0]?.record).toEqual(record);
    const raw = (await allItems()).filter((item) => item.pk === devicePartition(deviceId));
    const plain = raw.map((item) => ({ ...item, ...(item.viewIds instanceof Set ? { viewIds: [...(item.viewIds as Set<string>)].sort() } : {}) }));
    expect(exported.devices[0]?.items).toEqual(plain);
    expect(exported.devices[0]?.items).toHaveLength(3);
    // JSON all the way (string sets as arrays).
    expect(JSON.parse(JSON.stringify(exported))).toEqual(exported);

    const byUser = await exportUser(userId, rights());
    expect(byUser.userId).toBe(userId);
    expect(byUser.devices.map((device) => device.deviceId)).toEqual([deviceId]);
    expect(byUser.devices[0]?.items).toEqual(plain);
  });

  it('refuses a malformed device id', async () => {
    await expect(exportDevice('a/b%c', rights())).rejects.toBeInstanceOf(InvalidIdError);
    await expect(forgetDevice('', rights())).rejects.toBeInstanceOf(InvalidIdError);
  });
});

describe('forgetDevice', () => {
  it('erases the device and its sessions; views queued before the erasure do not bring it back', async () => {
    const statistics = { [TABLE_KEYS.partitionKey]: `STATS#${opaqueId()}`, [TABLE_KEYS.sortKey]: 'DAY', pageViews: 12 };
    await dynamo.documentClient.send(new PutCommand({ TableName: TABLE, Item: statistics }));
    const { deviceId, first, second } = await seededDevice();
    const before = await outside(deviceId)();

    const result = await forgetDevice(deviceId, rights());
    expect(result.deletedItems).toBe(2);
    expect(await getDevice(deviceId, { client: dynamo.documentClient, tableName: TABLE, consistentRead: true })).toBeUndefined();
    const partition = (await allItems()).filter((item) => item.pk === devicePartition(deviceId));
    expect(partition).toHaveLength(1);
    expect(Object.keys(partition[0] ?? {}).sort()).toEqual([ERASED_ATTRIBUTE, TABLE_KEYS.ttlAttribute, TABLE_KEYS.partitionKey, TABLE_KEYS.sortKey].sort());
    expect(partition[0]?.[TABLE_KEYS.ttlAttribute]).toBeGreaterThan((Date.now() + RETENTION * DAY_MS) / 1000);

    // Queued before the erasure, consumed after: an append to a deleted session (the merge path would
    // create it), a new session (writes the device), an identify, and a view of a later session part.
    const lastTs = Math.max(...second.map((view) => view.ts));
    const queued: QueueMessage[] = [
      pageView({ deviceId, sessionId: first[0]?.sessionId ?? '', ts: lastTs + 1_000, path: '/late-append' }),
      ...sessionViews(2, { deviceId, startTs: lastTs + 2_000 }),
      identify({ deviceId, userId: 'someone-else', ts: lastTs + 3_000 }),
    ];
    const outcome = await consume(queued);
    expect(outcome.failedRecordIds).toEqual([]);
    expect(outcome.counts.ErasedDeviceMessages).toBe(4);
    expect(outcome.counts.AggregatedPageViews).toBe(0);
    expect(await getDevice(deviceId, { client: dynamo.documentClient, tableName: TABLE, consistentRead: true })).toBeUndefined();
    expect((await allItems()).filter((item) => item.pk === devicePartition(deviceId))).toEqual(partition);
    // Nothing outside the device's partition changed (statistics keep their counts).
    expect(await outside(deviceId)()).toEqual(before);
    expect(before).toContainEqual(statistics);

    // Idempotent.
    expect((await forgetDevice(deviceId, rights())).deletedItems).toBe(0);
    expect((await exportDevice(deviceId, rights())).devices[0]?.record).toBeNull();
  });

  it('refuses appends of more views than one append checks, without a device write in the batch', async () => {
    const { deviceId, first } = await seededDevice();
    await forgetDevice(deviceId, rights());
    const sessionId = first[0]?.sessionId ?? '';
    const many = Array.from({ length: 60 }, (_, index) => pageView({ deviceId, sessionId, ts: Date.now() - 60_000 + index, path: `/m${index}` }));
    const outcome = await consume(many);
    expect(outcome).toMatchObject({ failedRecordIds: [], counts: { ErasedDeviceMessages: 60, AggregatedPageViews: 0 } });
    expect((await allItems()).filter((item) => item.pk === devicePartition(deviceId))).toHaveLength(1);
  });
});

describe('forgetUser', () => {
  it('erases every device linked to the user, and only those', async () => {
    const userId = `user-${opaqueId()}`;
    const one = await seededDevice(userId);
    const two = await seededDevice(userId);
    const other = await seededDevice();
    const result = await forgetUser(userId, rights());
    expect(result.devices.map((device) => device.deviceId).sort()).toEqual([one.deviceId, two.deviceId].sort());
    const read = (deviceId: string) => getDevice(deviceId, { client: dynamo.documentClient, tableName: TABLE, consistentRead: true });
    expect(await read(one.deviceId)).toBeUndefined();
    expect(await read(two.deviceId)).toBeUndefined();
    expect((await read(other.deviceId))?.device.pageViews).toBe(5);
    expect((await exportUser(userId, rights())).devices).toEqual([]);
  });
});
