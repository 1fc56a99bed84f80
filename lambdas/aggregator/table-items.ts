/**
 * How the aggregation states are laid out in the one table (keys from TABLE_KEYS). One partition per
 * device: the device item and one item per session, so a single Query reads a device's whole story.
 *
 *   pk = DEVICE#<deviceId>   sk = DEVICE              the device item
 *   pk = DEVICE#<deviceId>   sk = SESSION#<sessionId> one per session
 *
 * Attribute names are short-ish on purpose: they count toward the item size, and an item under 1 KB is
 * written for 1 WCU.
 */
import type { DeviceState } from '../aggregation/device-merge';
import type { SessionState } from '../aggregation/session-merge';
import type { DeviceClass, Utm } from '../contract/page-view-message';
import { ITEM_ATTRIBUTES, TABLE_KEYS, TABLE_LAYOUT_VERSION } from '../contract/table-layout';
import { CorruptItemError } from './errors';

export const DEVICE_SORT_KEY = 'DEVICE';
export const SESSION_SORT_PREFIX = 'SESSION#';

export type TableKey = { pk: string; sk: string };
export type StoredItem = Record<string, unknown>;

export function devicePartition(deviceId: string): string {
  return `DEVICE#${deviceId}`;
}

export function deviceKey(deviceId: string): TableKey {
  return { [TABLE_KEYS.partitionKey]: devicePartition(deviceId), [TABLE_KEYS.sortKey]: DEVICE_SORT_KEY } as TableKey;
}

export function sessionKey(deviceId: string, sessionId: string): TableKey {
  return {
    [TABLE_KEYS.partitionKey]: devicePartition(deviceId),
    [TABLE_KEYS.sortKey]: `${SESSION_SORT_PREFIX}${sessionId}`,
  } as TableKey;
}

/** The item of a device state, stored by the write `token`. */
export function deviceToItem(state: DeviceState, token: string): StoredItem {
  const { deviceId, visitDays, firstSeenBy, ...fields } = state;
  const days = Object.fromEntries(Object.entries(visitDays).map(([day, by]) => [`${ITEM_ATTRIBUTES.visitDayPrefix}${day}`, by]));
  return {
    ...deviceKey(deviceId),
    ...fields,
    ...days,
    ...(firstSeenBy !== undefined ? { [ITEM_ATTRIBUTES.firstSeenBy]: firstSeenBy } : {}),
    [ITEM_ATTRIBUTES.layoutVersion]: TABLE_LAYOUT_VERSION,
    [ITEM_ATTRIBUTES.writeToken]: token,
  };
}

/** The item of a session state, stored by the write `token`. */
export function sessionToItem(state: SessionState, token: string): StoredItem {
  const { deviceId, sessionId, viewIds, ...fields } = state;
  return {
    ...sessionKey(deviceId, sessionId),
    ...fields,
    viewIds: new Set(viewIds),
    [ITEM_ATTRIBUTES.layoutVersion]: TABLE_LAYOUT_VERSION,
    [ITEM_ATTRIBUTES.writeToken]: token,
  };
}

/** The token of the write that last stored the item, if it carries one. */
export function writeTokenOf(item: StoredItem): string | undefined {
  const token = item[ITEM_ATTRIBUTES.writeToken];
  return typeof token === 'string' ? token : undefined;
}

function field<T>(item: StoredItem, name: string, check: (value: unknown) => value is T, optional: true): T | undefined;
function field<T>(item: StoredItem, name: string, check: (value: unknown) => value is T, optional?: false): T;
function field<T>(item: StoredItem, name: string, check: (value: unknown) => value is T, optional = false): T | undefined {
  const value = item[name];
  if (value === undefined && optional) return undefined;
  if (!check(value)) throw new CorruptItemError(`item ${String(item.pk)}/${String(item.sk)}: attribute ${name} is missing or malformed`);
  return value;
}

const isNumber = (value: unknown): value is number => typeof value === 'number' && Number.isFinite(value);
const isString = (value: unknown): value is string => typeof value === 'string';
const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);
const isStringSet = (value: unknown): value is Set<string> => value instanceof Set;

function sortKeyOf(item: StoredItem): string {
  return field(item, TABLE_KEYS.sortKey, isString);
}

function deviceIdOf(item: StoredItem): string {
  return field(item, TABLE_KEYS.partitionKey, isString).slice('DEVICE#'.length);
}

export function isDeviceItem(item: StoredItem): boolean {
  return sortKeyOf(item) === DEVICE_SORT_KEY;
}

export function isSessionItem(item: StoredItem): boolean {
  return sortKeyOf(item).startsWith(SESSION_SORT_PREFIX);
}

export function itemToDevice(item: StoredItem): DeviceState {
  const optionalNumber = (name: string) => field(item, name, isNumber, true);
  const userId = field(item, 'userId', isString, true);
  const userLinkId = field(item, 'userLinkId', isString, true);
  const visitDays: Record<string, string> = {};
  for (const [name, value] of Object.entries(item)) {
    if (name.startsWith(ITEM_ATTRIBUTES.visitDayPrefix) && typeof value === 'string') visitDays[name.slice(ITEM_ATTRIBUTES.visitDayPrefix.length)] = value;
  }
  const state: DeviceState = {
    deviceId: deviceIdOf(item),
    version: field(item, 'version', isNumber),
    expiresAt: field(item, TABLE_KEYS.ttlAttribute, isNumber),
    visitDays,
  };
  const firstSeenBy = field(item, ITEM_ATTRIBUTES.firstSeenBy, isString, true);
  if (firstSeenBy !== undefined) state.firstSeenBy = firstSeenBy;
  const firstSeen = optionalNumber('firstSeen');
  const lastSessionStart = optionalNumber('lastSessionStart');
  const userLinkedAt = optionalNumber('userLinkedAt');
  if (firstSeen !== undefined) state.firstSeen = firstSeen;
  if (lastSessionStart !== undefined) state.lastSessionStart = lastSessionStart;
  if (userId !== undefined) state.userId = userId;
  if (userLinkedAt !== undefined) state.userLinkedAt = userLinkedAt;
  if (userLinkId !== undefined) state.userLinkId = userLinkId;
  return state;
}

function pagesOf(value: Record<string, unknown> | undefined): Record<string, number> {
  const pages: Record<string, number> = {};
  for (const [path, count] of Object.entries(value ?? {})) if (isNumber(count)) pages[path] = count;
  return pages;
}

export function itemToSession(item: StoredItem): SessionState {
  const referrer = field(item, 'referrer', isObject, true);
  const utm = field(item, 'utm', isObject, true);
  return {
    deviceId: deviceIdOf(item),
    sessionId: sortKeyOf(item).slice(SESSION_SORT_PREFIX.length),
    start: field(item, 'start', isNumber),
    lastActivity: field(item, 'lastActivity', isNumber),
    pageViews: field(item, 'pageViews', isNumber),
    entryPath: field(item, 'entryPath', isString),
    exitPath: field(item, 'exitPath', isString),
    ...(referrer ? { referrer: { origin: String(referrer.origin), path: String(referrer.path) } } : {}),
    ...(utm ? { utm: utm as Utm } : {}),
    device: field(item, 'device', isObject) as DeviceClass,
    pages: pagesOf(field(item, 'pages', isObject, true)),
    viewIds: [...field(item, 'viewIds', isStringSet)],
    version: field(item, 'version', isNumber),
    expiresAt: field(item, TABLE_KEYS.ttlAttribute, isNumber),
  };
}
