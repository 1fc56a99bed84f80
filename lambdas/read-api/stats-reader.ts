/**
 * The daily statistics of a date range (layout: lambdas/contract/statistics-layout.ts), for the
 * command line, the dashboard and users' own backends.
 *
 *   const stats = await getStats({ from: '2025-01-01', to: '2025-01-31' }, { client, tableName });
 *
 * One Query per month partition (`sk BETWEEN` the range's first and last day), paginated, a few
 * months in flight at once: a year is 13 Queries. Days are calendar days in the time zone the
 * consumer wrote them in (STATS_TIME_ZONE).
 *
 * Sums over a range add the days up. Distinct devices cannot be added: `visitors` over a range is the
 * sum of each day's visitors, so a device seen on two days counts twice (as "daily visitors, summed");
 * the same holds for a page's `visits` (sessions), which are distinct per session anyway.
 */
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { paginateQuery } from '@aws-sdk/lib-dynamodb';
import { forEachLimited } from '../aggregation/concurrency';
import { TABLE_KEYS } from '../contract/table-layout';
import {
  DIMENSIONS,
  STATS_PARTITION_PREFIX,
  TOTAL_COUNTERS,
  parseStatsSortKey,
  type Dimension,
  type TotalCounter,
} from '../contract/statistics-layout';
import { addDays, calendarDay, daysBetween, isCalendarDay, monthsBetween } from '../statistics/calendar-day';

export const STATS_READ_LIMITS = {
  /** Longest range, days (three years, a leap day included): 37 Queries at most. */
  maxRangeDays: 1096,
  /** Month partitions queried at once. */
  queryConcurrency: 4,
} as const;

export class StatsRangeError extends Error {
  override name = 'StatsRangeError';
}

export interface StatsRange {
  /** First day, `YYYY-MM-DD`, included. */
  from: string;
  /** Last day, `YYYY-MM-DD`, included. */
  to: string;
}

export interface StatsReadOptions {
  client: DynamoDBDocumentClient;
  tableName: string;
  /** Strongly consistent reads; eventually consistent by default. */
  consistentRead?: boolean;
  /** Rows kept per dimension (the top ones); all by default. */
  top?: number;
  /** Epoch ms used to skip items whose TTL is past but which DynamoDB has not deleted yet; defaults to now. */
  now?: number;
}

export type StatsCounters = Record<TotalCounter, number>;

/** Counters plus the two figures derived from them. */
export interface StatsFigures extends StatsCounters {
  /** bounces / sessions (0..1); null when there was no session (a rate of nothing is not 0 %). */
  bounceRate: number | null;
  /** durationMs / sessions; null when there was no session. */
  avgSessionDurationMs: number | null;
}

export interface DayStats extends StatsFigures {
  day: string;
}

export interface PageRow {
  path: string;
  views: number;
  visits: number;
}

export interface SessionRow {
  value: string;
  sessions: number;
}

export interface StatsReport {
  range: StatsRange;
  /** Every day of the range in order, zeros where nothing was stored. */
  days: DayStats[];
  /** The days summed (`visitors`: daily visitors summed, see above). */
  totals: StatsFigures;
  /** Page paths by views, then visits, then path. */
  pages: PageRow[];
  entryPages: SessionRow[];
  exitPages: SessionRow[];
  /** Referrer origins; `(direct)` is no referrer. */
  referrers: SessionRow[];
  utmSources: SessionRow[];
  utmMediums: SessionRow[];
  utmCampaigns: SessionRow[];
  browsers: SessionRow[];
  operatingSystems: SessionRow[];
  deviceTypes: SessionRow[];
}

export type SessionDimensionKey = Exclude<keyof StatsReport, 'range' | 'days' | 'totals' | 'pages'>;

/** Where each session-counting dimension appears in the report; one home for the names the UI shows too. */
export const SESSION_DIMENSIONS = {
  entryPages: 'entry',
  exitPages: 'exit',
  referrers: 'referrer',
  utmSources: 'utm_source',
  utmMediums: 'utm_medium',
  utmCampaigns: 'utm_campaign',
  browsers: 'browser',
  operatingSystems: 'os',
  deviceTypes: 'device',
} as const satisfies Record<SessionDimensionKey, Exclude<Dimension, 'page'>>;

/** The last `days` days up to today (in `timeZone`, the statistics' STATS_TIME_ZONE), today included. */
export function recentRange(days: number, timeZone: string, now = Date.now()): StatsRange {
  const to = calendarDay(now, timeZone);
  return { from: addDays(to, 1 - days), to };
}

/** Throws StatsRangeError unless `range` is two real days, in order, at most `maxRangeDays` apart. */
export function checkStatsRange(range: StatsRange): void {
  for (const [name, day] of [['from', range.from], ['to', range.to]] as const) {
    if (typeof day !== 'string' || !isCalendarDay(day)) throw new StatsRangeError(`${name} must be a date YYYY-MM-DD, got ${JSON.stringify(day)}`);
  }
  if (range.from > range.to) throw new StatsRangeError(`from (${range.from}) is after to (${range.to})`);
  const days = daysBetween(range.from, range.to).length;
  if (days > STATS_READ_LIMITS.maxRangeDays) {
    throw new StatsRangeError(`the range has ${days} days; at most ${STATS_READ_LIMITS.maxRangeDays} are read at once`);
  }
}

