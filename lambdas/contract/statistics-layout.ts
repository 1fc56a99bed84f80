/**
 * Where the daily statistics live in the one table, shared by the consumer (writer), `getStats` (reader),
 * the dashboard and the docs. Statistics are anonymous counts: no device or session id, no user id.
 *
 *   pk = STATS#<YYYY-MM>   sk = <YYYY-MM-DD>#total              the day's totals
 *   pk = STATS#<YYYY-MM>   sk = <YYYY-MM-DD>#<dimension>#<value> one per dimension value seen that day
 *
 * One partition per month, so a date range is one Query per month (`sk BETWEEN`), a year thirteen.
 * The day is the calendar day, in the statistics' time zone (STATS_TIME_ZONE), of the session's start:
 * every figure of a session, its page views included, belongs to the day it started, which is what
 * keeps the statistics equal to the per-session records. Counters are only ever moved by ADD (a
 * session's entry or exit can move, so a value's counter can go back to 0; readers skip zero rows).
 */

/** Bump on an incompatible change of the statistics or device/session item layout (docs/data-model.md). */
export const STATS_LAYOUT_VERSION = 1;

export const STATS_PARTITION_PREFIX = 'STATS#';

/** The counters of the day's `total` item. */
export const TOTAL_COUNTERS = ['visitors', 'newVisitors', 'sessions', 'pageViews', 'bounces', 'durationMs'] as const;
export type TotalCounter = (typeof TOTAL_COUNTERS)[number];

/**
 * Dimensions, each with the counters its items carry. `page` counts the views of a path and the visits
 * (sessions) that viewed it; every other dimension counts sessions by a fact of the session's entry view
 * (referrer origin, UTM values, browser, OS, device type) or its entry and exit paths.
 */
export const DIMENSIONS = {
  page: ['views', 'visits'],
  entry: ['sessions'],
  exit: ['sessions'],
  referrer: ['sessions'],
  utm_source: ['sessions'],
  utm_medium: ['sessions'],
  utm_campaign: ['sessions'],
  browser: ['sessions'],
  os: ['sessions'],
  device: ['sessions'],
} as const satisfies Record<string, readonly string[]>;
export type Dimension = keyof typeof DIMENSIONS;
export const DIMENSION_NAMES = Object.keys(DIMENSIONS) as Dimension[];

/** The `referrer` value of a session without a referrer (typed address, bookmark, app). */
export const DIRECT_REFERRER = '(direct)';
/** The `page` value that stands for the paths past a session's distinct-path cap (SESSION_LIMITS). */
export const OTHER_PAGES = '(other)';

/**
 * A value is cut (by code point) to this many UTF-8 bytes: DynamoDB sort keys are at most 1,024 bytes,
 * and the day and dimension take at most 30 of them.
 */
export const MAX_VALUE_BYTES = 960;

/** Attribute names on every statistics item besides the counters. */
export const STATS_ATTRIBUTES = { layoutVersion: 'v' } as const;

/** A calendar day, `YYYY-MM-DD`. */
export const DAY_PATTERN = /^\d{4}-\d{2}-\d{2}$/;

export function statsPartition(day: string): string {
  return `${STATS_PARTITION_PREFIX}${day.slice(0, 7)}`;
}

const utf8 = new TextEncoder();

export function truncateValue(value: string): string {
  if (utf8.encode(value).length <= MAX_VALUE_BYTES) return value;
  let bytes = 0;
  let out = '';
  for (const char of value) {
    bytes += utf8.encode(char).length;
    if (bytes > MAX_VALUE_BYTES) break;
    out += char;
  }
  return out;
}

export function totalSortKey(day: string): string {
  return `${day}#total`;
}

export function dimensionSortKey(day: string, dimension: Dimension, value: string): string {
  return `${day}#${dimension}#${truncateValue(value)}`;
}

export type ParsedStatsKey =
  | { kind: 'total'; day: string }
  | { kind: 'dimension'; day: string; dimension: Dimension; value: string };

/** Reads a statistics sort key back; undefined for anything else. */
export function parseStatsSortKey(sk: string): ParsedStatsKey | undefined {
  const day = sk.slice(0, 10);
  if (!DAY_PATTERN.test(day) || sk[10] !== '#') return undefined;
  const rest = sk.slice(11);
  if (rest === 'total') return { kind: 'total', day };
  const hash = rest.indexOf('#');
  if (hash < 0) return undefined;
  const dimension = rest.slice(0, hash);
  if (!(dimension in DIMENSIONS)) return undefined;
  return { kind: 'dimension', day, dimension: dimension as Dimension, value: rest.slice(hash + 1) };
}
