/**
 * Visitors' rights on the table: erasure and export of a device, and of every device linked to a user
 * id by `identify` (docs/privacy.md documents the export field by field).
 *
 *   const table = { client: DynamoDBDocumentClient.from(new DynamoDBClient({})), tableName, retentionDays };
 *   await forgetDevice(deviceId, table);   // the device item becomes a tombstone, its sessions are deleted
 *   const held = await exportDevice(deviceId, table);
 *
 * Only the device's partition (`DEVICE#<id>`) is touched: the statistics' items hold no identifier and
 * keep their anonymous counts. A user id has no index (the table stays one key schema with no GSI to
 * pay for on every write): the user variants Scan the table for device items with that `userId`, one
 * read of the whole table per call, which is what a rare backend request can afford.
 */
import { BatchWriteCommand, PutCommand, paginateScan, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { ERASED_ATTRIBUTE, tombstoneExpiresAtSeconds } from '../aggregation/erasure';
import { DEVICE_SORT_KEY, devicePartition, deviceKey, type StoredItem } from '../aggregator/table-items';
import { TABLE_KEYS } from '../contract/table-layout';
import { getDevice, partitionItems, type DeviceRecord } from '../read-api/device-reader';

export interface RightsTable {
  client: DynamoDBDocumentClient;
  tableName: string;
  /** The consumer's retention: a tombstone outlives every view that could still be counted (erasure.ts). */
  retentionDays: number;
  /** Epoch ms; defaults to the current time. */
  now?: number;
}

/** Device ids as the authorizer mints them (the queue contract's rule). */
const DEVICE_ID = /^[A-Za-z0-9_-]{16,64}$/;
/** BatchWriteItem's limit. */
const BATCH_WRITE_MAX = 25;
const UNPROCESSED_ATTEMPTS = 8;

export class InvalidIdError extends Error {
  override name = 'InvalidIdError';
}

function checkDeviceId(deviceId: string): void {
  if (!DEVICE_ID.test(deviceId)) throw new InvalidIdError(`not a device id: ${JSON.stringify(deviceId.slice(0, 80))}`);
}

function checkUserId(userId: string): void {
  if (userId.length === 0 || userId.length > 1024) throw new InvalidIdError('a user id is 1 to 1024 characters');
}

async function deleteKeys(keys: readonly Record<string, unknown>[], table: RightsTable): Promise<void> {
  for (let from = 0; from < keys.length; from += BATCH_WRITE_MAX) {
    let requests = keys.slice(from, from + BATCH_WRITE_MAX).map((Key) => ({ DeleteRequest: { Key } }));
    for (let attempt = 0; requests.length > 0; attempt += 1) {
      if (attempt >= UNPROCESSED_ATTEMPTS) throw new Error(`erasure: ${requests.length} deletions still unprocessed after ${UNPROCESSED_ATTEMPTS} attempts`);
      if (attempt > 0) await new Promise((resolve) => setTimeout(resolve, 50 * 2 ** attempt));
      const result = await table.client.send(new BatchWriteCommand({ RequestItems: { [table.tableName]: requests } }));
      requests = (result.UnprocessedItems?.[table.tableName] ?? []).flatMap((request) =>
        request.DeleteRequest?.Key ? [{ DeleteRequest: { Key: request.DeleteRequest.Key } }] : [],
      );
    }
  }
}

export interface ErasureResult {
  deviceId: string;
  /** Epoch ms of the erasure (the tombstone's `erasedAt`). */
  erasedAt: number;
  /** Session items deleted. */
  deletedItems: number;
}

/**
 * Erases a device: its item becomes a tombstone first (so a consumer batch running now cannot write
 * the device again), then every other item of its partition is deleted. Idempotent; throws
 * InvalidIdError for a malformed id and the SDK's errors otherwise (run it again: nothing is half-kept).
 */
export async function forgetDevice(deviceId: string, table: RightsTable): Promise<ErasureResult> {
  checkDeviceId(deviceId);
  const erasedAt = table.now ?? Date.now();
  await table.client.send(
    new PutCommand({
      TableName: table.tableName,
      Item: { ...deviceKey(deviceId), [ERASED_ATTRIBUTE]: erasedAt, [TABLE_KEYS.ttlAttribute]: tombstoneExpiresAtSeconds(erasedAt, table.retentionDays) },
    }),
  );
  const keys = (await partitionItems(deviceId, { ...table, consistentRead: true }))
    .filter((item) => item[TABLE_KEYS.sortKey] !== DEVICE_SORT_KEY)
    .map((item) => ({ [TABLE_KEYS.partitionKey]: item[TABLE_KEYS.partitionKey], [TABLE_KEYS.sortKey]: item[TABLE_KEYS.sortKey] }));
  await deleteKeys(keys, table);
  return { deviceId, erasedAt, deletedItems: keys.length };
}

/** Ids of the devices whose item links them to `userId` (a Scan: see the module comment). */
export async function devicesOfUser(userId: string, table: Pick<RightsTable, 'client' | 'tableName'>): Promise<string[]> {
  checkUserId(userId);
  const ids: string[] = [];
  const pages = paginateScan(
    { client: table.client },
    {
      TableName: table.tableName,
      FilterExpression: '#sk = :device AND userId = :user',
      ExpressionAttributeNames: { '#sk': TABLE_KEYS.sortKey, '#pk': TABLE_KEYS.partitionKey },
      ExpressionAttributeValues: { ':device': DEVICE_SORT_KEY, ':user': userId },
      ProjectionExpression: '#pk',
      ConsistentRead: true,
    },
  );
  for await (const page of pages) for (const item of page.Items ?? []) ids.push(String(item[TABLE_KEYS.partitionKey]).slice(devicePartition('').length));
  return ids.sort();
}

/** Erases every device linked to `userId`. */
export async function forgetUser(userId: string, table: RightsTable): Promise<{ userId: string; devices: ErasureResult[] }> {
  const devices: ErasureResult[] = [];
  for (const deviceId of await devicesOfUser(userId, table)) devices.push(await forgetDevice(deviceId, table));
  return { userId, devices };
}

/** The export's format name and version (docs/privacy.md). */
export const EXPORT_FORMAT = 'visitor-gate-export';
export const EXPORT_VERSION = 1;

export interface DeviceExport {
  deviceId: string;
  /** What `getDevice` returns: the device summary and its sessions; null when nothing live is held. */
  record: DeviceRecord | null;
  /** Every item of the device's partition as stored, string sets as sorted arrays. */
  items: Record<string, unknown>[];
}

export interface RightsExport {
  format: typeof EXPORT_FORMAT;
  version: typeof EXPORT_VERSION;
  /** ISO 8601. */
  exportedAt: string;
  /** Set for a user's export. */
  userId?: string;
  devices: DeviceExport[];
}

/** DynamoDB string sets (`viewIds`) as sorted arrays, so the export is plain JSON. */
function plainItem(item: StoredItem): Record<string, unknown> {
  return Object.fromEntries(Object.entries(item).map(([name, value]) => [name, value instanceof Set ? [...(value as Set<string>)].sort() : value]));
}

async function deviceExport(deviceId: string, table: Pick<RightsTable, 'client' | 'tableName' | 'now'>): Promise<DeviceExport> {
  const items = await partitionItems(deviceId, { ...table, consistentRead: true });
  const record = await getDevice(deviceId, { client: table.client, tableName: table.tableName, consistentRead: true, ...(table.now === undefined ? {} : { now: table.now }) });
  return { deviceId, record: record ?? null, items: items.map(plainItem) };
}

/** Everything held about a device. */
export async function exportDevice(deviceId: string, table: Pick<RightsTable, 'client' | 'tableName' | 'now'>): Promise<RightsExport> {
  checkDeviceId(deviceId);
  const exportedAt = new Date(table.now ?? Date.now()).toISOString();
  return { format: EXPORT_FORMAT, version: EXPORT_VERSION, exportedAt, devices: [await deviceExport(deviceId, table)] };
}

/** Everything held about every device linked to `userId`. */
export async function exportUser(userId: string, table: Pick<RightsTable, 'client' | 'tableName' | 'now'>): Promise<RightsExport> {
  const exportedAt = new Date(table.now ?? Date.now()).toISOString();
  const devices: DeviceExport[] = [];
  for (const deviceId of await devicesOfUser(userId, table)) devices.push(await deviceExport(deviceId, table));
  return { format: EXPORT_FORMAT, version: EXPORT_VERSION, exportedAt, userId, devices };
}
