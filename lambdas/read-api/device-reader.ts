/**
 * The read API: a device's data for tests, the command line and users' own backends.
 *
 *   const record = await getDevice(deviceId, { client: DynamoDBDocumentClient.from(new DynamoDBClient({})), tableName });
 *
 * One Query on the device's partition returns the device item and all its sessions; items whose TTL is
 * past are filtered out (DynamoDB deletes expired items best effort, often up to 48 hours late).
 */
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { paginateQuery, paginateScan } from '@aws-sdk/lib-dynamodb';
import { combineDeviceRecord, type DeviceRecord } from '../aggregation/device-record';
import type { DeviceState } from '../aggregation/device-merge';
import type { SessionState } from '../aggregation/session-merge';
import { TABLE_KEYS } from '../contract/table-layout';
import { isErasedItem } from '../aggregation/erasure';
import { devicePartition, isDeviceItem, isSessionItem, itemToDevice, itemToSession, type StoredItem } from '../aggregator/table-items';

export type { DeviceRecord, DeviceSummary, SessionSummary } from '../aggregation/device-record';

export interface ReadOptions {
  client: DynamoDBDocumentClient;
  tableName: string;
  /** Epoch ms used to decide what has expired; defaults to the current time. */
  now?: number;
  /** Strongly consistent read (sees every write acknowledged before the call); eventually consistent by default. */
  consistentRead?: boolean;
}

interface PartitionItems {
  /** The device item is a tombstone (erased): nothing of the partition is shown. */
  erased?: boolean;
  device?: DeviceState;
  sessions: SessionState[];
}

function collect(items: Iterable<StoredItem>, into: Map<string, PartitionItems>): void {
  for (const item of items) {
    const pk = String(item[TABLE_KEYS.partitionKey]);
    const entry: PartitionItems = into.get(pk) ?? { sessions: [] };
    if (isErasedItem(item)) entry.erased = true;
    else if (isDeviceItem(item)) entry.device = itemToDevice(item);
    else if (isSessionItem(item)) entry.sessions.push(itemToSession(item));
    into.set(pk, entry);
  }
}

/** Every item of the device's partition, as stored (the device item, sessions, a tombstone). */
export async function partitionItems(deviceId: string, options: Omit<ReadOptions, 'now'>): Promise<StoredItem[]> {
  const items: StoredItem[] = [];
  const pages = paginateQuery(
    { client: options.client },
    {
      TableName: options.tableName,
      KeyConditionExpression: '#pk = :pk',
      ExpressionAttributeNames: { '#pk': TABLE_KEYS.partitionKey },
      ExpressionAttributeValues: { ':pk': devicePartition(deviceId) },
      ConsistentRead: options.consistentRead ?? false,
    },
  );
  for await (const page of pages) items.push(...((page.Items ?? []) as StoredItem[]));
  return items;
}

/** The device and its sessions (newest first), or undefined when nothing live is stored for it. */
export async function getDevice(deviceId: string, options: ReadOptions): Promise<DeviceRecord | undefined> {
  const partitions = new Map<string, PartitionItems>();
  collect(await partitionItems(deviceId, options), partitions);
  const items = partitions.get(devicePartition(deviceId));
  if (!items || items.erased) return undefined;
  return combineDeviceRecord(deviceId, items.device, items.sessions, options.now ?? Date.now());
}

export interface ListOptions extends ReadOptions {
  limit: number;
}

/**
 * The most recently seen devices, latest first. It Scans the whole table: fine for the local runtime
 * and the command line, not for a large production table (there, query the devices you know, or add
 * an index keyed on activity).
 */
export async function listRecentDevices(options: ListOptions): Promise<DeviceRecord[]> {
  const partitions = new Map<string, PartitionItems>();
  for await (const page of paginateScan({ client: options.client }, { TableName: options.tableName, ConsistentRead: options.consistentRead ?? false })) {
    collect(page.Items ?? [], partitions);
  }
  const now = options.now ?? Date.now();
  const records: DeviceRecord[] = [];
  for (const [pk, items] of partitions) {
    if (items.erased || !pk.startsWith('DEVICE#')) continue;
    const record = combineDeviceRecord(pk.slice('DEVICE#'.length), items.device, items.sessions, now);
    if (record) records.push(record);
  }
  records.sort((a, b) => b.device.lastSeen - a.device.lastSeen);
  return records.slice(0, Math.max(0, options.limit));
}