export function withRates(counters: StatsCounters): StatsFigures {
  const { sessions } = counters;
  return {
    ...counters,
    bounceRate: sessions > 0 ? counters.bounces / sessions : null,
    avgSessionDurationMs: sessions > 0 ? counters.durationMs / sessions : null,
  };
}

const zeroCounters = (): StatsCounters => Object.fromEntries(TOTAL_COUNTERS.map((name) => [name, 0])) as StatsCounters;

/** A stored counter; anything else (missing, not a finite number) counts as 0. */
function counter(item: Record<string, unknown>, name: string): number {
  const value = item[name];
  return typeof value === 'number' && Number.isFinite(value) ? value : 0;
}

/** Sort key bounds of the range within one month partition. '$' follows '#', so `<day>$` is past every key of the day. */
function monthBounds(month: string, range: StatsRange): [string, string] {
  const first = range.from.startsWith(month) ? range.from : `${month}-01`;
  const last = range.to.startsWith(month) ? range.to : `${month}-31`;
  return [`${first}#`, `${last}$`];
}

async function queryMonth(
  month: string,
  range: StatsRange,
  options: StatsReadOptions,
  onItem: (item: Record<string, unknown>) => void,
): Promise<void> {
  const [low, high] = monthBounds(month, range);
  const pages = paginateQuery(
    { client: options.client },
    {
      TableName: options.tableName,
      KeyConditionExpression: '#pk = :pk AND #sk BETWEEN :low AND :high',
      ExpressionAttributeNames: { '#pk': TABLE_KEYS.partitionKey, '#sk': TABLE_KEYS.sortKey },
      ExpressionAttributeValues: { ':pk': `${STATS_PARTITION_PREFIX}${month}`, ':low': low, ':high': high },
      ConsistentRead: options.consistentRead ?? false,
    },
  );
  for await (const page of pages) for (const item of page.Items ?? []) onItem(item);
}

const byCountThenValue = <Row>(count: (row: Row) => number[], value: (row: Row) => string) => (a: Row, b: Row) => {
  const [countsA, countsB] = [count(a), count(b)];
  for (let index = 0; index < countsA.length; index += 1) {
    const difference = (countsB[index] ?? 0) - (countsA[index] ?? 0);
    if (difference !== 0) return difference;
  }
  return value(a) < value(b) ? -1 : value(a) > value(b) ? 1 : 0;
};

/** The statistics of `range` (both days included). Throws StatsRangeError for a bad range. */
export async function getStats(range: StatsRange, options: StatsReadOptions): Promise<StatsReport> {
  checkStatsRange(range);
  const days = new Map(daysBetween(range.from, range.to).map((day) => [day, zeroCounters()]));
  const dimensions = new Map<Dimension, Map<string, Record<string, number>>>();
  const nowSeconds = (options.now ?? Date.now()) / 1000;

  const onItem = (item: Record<string, unknown>) => {
    const expiresAt = item[TABLE_KEYS.ttlAttribute];
    if (typeof expiresAt === 'number' && expiresAt < nowSeconds) return;
    const key = parseStatsSortKey(String(item[TABLE_KEYS.sortKey]));
    if (!key) return;
    if (key.kind === 'total') {
      const total = days.get(key.day);
      if (total) for (const name of TOTAL_COUNTERS) total[name] += counter(item, name);
      return;
    }
    const rows = dimensions.get(key.dimension) ?? new Map<string, Record<string, number>>();
    dimensions.set(key.dimension, rows);
    const row = rows.get(key.value) ?? {};
    rows.set(key.value, row);
    for (const name of DIMENSIONS[key.dimension]) row[name] = (row[name] ?? 0) + counter(item, name);
  };
  await forEachLimited(monthsBetween(range.from, range.to), STATS_READ_LIMITS.queryConcurrency, (month) => queryMonth(month, range, options, onItem));

  const top = <Row>(rows: Row[]) => (options.top === undefined ? rows : rows.slice(0, Math.max(0, options.top)));
  const rowsOf = (dimension: Dimension) => [...(dimensions.get(dimension) ?? new Map<string, Record<string, number>>()).entries()];
  const pages = rowsOf('page')
    .map(([path, row]) => ({ path, views: row.views ?? 0, visits: row.visits ?? 0 }))
    .filter((row) => row.views !== 0 || row.visits !== 0)
    .sort(byCountThenValue((row) => [row.views, row.visits], (row) => row.path));
  const sessionRows = (dimension: Dimension): SessionRow[] =>
    top(
      rowsOf(dimension)
        .map(([value, row]) => ({ value, sessions: row.sessions ?? 0 }))
        .filter((row) => row.sessions !== 0)
        .sort(byCountThenValue((row) => [row.sessions], (row) => row.value)),
    );

  const dayList = [...days.entries()].map(([day, counters]) => ({ day, ...withRates(counters) }));
  const totals = zeroCounters();
  for (const counters of days.values()) for (const name of TOTAL_COUNTERS) totals[name] += counters[name];
  const sessionDimensions = Object.fromEntries(
    Object.entries(SESSION_DIMENSIONS).map(([key, dimension]) => [key, sessionRows(dimension)]),
  ) as Record<SessionDimensionKey, SessionRow[]>;
  return { range: { from: range.from, to: range.to }, days: dayList, totals: withRates(totals), pages: top(pages), ...sessionDimensions };
}
