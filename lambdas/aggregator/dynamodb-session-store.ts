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
import { randomBytes } from 'node:crypto';
import { ConditionalCheckFailedException, type AttributeValue, type ConsumedCapacity } from '@aws-sdk/client-dynamodb';
import { GetCommand, PutCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import { compareViews, type SessionGroup, type ViewFact } from '../aggregation/batch-plan';
import { deviceCoverageFor, mergeDevice, VISIT_DAYS_KEPT, type DeviceDelta, type DeviceState, type VisitWrite } from '../aggregation/device-merge';
import { ERASED_ATTRIBUTE, isErasedItem } from '../aggregation/erasure';
import { DEVICE_TTL_HEADROOM_MS, deviceExpiresAtSeconds } from '../aggregation/retention';
import {
  appliedAppend,
  MAX_PAGES_PER_SESSION,
  mergeSession,
  SESSION_LIMITS,
  sessionAppend,
  sessionPartId,
  type SessionAppend,
  type SessionLimits,
  type SessionState,
} from '../aggregation/session-merge';
import { FUNCTION_SETTINGS } from '../contract/function-settings';
import { ITEM_ATTRIBUTES, TABLE_KEYS, TABLE_LAYOUT_VERSION } from '../contract/table-layout';
import { addDays, calendarDay } from '../statistics/calendar-day';
import type { VisitorTransition } from '../statistics/stats-delta';
import { DeviceErasedError, StoreWriteError } from './errors';
import type { SessionWriteOutcome, WriteObserver } from './session-store';
import { itemSizeBytes, writeUnitsFor } from './item-size';
import { deviceKey, deviceToItem, itemToDevice, itemToSession, sessionKey, sessionToItem, writeTokenOf, type StoredItem, type TableKey } from './table-items';

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
  /** Time zone of the statistics' days (the device's visit days); default: the setting's default. */
  timeZone?: string;
}

/**
 * Views one append checks id by id (`NOT contains` each): DynamoDB allows 300 operators and functions
 * in an expression; a larger group takes the create-or-merge path instead.
 */
const MAX_APPEND_VIEWS = 50;
/** Distinct paths one append counts (two operators each in its expression); more take the merge path. */
const MAX_APPEND_PATHS = 20;

/** A write's token: random, so a write recognises itself in an item it stored (a retried request). */
const newWriteToken = () => randomBytes(9).toString('base64url');

/** Jittered pause before merging again, so writers contending for one item spread out. */
const contentionPause = (attempt: number) =>
  attempt === 0 ? Promise.resolve() : new Promise((resolve) => setTimeout(resolve, Math.random() * 10 * 2 ** Math.min(attempt, 5)));

type WriteResult = { ConsumedCapacity?: ConsumedCapacity; Attributes?: Record<string, unknown> };
/** `item`: what the write returned (ReturnValues on success, the stored item on a failed condition). */
type Outcome<T> = { ok: true; item: StoredItem | undefined } | { ok: false; stored: T | undefined; item: StoredItem | undefined };

const PK = TABLE_KEYS.partitionKey;

