/**
 * What the daily statistics must be, for tests and bench:aggregator: the sum of the contributions of
 * the session items as stored, and the visitors from the distinct views themselves (a device is a
 * visitor of each day it opened a session, a new visitor on the day of its first session).
 */
import { paginateScan, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { isSessionItem, itemToSession } from '../lambdas/aggregator/table-items';
import type { PageViewMessage } from '../lambdas/contract/page-view-message';
import { STATS_ATTRIBUTES, STATS_PARTITION_PREFIX } from '../lambdas/contract/statistics-layout';
import { TABLE_KEYS } from '../lambdas/contract/table-layout';
import { calendarDay } from '../lambdas/statistics/calendar-day';
import { StatsDelta } from '../lambdas/statistics/stats-delta';

export type StoredItems = Record<string, unknown>[];
/** `{ "<sk>": { counter: value } }`, zero counters left out. */
export type StatisticsTable = Record<string, Record<string, number>>;

export async function scanTable(client: DynamoDBDocumentClient, tableName: string): Promise<StoredItems> {
  const items: StoredItems = [];
  for await (const page of paginateScan({ client }, { TableName: tableName, ConsistentRead: true })) items.push(...(page.Items ?? []));
  return items;
}

export function sessionItemsOf(items: StoredItems) {
  return items.filter((item) => String(item[TABLE_KEYS.partitionKey]).startsWith('DEVICE#') && isSessionItem(item)).map(itemToSession);
}

export function storedStatistics(items: StoredItems): StatisticsTable {
  const stats: StatisticsTable = {};
  for (const item of items) {
    if (!String(item[TABLE_KEYS.partitionKey]).startsWith(STATS_PARTITION_PREFIX)) continue;
    for (const [name, value] of Object.entries(item)) {
      if (typeof value !== 'number' || name === STATS_ATTRIBUTES.layoutVersion || name === TABLE_KEYS.ttlAttribute || value === 0) continue;
      (stats[String(item[TABLE_KEYS.sortKey])] ??= {})[name] = value;
    }
  }
  return stats;
}

/** The statistics the stored session items and the distinct views call for. */
export function expectedStatistics(items: StoredItems, views: readonly PageViewMessage[], timeZone: string): StatisticsTable {
  const expected = new StatsDelta(timeZone);
  for (const session of sessionItemsOf(items)) expected.addSessionWrite(undefined, session);
  const visitDays = new Map<string, Set<string>>();
  const firstStart = new Map<string, number>();
  for (const view of views) {
    if (!view.sessionStarted) continue;
    const day = calendarDay(view.ts, timeZone);
    const days = visitDays.get(view.deviceId) ?? new Set<string>();
    if (!days.has(day)) expected.addVisitorWrite({ newVisitDays: [day] });
    visitDays.set(view.deviceId, days.add(day));
    firstStart.set(view.deviceId, Math.min(view.ts, firstStart.get(view.deviceId) ?? Infinity));
  }
  for (const start of firstStart.values()) expected.addVisitorWrite({ newVisitDays: [], firstSeenAfter: start });
  return Object.fromEntries(expected.items().map((item) => [item.sk, item.counters]));
}

/** Statistics items whose counters differ from `expected` (0 when they agree exactly). */
export function statisticsMismatches(stored: StatisticsTable, expected: StatisticsTable): number {
  const keys = new Set([...Object.keys(stored), ...Object.keys(expected)]);
  let mismatches = 0;
  for (const key of keys) if (JSON.stringify(Object.entries(stored[key] ?? {}).sort()) !== JSON.stringify(Object.entries(expected[key] ?? {}).sort())) mismatches += 1;
  return mismatches;
}
