/**
 * Daily statistics items written directly (layout: lambdas/contract/statistics-layout.ts), for tests
 * and benchmarks of the readers: a day is a plain object of its totals and dimension counters.
 */
import { BatchWriteCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import {
  DIMENSION_NAMES,
  STATS_ATTRIBUTES,
  STATS_LAYOUT_VERSION,
  dimensionSortKey,
  statsPartition,
  totalSortKey,
  type Dimension,
  type TotalCounter,
} from '../lambdas/contract/statistics-layout';
import { TABLE_KEYS } from '../lambdas/contract/table-layout';
import { statsExpiresAtSeconds } from '../lambdas/statistics/calendar-day';
import { pick, type Random } from './seeded-random';

export interface StatsDay {
  day: string;
  total?: Partial<Record<TotalCounter, number>>;
  /** Per dimension, value -> counters (`{ views, visits }` for pages, `{ sessions }` otherwise). */
  dimensions?: Partial<Record<Dimension, Record<string, Record<string, number>>>>;
}

/** BatchWriteItem calls in flight. */
const WRITERS = 8;
/** Months the test items are kept (the default STATS_RETENTION_MONTHS). */
const RETENTION_MONTHS = 25;

export function statsItems(day: StatsDay): Record<string, unknown>[] {
  const base = (sk: string) => ({
    [TABLE_KEYS.partitionKey]: statsPartition(day.day),
    [TABLE_KEYS.sortKey]: sk,
    [STATS_ATTRIBUTES.layoutVersion]: STATS_LAYOUT_VERSION,
    [TABLE_KEYS.ttlAttribute]: statsExpiresAtSeconds(day.day, RETENTION_MONTHS),
  });
  const items: Record<string, unknown>[] = [];
  if (day.total) items.push({ ...base(totalSortKey(day.day)), ...day.total });
  for (const dimension of DIMENSION_NAMES) {
    for (const [value, counters] of Object.entries(day.dimensions?.[dimension] ?? {})) {
      items.push({ ...base(dimensionSortKey(day.day, dimension, value)), ...counters });
    }
  }
  return items;
}

/** Puts the days' items (BatchWriteItem, 25 at a time, unprocessed ones retried). */
export async function putStatsDays(client: DynamoDBDocumentClient, tableName: string, days: readonly StatsDay[]): Promise<number> {
  const items = days.flatMap(statsItems);
  const chunks: Record<string, unknown>[][] = [];
  for (let index = 0; index < items.length; index += 25) chunks.push(items.slice(index, index + 25));
  await Promise.all(
    Array.from({ length: WRITERS }, async (_, worker) => {
      for (let index = worker; index < chunks.length; index += WRITERS) {
        let requests = (chunks[index] ?? []).map((Item) => ({ PutRequest: { Item } }));
        while (requests.length > 0) {
          const result = await client.send(new BatchWriteCommand({ RequestItems: { [tableName]: requests } }));
          requests = (result.UnprocessedItems?.[tableName] ?? []) as typeof requests;
        }
      }
    }),
  );
  return items.length;
}

const PATHS = ['/', '/pricing', '/docs', '/docs/start', '/blog', '/blog/cookies', '/about', '/contact', '/signup', '/features', '/customers', '/careers'];
const VALUES: Record<Exclude<Dimension, 'page' | 'entry' | 'exit'>, string[]> = {
  referrer: ['(direct)', 'https://www.google.com', 'https://news.ycombinator.com', 'https://duckduckgo.com', 'https://github.com'],
  utm_source: ['newsletter', 'twitter', 'partner'],
  utm_medium: ['email', 'social', 'cpc'],
  utm_campaign: ['spring-launch', 'autumn', 'webinar'],
  browser: ['chrome', 'safari', 'firefox', 'edge', 'other'],
  os: ['windows', 'macos', 'ios', 'android', 'linux'],
  device: ['desktop', 'mobile'],
};

/** Spreads `total` over `values` at random (every part a whole number, the parts adding up to `total`). */
function spread(random: Random, total: number, values: readonly string[], counter = 'sessions'): Record<string, Record<string, number>> {
  const rows: Record<string, Record<string, number>> = {};
  for (let index = 0; index < total; index += 1) {
    const value = pick(random, values);
    const row = (rows[value] ??= { [counter]: 0 });
    row[counter] = (row[counter] ?? 0) + 1;
  }
  return rows;
}

/** A plausible day of statistics (not derived from sessions; for readers only). */
export function randomStatsDay(random: Random, day: string): StatsDay {
  const sessions = 20 + Math.floor(random() * 200);
  const visitors = Math.max(1, Math.floor(sessions * (0.7 + random() * 0.25)));
  const bounces = Math.floor(sessions * (0.2 + random() * 0.4));
  const pageViews = sessions + (sessions - bounces) * (1 + Math.floor(random() * 4));
  const pages: Record<string, Record<string, number>> = {};
  for (const [path, row] of Object.entries(spread(random, pageViews, PATHS, 'views'))) {
    pages[path] = { views: row.views ?? 0, visits: Math.max(1, Math.ceil((row.views ?? 0) * 0.7)) };
  }
  const dimensions: StatsDay['dimensions'] = {
    page: pages,
    entry: spread(random, sessions, PATHS),
    exit: spread(random, sessions, PATHS),
    referrer: spread(random, sessions, VALUES.referrer),
    browser: spread(random, sessions, VALUES.browser),
    os: spread(random, sessions, VALUES.os),
    device: spread(random, sessions, VALUES.device),
  };
  for (const name of ['utm_source', 'utm_medium', 'utm_campaign'] as const) dimensions[name] = spread(random, Math.floor(sessions / 5), VALUES[name]);
  return {
    day,
    total: { visitors, newVisitors: Math.floor(visitors * 0.6), sessions, pageViews, bounces, durationMs: sessions * Math.floor(30_000 + random() * 240_000) },
    dimensions,
  };
}
