/**
 * The DynamoDB adapter of the SessionStore port.
 *
 * Each session group costs ONE write in the common case: a conditional create (the group holds the
 * view that opened the session) or a conditional append (`lastActivity < :minTs`, so the entry stays,
 * room for the ids, and `NOT contains` for each id, so a reused id fails it whatever its timestamp).
 * When the condition fails (a redelivery, an out-of-order view, a session created by a later view, a
 * full item) the write returns the stored item (ReturnValuesOnConditionCheckFailure, so no extra read),
 * the pure merge drops already-counted view ids, and a put guarded by the item's `version` stores the
 * result, retried on a concurrent change. Views that do not fit a full item go on to the session's
 * next part (see `session-merge.ts`).
 */
import { ConditionalCheckFailedException, type AttributeValue, type ConsumedCapacity } from '@aws-sdk/client-dynamodb';
import { PutCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import { compareViews, type SessionGroup, type ViewFact } from '../aggregation/batch-plan';
import { deviceCoverageFor, mergeDevice, type DeviceDelta, type DeviceState } from '../aggregation/device-merge';
import { DEVICE_TTL_HEADROOM_MS, deviceExpiresAtSeconds } from '../aggregation/retention';
import { mergeSession, newSession, SESSION_LIMITS, sessionAppend, sessionPartId, type SessionLimits, type SessionState } from '../aggregation/session-merge';
import { TABLE_KEYS } from '../contract/table-layout';
import { StoreWriteError } from './errors';
import type { SessionWriteOutcome } from './session-store';
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
  /** Session item bounds (defaults: SESSION_LIMITS). */
  limits?: Partial<SessionLimits>;
}

/**
 * Views one append checks id by id (`NOT contains` each): DynamoDB allows 300 operators and functions
 * in an expression; a larger group takes the create-or-merge path instead.
 */
const MAX_APPEND_VIEWS = 50;

/** Jittered pause before merging again, so writers contending for one item spread out. */
const contentionPause = (attempt: number) =>
  attempt === 0 ? Promise.resolve() : new Promise((resolve) => setTimeout(resolve, Math.random() * 10 * 2 ** Math.min(attempt, 5)));

type WriteResult = { ConsumedCapacity?: ConsumedCapacity };
type Outcome<T> = { ok: true } | { ok: false; stored: T | undefined };

const PK = TABLE_KEYS.partitionKey;

