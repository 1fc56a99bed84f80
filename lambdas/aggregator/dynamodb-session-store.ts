/**
 * The DynamoDB adapter of the SessionStore port.
 *
 * Each session group costs ONE write in the common case: a conditional create (the group holds the
 * view that opened the session) or a conditional append (`lastActivity < :minTs`: every view of the
 * group is later than anything counted, so none can be a duplicate). When the condition fails (a
 * redelivery, an out-of-order view, a session created by a later view) the write returns the stored
 * item (ReturnValuesOnConditionCheckFailure, so no extra read), the pure merge drops already-counted
 * view ids, and a put guarded by the item's `version` stores the result, retried on a concurrent change.
 */
import { ConditionalCheckFailedException, type AttributeValue, type ConsumedCapacity } from '@aws-sdk/client-dynamodb';
import { PutCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import type { SessionGroup } from '../aggregation/batch-plan';
import { mergeDevice, type DeviceDelta, type DeviceState } from '../aggregation/device-merge';
import { DEVICE_TTL_HEADROOM_MS, deviceExpiresAtSeconds } from '../aggregation/retention';
import { mergeSession, newSession, sessionAppend, type SessionState } from '../aggregation/session-merge';
import { TABLE_KEYS } from '../shared/table-layout';
import { StoreWriteError } from './errors';
import { itemSizeBytes, writeUnitsFor } from './item-size';
import { deviceKey, deviceToItem, itemToDevice, itemToSession, sessionKey, sessionToItem, type TableKey } from './table-items';

export interface CapacityUse {
  operation: 'device' | 'session';
  writeUnits: number;
  /** True for a write whose condition failed (billed, but it changed nothing). */
  conditionFailed: boolean;
}

export interface DynamoSessionStoreOptions {
  client: DynamoDBDocumentClient;
  tableName: string;
  retentionDays: number;
  /** Receives the capacity every write consumed (asks DynamoDB for ReturnConsumedCapacity). */
  onCapacity?: (use: CapacityUse) => void;
  /** Optimistic-concurrency attempts before a group is reported failed. */
  maxMergeAttempts?: number;
}

/** Jittered pause before merging again, so writers contending for one item spread out. */
const contentionPause = (attempt: number) =>
  attempt === 0 ? Promise.resolve() : new Promise((resolve) => setTimeout(resolve, Math.random() * 10 * 2 ** Math.min(attempt, 5)));

type WriteResult = { ConsumedCapacity?: ConsumedCapacity };
type Outcome<T> = { ok: true } | { ok: false; stored: T | undefined };

const PK = TABLE_KEYS.partitionKey;

export function createDynamoSessionStore(options: DynamoSessionStoreOptions) {
  const { client, tableName, retentionDays, onCapacity } = options;
  const maxMergeAttempts = options.maxMergeAttempts ?? 10;
  const capacityRequest = onCapacity ? { ReturnConsumedCapacity: 'TOTAL' as const } : {};

  const charge = (operation: CapacityUse['operation'], consumed: ConsumedCapacity | undefined) => {
    if (onCapacity && consumed) onCapacity({ operation, writeUnits: consumed.CapacityUnits ?? 0, conditionFailed: false });
  };

  /** Sends one conditional write; a failed condition is a value carrying the stored item. */
  async function conditional<T>(
    operation: CapacityUse['operation'],
    key: TableKey,
    command: PutCommand | UpdateCommand,
    decode: (item: Record<string, unknown>) => T,
    signal: AbortSignal | undefined,
  ): Promise<Outcome<T>> {
    try {
      const options = { abortSignal: signal };
      const result: WriteResult = command instanceof PutCommand ? await client.send(command, options) : await client.send(command, options);
      charge(operation, result.ConsumedCapacity);
      return { ok: true };
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) {
        const raw = error.Item as Record<string, AttributeValue> | undefined;
        onCapacity?.({ operation, writeUnits: writeUnitsFor(raw ? itemSizeBytes(raw) : 0), conditionFailed: true });
        return { ok: false, stored: raw ? decode(unmarshall(raw)) : undefined };
      }
      throw new StoreWriteError(`${operation} write failed for ${key.pk} ${key.sk}`, key, { cause: error });
    }
  }

  /** Stores `state` if the item is still at `previousVersion` (or still absent). */
  function versionedPut(item: Record<string, unknown>, previousVersion: number | undefined): PutCommand {
    return new PutCommand({
      TableName: tableName,
      Item: item,
      ConditionExpression: previousVersion === undefined ? 'attribute_not_exists(#pk)' : '#version = :version',
      ExpressionAttributeNames: previousVersion === undefined ? { '#pk': PK } : { '#version': 'version' },
      ...(previousVersion === undefined ? {} : { ExpressionAttributeValues: { ':version': previousVersion } }),
      ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
      ...capacityRequest,
    });
  }

  function sessionFastPath(group: SessionGroup): PutCommand | UpdateCommand {
    const key = sessionKey(group.deviceId, group.sessionId);
    if (group.views.some((view) => view.sessionStarted)) {
      return versionedPut(sessionToItem(newSession(group.deviceId, group.sessionId, group.views, retentionDays)), undefined);
    }
    const append = sessionAppend(group.views, retentionDays);
    return new UpdateCommand({
      TableName: tableName,
      Key: key,
      UpdateExpression:
        'SET lastActivity = :last, exitPath = :exit, #ttl = :ttl, version = version + :one ADD pageViews :n, viewIds :ids',
      // Second clause: a session running past the device's TTL headroom takes the merge path, which
      // knows the whole session and extends the device; so this path needs no ReturnValues.
      ConditionExpression: 'lastActivity < :min AND #start >= :coveredFrom',
      ExpressionAttributeNames: { '#ttl': TABLE_KEYS.ttlAttribute, '#start': 'start' },
      ExpressionAttributeValues: {
        ':last': append.lastActivity,
        ':exit': append.exitPath,
        ':ttl': append.expiresAt,
        ':one': 1,
        ':n': append.pageViews,
        ':ids': new Set(append.viewIds),
        ':min': append.minTs,
        ':coveredFrom': append.lastActivity - DEVICE_TTL_HEADROOM_MS,
      },
      ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
      ...capacityRequest,
    });
  }

  async function writeSession(group: SessionGroup, signal?: AbortSignal) {
    if (group.views.length === 0) return { state: undefined, added: 0, duplicates: 0 };
    const key = sessionKey(group.deviceId, group.sessionId);
    const first = await conditional('session', key, sessionFastPath(group), itemToSession, signal);
    if (first.ok) {
      // A created session is known; an appended one is not read back (and needs no device extension).
      const created = group.views.some((view) => view.sessionStarted);
      const state = created ? newSession(group.deviceId, group.sessionId, group.views, retentionDays) : undefined;
      return { state, added: group.views.length, duplicates: 0 };
    }
    let stored: SessionState | undefined = first.stored;
    for (let attempt = 0; attempt < maxMergeAttempts; attempt += 1) {
      await contentionPause(attempt);
      const merged = mergeSession(stored, group.deviceId, group.sessionId, group.views, retentionDays);
      if (merged.added === 0) return merged;
      const put = await conditional('session', key, versionedPut(sessionToItem(merged.state), stored?.version), itemToSession, signal);
      if (put.ok) return merged;
      stored = put.stored;
    }
    throw new StoreWriteError(`session ${key.sk} kept changing under ${maxMergeAttempts} merge attempts`, key);
  }

  function deviceFastPath(delta: DeviceDelta): UpdateCommand {
    const sets = ['version = if_not_exists(version, :zero) + :one', '#ttl = :ttl'];
    const conditions = ['(attribute_not_exists(#ttl) OR #ttl <= :ttl)'];
    const values: Record<string, unknown> = { ':zero': 0, ':one': 1, ':ttl': deviceExpiresAtSeconds(delta.coverUntil, retentionDays) };
    if (delta.firstStart !== undefined && delta.lastStart !== undefined) {
      sets.push('firstSeen = if_not_exists(firstSeen, :first)', 'lastSessionStart = :lastStart');
      conditions.push('(attribute_not_exists(firstSeen) OR firstSeen <= :first)');
      conditions.push('(attribute_not_exists(lastSessionStart) OR lastSessionStart <= :lastStart)');
      values[':first'] = delta.firstStart;
      values[':lastStart'] = delta.lastStart;
    }
    if (delta.identify) {
      sets.push('userId = :user', 'userLinkedAt = :linkedAt', 'userLinkId = :linkId');
      // Strict: an identify at the same instant as the stored one goes through the merge's tie-break.
      conditions.push('(attribute_not_exists(userLinkedAt) OR userLinkedAt < :linkedAt)');
      values[':user'] = delta.identify.userId;
      values[':linkedAt'] = delta.identify.ts;
      values[':linkId'] = delta.identify.id;
    }
    return new UpdateCommand({
      TableName: tableName,
      Key: deviceKey(delta.deviceId),
      UpdateExpression: `SET ${sets.join(', ')}`,
      ConditionExpression: conditions.join(' AND '),
      ExpressionAttributeNames: { '#ttl': TABLE_KEYS.ttlAttribute },
      ExpressionAttributeValues: values,
      ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
      ...capacityRequest,
    });
  }

  async function writeDevice(delta: DeviceDelta, signal?: AbortSignal): Promise<void> {
    const key = deviceKey(delta.deviceId);
    const first = await conditional('device', key, deviceFastPath(delta), itemToDevice, signal);
    if (first.ok) return;
    let stored: DeviceState | undefined = first.stored;
    for (let attempt = 0; attempt < maxMergeAttempts; attempt += 1) {
      await contentionPause(attempt);
      const merged = mergeDevice(stored, delta, retentionDays);
      if (!merged.changed) return;
      const put = await conditional('device', key, versionedPut(deviceToItem(merged.state), stored?.version), itemToDevice, signal);
      if (put.ok) return;
      stored = put.stored;
    }
    throw new StoreWriteError(`device ${key.pk} kept changing under ${maxMergeAttempts} merge attempts`, key);
  }

  return { writeDevice, writeSession };
}