export function createDynamoSessionStore(options: DynamoSessionStoreOptions) {
  const { client, tableName, retentionDays, onCapacity } = options;
  const timeZone = options.timeZone ?? FUNCTION_SETTINGS.statsTimeZone.default;
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
      return { ok: true, item: result.Attributes };
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) {
        const raw = error.Item as Record<string, AttributeValue> | undefined;
        onCapacity?.({ operation, writeUnits: writeUnitsFor(raw ? itemSizeBytes(raw) : 0), conditionFailed: true });
        const item = raw ? unmarshall(raw) : undefined;
        return { ok: false, stored: item ? decode(item) : undefined, item };
      }
      throw new StoreWriteError(`${operation} write failed for ${key.pk} ${key.sk}`, key, { cause: error });
    }
  }

  /** Stores `item` if the stored one is still at `previousVersion` (or still absent). */
  function versionedPut(item: StoredItem, previousVersion: number | undefined): PutCommand {
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

  /** The append's UpdateItem (see the module comment); it returns the item it replaced, for the statistics. */
  function appendCommand(deviceId: string, partId: string, append: SessionAppend, token: string): UpdateCommand {
    // A view id counts once whatever its message says: a reused id with a later timestamp must fail
    // the condition too, and the merge then drops it. The room clauses keep the item bounded.
    const ids = Object.fromEntries(append.viewIds.map((id, index) => [`:v${index}`, id]));
    const notCounted = Object.keys(ids).map((name) => `NOT contains(viewIds, ${name})`);
    const paths = Object.entries(append.pages);
    const pageNames = Object.fromEntries(paths.map(([path], index) => [`#p${index}`, path]));
    const pageValues = Object.fromEntries(paths.map(([, count], index) => [`:p${index}`, count]));
    const pageSets = paths.map((_, index) => `pages.#p${index} = if_not_exists(pages.#p${index}, :zero) + :p${index}`);
    return new UpdateCommand({
      TableName: tableName,
      Key: sessionKey(deviceId, partId),
      UpdateExpression:
        'SET #pl = lastActivity, #pe = exitPath, lastActivity = :last, exitPath = :exit, #ttl = :ttl, version = version + :one, #w = :w, #v = :layout, ' +
        `${pageSets.join(', ')} ADD pageViews :n, viewIds :ids`,
      // The #start clause: a session running past the device's TTL headroom takes the merge path, which
      // knows the whole session and extends the device; so this path needs no ReturnValues for it.
      ConditionExpression: ['lastActivity < :min', '#start >= :coveredFrom', 'size(viewIds) <= :room', 'size(pages) <= :pageRoom', ...notCounted].join(' AND '),
      ExpressionAttributeNames: {
        '#ttl': TABLE_KEYS.ttlAttribute,
        '#start': 'start',
        '#pl': ITEM_ATTRIBUTES.previousLastActivity,
        '#pe': ITEM_ATTRIBUTES.previousExitPath,
        '#w': ITEM_ATTRIBUTES.writeToken,
        '#v': ITEM_ATTRIBUTES.layoutVersion,
        ...pageNames,
      },
      ExpressionAttributeValues: {
        ':last': append.lastActivity,
        ':exit': append.exitPath,
        ':ttl': append.expiresAt,
        ':one': 1,
        ':zero': 0,
        ':w': token,
        ':layout': TABLE_LAYOUT_VERSION,
        ':n': append.pageViews,
        ':ids': new Set(append.viewIds),
        ':min': append.minTs,
        ':coveredFrom': append.lastActivity - DEVICE_TTL_HEADROOM_MS,
        ':room': limits.maxViewsPerItem - append.pageViews,
        ':pageRoom': MAX_PAGES_PER_SESSION - paths.length,
        ...ids,
        ...pageValues,
      },
      ReturnValues: 'ALL_OLD',
      ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
      ...capacityRequest,
    });
  }

  /**
   * The state an append replaced, read back from the item it stored (a retried request whose first
   * attempt was applied): the append keeps the entry and records the exit it moved.
   */
  function beforeAppend(stored: SessionState, item: StoredItem, append: SessionAppend): SessionState {
    const pages = { ...stored.pages };
    for (const [path, count] of Object.entries(append.pages)) {
      const left = (pages[path] ?? 0) - count;
      if (left > 0) pages[path] = left;
      else delete pages[path];
    }
    const appended = new Set(append.viewIds);
    return {
      ...stored,
      lastActivity: Number(item[ITEM_ATTRIBUTES.previousLastActivity]),
      exitPath: String(item[ITEM_ATTRIBUTES.previousExitPath]),
      pageViews: stored.pageViews - append.pageViews,
      pages,
      viewIds: stored.viewIds.filter((id) => !appended.has(id)),
      version: stored.version - 1,
    };
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

  /**
   * Counts `views` into one part of a session, exactly once, up to the part's room; tells `observer`
   * the part's state before and after each write that changed it.
   */
  async function writeSessionPart(
    deviceId: string,
    partId: string,
    views: readonly ViewFact[],
    opens: boolean,
    signal: AbortSignal | undefined,
    observer: WriteObserver | undefined,
  ): Promise<PartOutcome> {
    const key = sessionKey(deviceId, partId);
    const sorted = [...views].sort(compareViews);
    const distinctPaths = new Set(sorted.map((view) => view.path)).size;
    const token = newWriteToken();

    if (opens || sorted.length > MAX_APPEND_VIEWS || distinctPaths > MAX_APPEND_PATHS) {
      // The first write for a group that opens the session (or is too large for an append): a create.
      if (!opens) await refuseErased(deviceId, signal);
      const created = mergeSession(undefined, deviceId, partId, sorted, retentionDays, limits.maxViewsPerItem);
      const first = await conditional('session', key, versionedPut(sessionToItem(created.state, token), undefined), itemToSession, signal);
      if (first.ok || (first.item && writeTokenOf(first.item) === token)) {
        observer?.sessionWritten(undefined, created.state);
        return { state: created.state, added: created.added, duplicates: 0, overflow: created.overflow, stored: undefined };
      }
      return mergeLoop(deviceId, partId, key, views, first.stored, signal, observer);
    }

    const append = sessionAppend(sorted, retentionDays);
    const first = await conditional('session', key, appendCommand(deviceId, partId, append, token), itemToSession, signal);
    if (first.ok) {
      if (first.item) {
        const before = itemToSession(first.item);
        observer?.sessionWritten(before, appliedAppend(before, append));
      }
      return { state: undefined, added: views.length, duplicates: 0, overflow: [], stored: undefined };
    }
    if (first.stored && first.item && writeTokenOf(first.item) === token) {
      // A retried request whose first attempt was applied: the item is this append's result.
      observer?.sessionWritten(beforeAppend(first.stored, first.item, append), first.stored);
      return { state: first.stored, added: views.length, duplicates: 0, overflow: [], stored: undefined };
    }
    // The session is gone: the merge would create it.
    if (first.stored === undefined) await refuseErased(deviceId, signal);
    return mergeLoop(deviceId, partId, key, views, first.stored, signal, observer);
  }

  /**
   * Before creating a session item that no device write of this batch vouches for (an append to a
   * session that is gone, a large group, a later part): one consistent read, so views queued before an
   * erasure cannot bring the device back (erasure.ts). A group that opens its session wrote the device
   * first, and that write refuses a tombstone itself.
   */
  async function refuseErased(deviceId: string, signal: AbortSignal | undefined): Promise<void> {
    const key = deviceKey(deviceId);
    let item: Record<string, unknown> | undefined;
    try {
      const read = await client.send(
        new GetCommand({ TableName: tableName, Key: key, ConsistentRead: true, ProjectionExpression: '#erased', ExpressionAttributeNames: { '#erased': ERASED_ATTRIBUTE } }),
        { abortSignal: signal },
      );
      item = read.Item;
    } catch (error) {
      throw new StoreWriteError(`device check failed for ${key.pk}`, key, { cause: error });
    }
    if (item && isErasedItem(item)) throw new DeviceErasedError(deviceId);
  }

  /** The slow path: merge into the stored item and store the result if nobody changed it meanwhile. */
  async function mergeLoop(
    deviceId: string,
    partId: string,
    key: TableKey,
    views: readonly ViewFact[],
    firstStored: SessionState | undefined,
    signal: AbortSignal | undefined,
    observer: WriteObserver | undefined,
  ): Promise<PartOutcome> {
    let stored = firstStored;
    for (let attempt = 0; attempt < maxMergeAttempts; attempt += 1) {
      await contentionPause(attempt);
      const merged = mergeSession(stored, deviceId, partId, views, retentionDays, limits.maxViewsPerItem);
      if (merged.added === 0) return { ...merged, state: stored, stored: firstStored };
      const token = newWriteToken();
      const put = await conditional('session', key, versionedPut(sessionToItem(merged.state, token), stored?.version), itemToSession, signal);
      if (put.ok || (put.item && writeTokenOf(put.item) === token)) {
        observer?.sessionWritten(stored, merged.state);
        return { ...merged, stored: firstStored };
      }
      stored = put.stored;
    }
    throw new StoreWriteError(`session ${key.sk} kept changing under ${maxMergeAttempts} merge attempts`, key);
  }

  /**
   * Walks the session's parts from the first: each full part drops the views it already counted and
   * passes the rest on, so a view counted in any part is never counted again.
   */
  async function writeSession(group: SessionGroup, signal?: AbortSignal, observer?: WriteObserver): Promise<SessionWriteOutcome> {
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
      const result = await writeSessionPart(group.deviceId, sessionPartId(group.sessionId, part), remaining, opens, signal, observer);
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

  /** The visit days a device delta adds (the days its opened sessions started), with the write's token. */
  function visitWriteFor(delta: DeviceDelta, token: string): VisitWrite | undefined {
    if (!delta.starts || delta.starts.length === 0) return undefined;
    const days = [...new Set(delta.starts.map((start) => calendarDay(start, timeZone)))].sort();
    return { token, days, keepFrom: addDays(days[0] as string, -VISIT_DAYS_KEPT) };
  }

  /** The visitor figures of a device write, from the item it stored (tokens tell what it added). */
  function visitorTransition(before: DeviceState | undefined, after: DeviceState, token: string): VisitorTransition {
    const newVisitDays = Object.entries(after.visitDays)
      .filter(([day, by]) => by === token && before?.visitDays[day] === undefined)
      .map(([day]) => day);
    const firstSeenBefore = before ? before.firstSeen : after.firstSeenBy === token ? undefined : after.firstSeen;
    return {
      newVisitDays,
      ...(firstSeenBefore !== undefined ? { firstSeenBefore } : {}),
      ...(after.firstSeen !== undefined ? { firstSeenAfter: after.firstSeen } : {}),
    };
  }

  function deviceFastPath(delta: DeviceDelta, token: string, visit: VisitWrite | undefined): UpdateCommand {
    const sets = ['version = if_not_exists(version, :zero) + :one', '#ttl = :ttl', '#w = :w', '#v = :layout'];
    const removes: string[] = [];
    // A tombstone (erasure.ts) fails the condition; writeDevice then drops the delta.
    const conditions = ['attribute_not_exists(#erased)', '(attribute_not_exists(#ttl) OR #ttl <= :ttl)'];
    const names: Record<string, string> = { '#erased': ERASED_ATTRIBUTE, '#ttl': TABLE_KEYS.ttlAttribute, '#w': ITEM_ATTRIBUTES.writeToken, '#v': ITEM_ATTRIBUTES.layoutVersion };
    const values: Record<string, unknown> = {
      ':zero': 0,
      ':one': 1,
      ':ttl': deviceExpiresAtSeconds(delta.coverUntil, retentionDays),
      ':w': token,
      ':layout': TABLE_LAYOUT_VERSION,
    };
    if (delta.firstStart !== undefined && delta.lastStart !== undefined) {
      sets.push('firstSeen = if_not_exists(firstSeen, :first)', 'lastSessionStart = :lastStart', '#fsw = if_not_exists(#fsw, :w)');
      names['#fsw'] = ITEM_ATTRIBUTES.firstSeenBy;
      conditions.push('(attribute_not_exists(firstSeen) OR firstSeen <= :first)');
      // An item from before visit days (a firstSeen without its writer's token) takes the merge path.
      conditions.push('(attribute_not_exists(firstSeen) OR attribute_exists(#fsw))');
      conditions.push('(attribute_not_exists(lastSessionStart) OR lastSessionStart <= :lastStart)');
      values[':first'] = delta.firstStart;
      values[':lastStart'] = delta.lastStart;
    }
    if (visit) {
      visit.days.forEach((day, index) => {
        names[`#d${index}`] = `${ITEM_ATTRIBUTES.visitDayPrefix}${day}`;
        sets.push(`#d${index} = if_not_exists(#d${index}, :w)`);
      });
      // Forget the visit days the merge rule drops (a month of them; older ones were dropped by earlier writes).
      const earliest = visit.days[0] as string;
      for (let back = VISIT_DAYS_KEPT + 1; back <= VISIT_DAYS_KEPT + 30; back += 1) {
        names[`#r${back}`] = `${ITEM_ATTRIBUTES.visitDayPrefix}${addDays(earliest, -back)}`;
        removes.push(`#r${back}`);
      }
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
      UpdateExpression: `SET ${sets.join(', ')}${removes.length > 0 ? ` REMOVE ${removes.join(', ')}` : ''}`,
      ConditionExpression: conditions.join(' AND '),
      ExpressionAttributeNames: names,
      ExpressionAttributeValues: values,
      ReturnValues: 'ALL_NEW',
      ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
      ...capacityRequest,
    });
  }

  async function writeDevice(delta: DeviceDelta, signal?: AbortSignal, observer?: WriteObserver): Promise<void> {
    const key = deviceKey(delta.deviceId);
    const token = newWriteToken();
    const visit = visitWriteFor(delta, token);
    // A tombstone is no device state: the write is refused (DeviceErasedError) instead.
    const decode = (item: Record<string, unknown>) => (isErasedItem(item) ? undefined : itemToDevice(item));
    const refuseTombstone = (item: StoredItem | undefined) => {
      if (item && isErasedItem(item)) throw new DeviceErasedError(delta.deviceId);
    };
    const first = await conditional('device', key, deviceFastPath(delta, token, visit), decode, signal);
    // On success the item is the one stored; on a failed condition carrying this write's token, a
    // retried request whose first attempt was applied.
    if (first.ok || (first.item && writeTokenOf(first.item) === token)) {
      if (first.item) observer?.deviceWritten(visitorTransition(undefined, itemToDevice(first.item), token));
      return;
    }
    refuseTombstone(first.item);
    let stored: DeviceState | undefined = first.stored;
    for (let attempt = 0; attempt < maxMergeAttempts; attempt += 1) {
      await contentionPause(attempt);
      const mergeToken = newWriteToken();
      const merged = mergeDevice(stored, delta, retentionDays, visit ? { ...visit, token: mergeToken } : undefined);
      if (!merged.changed) return;
      // A tombstone has no version: a put expecting the item absent or at a version fails on it.
      const put = await conditional('device', key, versionedPut(deviceToItem(merged.state, mergeToken), stored?.version), decode, signal);
      if (put.ok || (put.item && writeTokenOf(put.item) === mergeToken)) {
        observer?.deviceWritten(visitorTransition(stored, merged.state, mergeToken));
        return;
      }
      refuseTombstone(put.item);
      stored = put.stored;
    }
    throw new StoreWriteError(`device ${key.pk} kept changing under ${maxMergeAttempts} merge attempts`, key);
  }

  return { retentionDays, writeDevice, writeSession };
}
