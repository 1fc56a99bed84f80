import type { DynamoDBClient, QueryCommandInput } from '@aws-sdk/client-dynamodb';
import { PutCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { STATS_PARTITION_PREFIX, totalSortKey } from '../../lambdas/contract/statistics-layout';
import { TABLE_KEYS } from '../../lambdas/contract/table-layout';
import { getStats, STATS_READ_LIMITS, StatsRangeError, type StatsReadOptions } from '../../lambdas/read-api/stats-reader';
import { addDays, calendarDay, monthsBetween } from '../../lambdas/statistics/calendar-day';
import { documentClientFor, localDynamoClient, startDynamo, type LocalDynamo } from '../../harness/local-aws';
import { putStatsDays, type StatsDay } from '../../harness/stats-items';
import { createLocalTable } from '../../local-runtime/table';

const TABLE = 'stats-reader-test';
let dynamo: LocalDynamo;
let options: StatsReadOptions;

// Relative to today: 45 days always cross at least one month boundary.
const today = calendarDay(Date.now(), 'UTC');
const from = addDays(today, -44);
const day = (offset: number) => addDays(from, offset);

const seeded: StatsDay[] = [
  {
    day: day(0),
    total: { visitors: 3, newVisitors: 2, sessions: 4, pageViews: 9, bounces: 1, durationMs: 400_000 },
    dimensions: {
      page: { '/': { views: 5, visits: 4 }, '/pricing': { views: 4, visits: 2 } },
      entry: { '/': { sessions: 4 }, '/gone': { sessions: 0 } },
      referrer: { '(direct)': { sessions: 3 }, 'https://www.google.com': { sessions: 1 } },
      browser: { firefox: { sessions: 2 }, chrome: { sessions: 2 } },
    },
  },
  {
    day: day(40),
    total: { visitors: 2, newVisitors: 0, sessions: 2, pageViews: 2, bounces: 2, durationMs: 0 },
    dimensions: {
      page: { '/pricing': { views: 2, visits: 2 } },
      entry: { '/pricing': { sessions: 2 } },
      referrer: { 'https://www.google.com': { sessions: 2 } },
      device: { mobile: { sessions: 2 } },
      utm_campaign: { autumn: { sessions: 1 } },
    },
  },
  // Outside the range, in the range's first and last month partitions.
  { day: day(-1), total: { visitors: 100, sessions: 100, pageViews: 100 }, dimensions: { page: { '/outside': { views: 100, visits: 100 } } } },
  { day: day(45), total: { visitors: 100, sessions: 100, pageViews: 100 }, dimensions: { page: { '/outside': { views: 100, visits: 100 } } } },
];

/** Each Query chain's partition, and every Query sent (pages). */
interface QueryLog {
  chains: string[];
  pages: number;
}

const ownClients: DynamoDBClient[] = [];

/** A client of its own that logs Queries and pages them 3 items at a time, so that pagination is exercised. */
function countingClient(log: QueryLog): DynamoDBDocumentClient {
  const raw = localDynamoClient(dynamo.server.endpoint);
  raw.middlewareStack.add(
    (next, context) => async (args) => {
      if (context.commandName === 'QueryCommand') {
        // The document client's input (plain values), or a marshalled one ({ S: ... }).
        const input = args.input as QueryCommandInput;
        const partition: unknown = input.ExpressionAttributeValues?.[':pk'];
        if (!input.ExclusiveStartKey) log.chains.push(typeof partition === 'string' ? partition : String((partition as { S?: string } | undefined)?.S));
        log.pages += 1;
        input.Limit = 3;
      }
      return next(args);
    },
    { step: 'initialize', priority: 'low', name: 'logQueries' },
  );
  ownClients.push(raw);
  return documentClientFor(raw);
}

beforeAll(async () => {
  dynamo = await startDynamo();
  await createLocalTable(dynamo.client, TABLE);
  await putStatsDays(dynamo.documentClient, TABLE, seeded);
  options = { client: dynamo.documentClient, tableName: TABLE, consistentRead: true };
});
afterAll(async () => {
  for (const client of ownClients) client.destroy();
  await dynamo?.stop();
});

describe('getStats', () => {
  it('refuses ranges that are not two real days in order within the limit, before any read', async () => {
    const log: QueryLog = { chains: [], pages: 0 };
    const client = countingClient(log);
    const bad = [
      { from: '2024-02-30', to: today },
      { from: 'yesterday', to: today },
      { from: today, to: addDays(today, -1) },
      { from: addDays(today, -STATS_READ_LIMITS.maxRangeDays), to: today },
      { from: `${today}#total`, to: today },
    ];
    for (const range of bad) await expect(getStats(range, { ...options, client })).rejects.toBeInstanceOf(StatsRangeError);
    expect(log).toEqual({ chains: [], pages: 0 });
    const longest = await getStats({ from: addDays(today, 1 - STATS_READ_LIMITS.maxRangeDays), to: today }, options);
    expect(longest.days).toHaveLength(STATS_READ_LIMITS.maxRangeDays);
  });

  it('sums the days of a range across months, one Query chain per month, with zero days in between', async () => {
    const log: QueryLog = { chains: [], pages: 0 };
    const stats = await getStats({ from, to: day(44) }, { ...options, client: countingClient(log) });
    expect([...log.chains].sort()).toEqual(monthsBetween(from, day(44)).map((month) => `${STATS_PARTITION_PREFIX}${month}`));
    expect(log.chains.length).toBeGreaterThanOrEqual(2);
    // Pages of 3 items: the chains went on past their first page.
    expect(log.pages).toBeGreaterThan(log.chains.length);

    expect(stats.range).toEqual({ from, to: day(44) });
    expect(stats.days.map((entry) => entry.day)).toEqual(Array.from({ length: 45 }, (_, offset) => day(offset)));
    expect(stats.days[0]).toEqual({ day: from, visitors: 3, newVisitors: 2, sessions: 4, pageViews: 9, bounces: 1, durationMs: 400_000, bounceRate: 0.25, avgSessionDurationMs: 100_000 });
    expect(stats.days[1]).toEqual({ day: day(1), visitors: 0, newVisitors: 0, sessions: 0, pageViews: 0, bounces: 0, durationMs: 0, bounceRate: null, avgSessionDurationMs: null });
    expect(stats.totals).toEqual({ visitors: 5, newVisitors: 2, sessions: 6, pageViews: 11, bounces: 3, durationMs: 400_000, bounceRate: 0.5, avgSessionDurationMs: 400_000 / 6 });

    expect(stats.pages).toEqual([
      { path: '/pricing', views: 6, visits: 4 },
      { path: '/', views: 5, visits: 4 },
    ]);
    // Zero rows are skipped; ties are ordered by value.
    expect(stats.entryPages).toEqual([
      { value: '/', sessions: 4 },
      { value: '/pricing', sessions: 2 },
    ]);
    expect(stats.referrers).toEqual([
      { value: '(direct)', sessions: 3 },
      { value: 'https://www.google.com', sessions: 3 },
    ]);
    expect(stats.browsers).toEqual([
      { value: 'chrome', sessions: 2 },
      { value: 'firefox', sessions: 2 },
    ]);
    expect(stats.deviceTypes).toEqual([{ value: 'mobile', sessions: 2 }]);
    expect(stats.utmCampaigns).toEqual([{ value: 'autumn', sessions: 1 }]);
    expect(stats.exitPages).toEqual([]);
    expect(stats.operatingSystems).toEqual([]);
  });

  it('reads one day, keeps the top rows when asked, and gives zeros for a range without data', async () => {
    const one = await getStats({ from: day(40), to: day(40) }, { ...options, top: 1 });
    expect(one.totals).toMatchObject({ sessions: 2, bounces: 2, bounceRate: 1, avgSessionDurationMs: 0 });
    expect(one.pages).toEqual([{ path: '/pricing', views: 2, visits: 2 }]);
    const twoPages = await getStats({ from, to: day(44) }, { ...options, top: 1 });
    expect(twoPages.pages).toEqual([{ path: '/pricing', views: 6, visits: 4 }]);
    expect(twoPages.referrers).toHaveLength(1);

    const empty = await getStats({ from: day(10), to: day(12) }, options);
    expect(empty.days).toHaveLength(3);
    expect(empty.totals).toMatchObject({ visitors: 0, sessions: 0, bounceRate: null, avgSessionDurationMs: null });
    expect(empty.pages).toEqual([]);
  });

  it('counts malformed counters as 0, ignores foreign sort keys, and skips items past their TTL', async () => {
    const target = day(20);
    const put = (Item: Record<string, unknown>) => dynamo.documentClient.send(new PutCommand({ TableName: TABLE, Item }));
    const pk = `${STATS_PARTITION_PREFIX}${target.slice(0, 7)}`;
    await put({ [TABLE_KEYS.partitionKey]: pk, [TABLE_KEYS.sortKey]: totalSortKey(target), visitors: 'many', sessions: 2, pageViews: 3 });
    await put({ [TABLE_KEYS.partitionKey]: pk, [TABLE_KEYS.sortKey]: `${target}#unknown#x`, sessions: 50 });
    await put({ [TABLE_KEYS.partitionKey]: pk, [TABLE_KEYS.sortKey]: `${target}#browser#expired`, sessions: 7, [TABLE_KEYS.ttlAttribute]: Math.floor(Date.now() / 1000) + 3600 });
    const stats = await getStats({ from: target, to: target }, { ...options, now: Date.now() + 2 * 3_600_000 });
    expect(stats.totals).toMatchObject({ visitors: 0, sessions: 2, pageViews: 3 });
    expect(stats.browsers).toEqual([]);
    const earlier = await getStats({ from: target, to: target }, options);
    expect(earlier.browsers).toEqual([{ value: 'expired', sessions: 7 }]);
  });
});