export function createDynamoSessionStore(options: DynamoSessionStoreOptions) {
  const { client, tableName, retentionDays, onCapacity } = options;
  const maxMergeAttempts = options.maxMergeAttempts ?? 10;
  const limits: SessionLimits = { ...SESSION_LIMITS, ...options.limits };
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

  /**
   * The first write for views of one part: a conditional create when the group opens the session or
   * is too large for the append's condition, else the append (see the module comment).
   */
  function sessionFastPath(deviceId: string, partId: string, views: readonly ViewFact[], opens: boolean): PutCommand | UpdateCommand {
    const sorted = [...views].sort(compareViews);
    if (opens || sorted.length > MAX_APPEND_VIEWS) {
      return versionedPut(sessionToItem(newSession(deviceId, partId, sorted.slice(0, limits.maxViewsPerItem), retentionDays)), undefined);
    }
    const append = sessionAppend(sorted, retentionDays);
    // A view id counts once whatever its message says: a reused id with a later timestamp must fail
    // the condition too, and the merge then drops it. The room clause keeps the item bounded.
    const ids = Object.fromEntries(append.viewIds.map((id, index) => [`:v${index}`, id]));
    const notCounted = Object.keys(ids).map((name) => `NOT contains(viewIds, ${name})`);
    return new UpdateCommand({
      TableName: tableName,
      Key: sessionKey(deviceId, partId),
      UpdateExpression:
        'SET lastActivity = :last, exitPath = :exit, #ttl = :ttl, version = version + :one ADD pageViews :n, viewIds :ids',
      // The #start clause: a session running past the device's TTL headroom takes the merge path, which
      // knows the whole session and extends the device; so this path needs no ReturnValues.
      ConditionExpression: ['lastActivity < :min', '#start >= :coveredFrom', 'size(viewIds) <= :room', ...notCounted].join(' AND '),
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
        ':room': limits.maxViewsPerItem - append.pageViews,
        ...ids,
      },
      ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
      ...capacityRequest,
    });
  }

  interface PartOutcome {
    /** The part as stored after this write, when known (a creation or a merge). */
    state: SessionState | undefined;
    added: number;
    duplicates: number;
    /** Views that did not fit: they go to the next part. */
    overflow: ViewFact[];
    /** The part as it was before the write, when the write learnt it (a failed condition). */
    stored: SessionState | undefined;
  }

  /** Counts `views` into one part of a session, exactly once, up to the part's room. */
  async function writeSessionPart(deviceId: string, partId: string, views: readonly ViewFact[], opens: boolean, signal: AbortSignal | undefined): Promise<PartOutcome> {
    const key = sessionKey(deviceId, partId);
    const command = sessionFastPath(deviceId, partId, views, opens);
    const first = await conditional('session', key, command, itemToSession, signal);
    if (first.ok) {
      if (command instanceof UpdateCommand) return { state: undefined, added: views.length, duplicates: 0, overflow: [], stored: undefined };
      const created = mergeSession(undefined, deviceId, partId, views, retentionDays, limits.maxViewsPerItem);
      return { state: created.state, added: created.added, duplicates: 0, overflow: created.overflow, stored: undefined };
    }
    const firstStored = first.stored;
    let stored = firstStored;
    for (let attempt = 0; attempt < maxMergeAttempts; attempt += 1) {
      await contentionPause(attempt);
      const merged = mergeSession(stored, deviceId, partId, views, retentionDays, limits.maxViewsPerItem);
      if (merged.added === 0) return { ...merged, state: stored, stored: firstStored };
      const put = await conditional('session', key, versionedPut(sessionToItem(merged.state), stored?.version), itemToSession, signal);
      if (put.ok) return { ...merged, stored: firstStored };
      stored = put.stored;
    }
    throw new StoreWriteError(`session ${key.sk} kept changing under ${maxMergeAttempts} merge attempts`, key);
  }

  /**
   * Walks the session's parts from the first: each full part drops the views it already counted and
   * passes the rest on, so a view counted in any part is never counted again.
   */
  async function writeSession(group: SessionGroup, signal?: AbortSignal): Promise<SessionWriteOutcome> {
    const outcome: SessionWriteOutcome = { added: 0, duplicates: 0, rejected: [] };
    let remaining: readonly ViewFact[] = group.views;
    let sessionStart: number | undefined;
    let coverUntil = 0;
    for (let part = 1; remaining.length > 0; part += 1) {
      if (part > limits.maxParts) {
        outcome.rejected = [...remaining];
        break;
      }
      const opens = part === 1 && remaining.some((view) => view.sessionStarted);
      const result = await writeSessionPart(group.deviceId, sessionPartId(group.sessionId, part), remaining, opens, signal);
      outcome.added += result.added;
      outcome.duplicates += result.duplicates;
      const known = result.state ?? result.stored;
      if (part === 1) sessionStart = known?.start;
      if (result.state) coverUntil = Math.max(coverUntil, result.state.lastActivity);
      else if (result.added > 0) coverUntil = Math.max(coverUntil, ...remaining.map((view) => view.ts));
      remaining = result.overflow;
    }
    // Derived from the stored session on every write, so a retry after a failed extension redoes it.
    const coverage = sessionStart === undefined ? undefined : deviceCoverageFor({ deviceId: group.deviceId, start: sessionStart, lastActivity: coverUntil });
    if (coverage) outcome.coverage = coverage;
    return outcome;
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

  return { retentionDays, writeDevice, writeSession };
}
