/**
 * The daily statistics agree exactly with the per-session records, through the real store and
 * DynamoDB Local, under what the sessions already survive: records delivered 2-3 times, shuffled (so a
 * session's views arrive out of order and its entry moves), several batches at once, and a network
 * that fails requests before they are sent and loses the answers of requests that were applied (the
 * SDK then retries a write DynamoDB already made).
 */
import { Logger } from '@aws-lambda-powertools/logger';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import type { RetryStrategyV2 } from '@smithy/types';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { aggregateBatch, forEachLimited, type IncomingRecord } from '../../lambdas/aggregator/batch-aggregator';
import { createDynamoSessionStore } from '../../lambdas/aggregator/dynamodb-session-store';
import { createDynamoStatisticsStore } from '../../lambdas/aggregator/dynamodb-statistics-store';
import type { PageViewMessage } from '../../lambdas/contract/page-view-message';
import { queueBody } from '../../lambdas/contract/queue-body';
import { parseStatsSortKey } from '../../lambdas/contract/statistics-layout';
import { calendarDay } from '../../lambdas/statistics/calendar-day';
import { expectedStatistics, scanTable, sessionItemsOf, statisticsMismatches, storedStatistics } from '../../harness/statistics-truth';
import { documentClientFor, startDynamo, type LocalDynamo } from '../../harness/local-aws';
import { opaqueId } from '../../harness/queue-messages';
import { seededRandom, shuffled, type Random } from '../../harness/seeded-random';
import { freePort } from '../../local-runtime/free-port';
import { createLocalTable } from '../../local-runtime/table';
import { LOCAL_CREDENTIALS, LOCAL_REGION } from '../../local-runtime/sqs-server';

const TIME_ZONE = 'America/New_York';
const RETENTION_DAYS = 30;
const PATHS = ['/', '/pricing', '/docs', '/docs/start', '/blog', '/about', '/signup'];
const CLASSES = [
  { browser: 'chrome', os: 'windows', type: 'desktop' },
  { browser: 'safari', os: 'ios', type: 'mobile' },
  { browser: 'firefox', os: 'linux', type: 'desktop' },
] as const;

const pick = <T>(random: Random, items: readonly T[]): T => items[Math.floor(random() * items.length)] as T;

/** Sessions over the last three days (so some cross midnight in New York), about 4 views each. */
function generateViews(random: Random, devices: number): PageViewMessage[] {
  const now = Date.now();
  const views: PageViewMessage[] = [];
  for (let device = 0; device < devices; device += 1) {
    const deviceId = opaqueId();
    const deviceClass = pick(random, CLASSES);
    const sessions = 1 + Math.floor(random() * 3);
    for (let session = 0; session < sessions; session += 1) {
      const sessionId = opaqueId();
      let ts = now - 3_600_000 - Math.floor(random() * 70 * 3_600_000);
      const count = 1 + Math.floor(random() * 7);
      for (let index = 0; index < count; index += 1) {
        const entry = index === 0;
        views.push({
          type: 'page_view',
          v: 1,
          id: opaqueId(),
          deviceId,
          sessionId,
          sessionStarted: entry,
          ts,
          path: pick(random, PATHS),
          ...(entry && random() < 0.5 ? { referrer: { origin: pick(random, ['https://www.google.com', 'https://news.ycombinator.com']), path: '/' } } : {}),
          ...(entry && random() < 0.3 ? { utm: { utm_source: pick(random, ['newsletter', 'mastodon']), utm_campaign: 'launch' } } : {}),
          device: deviceClass,
        });
        ts += 5_000 + Math.floor(random() * 20 * 60_000);
      }
    }
  }
  return views;
}

/**
 * A client whose requests fail at random: some never leave (connection refused), some are applied by
 * DynamoDB Local and then answered with a reset connection, which the SDK retries. Only first attempts
 * lose their answer and their retry always goes through, so no write is applied without its writer
 * learning it (what happens otherwise: docs/statistics.md).
 */
async function flakyClient(endpoint: string, random: Random, flaky: boolean) {
  const closedPort = await freePort();
  let unanswered = 0;
  // The SDK's retry of a request sends the same body: it always goes through.
  const retried = new Set<string>();
  const bodyOf = (body: unknown) => (typeof body === 'string' ? body : Buffer.from(body as Uint8Array).toString('utf8'));
  class FlakyHandler extends NodeHttpHandler {
    override async handle(...[request, options]: Parameters<NodeHttpHandler['handle']>) {
      if (!flaky || retried.delete(bodyOf(request.body))) return super.handle(request, options);
      const roll = random();
      // Only a first attempt loses its answer: the SDK has one more attempt to learn what happened.
      const firstAttempt = String(request.headers['amz-sdk-request'] ?? '').startsWith('attempt=1;');
      if (roll < 0.15) request.port = closedPort;
      const result = await super.handle(request, options);
      if (firstAttempt && roll >= 0.15 && roll < 0.2) {
        unanswered += 1;
        retried.add(bodyOf(request.body));
        (result.response.body as { destroy?: () => void } | undefined)?.destroy?.();
        throw Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' });
      }
      return result;
    }
  }
  // Two attempts per request, without the SDK's retry quota (which a network this bad would empty).
  const retryStrategy: RetryStrategyV2 = {
    acquireInitialRetryToken: async () => ({ getRetryCount: () => 0, getRetryDelay: () => 0 }),
    refreshRetryTokenForRetry: async (token, error) => {
      if (token.getRetryCount() >= 1 || error.errorType === 'CLIENT_ERROR') throw new Error('no more attempts');
      return { getRetryCount: () => token.getRetryCount() + 1, getRetryDelay: () => 5 };
    },
    recordSuccess: () => undefined,
  };
  const client = new DynamoDBClient({ endpoint, region: LOCAL_REGION, credentials: LOCAL_CREDENTIALS, retryStrategy, requestHandler: new FlakyHandler() });
  return { documentClient: documentClientFor(client), destroy: () => client.destroy(), unanswered: () => unanswered, neverRetried: () => [...retried] };
}

let dynamo: LocalDynamo;
beforeAll(async () => {
  dynamo = await startDynamo();
}, 60_000);
afterAll(async () => dynamo?.stop());

describe('daily statistics', () => {
  /**
   * Two runs: concurrent batches on a sound network, and one batch at a time on the flaky one. Both at
   * once can lose a write's statistics: an applied write whose answer is lost and whose item another
   * batch changes before the SDK's retry (docs/statistics.md, "How the statistics are written").
   */
  it.each([
    { network: 'sound', inFlight: 4 },
    { network: 'flaky', inFlight: 1 },
  ])('equal the sum of the session records and the true visitors: redelivery, shuffling, $network network, $inFlight batches in flight', async ({ network, inFlight }) => {
    const table = `statistics-${network}`;
    await createLocalTable(dynamo.client, table);
    const random = seededRandom(20_261_202);
    const views = generateViews(random, 120);

    // Records of 1 to 4 messages (version 2 bodies), 20% delivered two or three times, all shuffled.
    const records: IncomingRecord[] = [];
    for (let index = 0; index < views.length; ) {
      const size = 1 + Math.floor(random() * 4);
      const body = queueBody(views.slice(index, index + size).map((view) => JSON.stringify(view)));
      index += size;
      const copies = random() < 0.2 ? 2 + Math.floor(random() * 2) : 1;
      for (let copy = 0; copy < copies; copy += 1) records.push({ recordId: `r${records.length}`, body });
    }

    const flaky = await flakyClient(dynamo.server.endpoint, seededRandom(7), network === 'flaky');
    const deps = {
      store: createDynamoSessionStore({ client: flaky.documentClient, tableName: table, retentionDays: RETENTION_DAYS, timeZone: TIME_ZONE, maxMergeAttempts: 20 }),
      statistics: { store: createDynamoStatisticsStore({ client: flaky.documentClient, tableName: table, retentionMonths: 25 }), timeZone: TIME_ZONE },
      logger: new Logger({ logLevel: 'SILENT' }),
    };
    let pending = shuffled(random, records);
    let rounds = 0;
    let statisticsFailures = 0;
    while (pending.length > 0 && rounds < 30) {
      rounds += 1;
      const batches: IncomingRecord[][] = [];
      for (let index = 0; index < pending.length; index += 25) batches.push(pending.slice(index, index + 25));
      const failed: IncomingRecord[] = [];
      await forEachLimited(batches, inFlight, async (batch) => {
        const outcome = await aggregateBatch(batch, deps);
        statisticsFailures += outcome.counts.StatisticsWriteFailures;
        const ids = new Set(outcome.failedRecordIds);
        failed.push(...batch.filter((record) => ids.has(record.recordId)));
      });
      pending = shuffled(random, failed);
    }
    flaky.destroy();
    expect(pending).toEqual([]);
    if (network === 'flaky') {
      expect(rounds).toBeGreaterThan(1);
      expect(flaky.unanswered()).toBeGreaterThan(10);
      expect(flaky.neverRetried()).toEqual([]);
    }
    expect(statisticsFailures).toBe(0);

    const items = await scanTable(dynamo.documentClient, table);
    const sessions = sessionItemsOf(items);
    expect(sessions.reduce((sum, session) => sum + session.pageViews, 0)).toBe(views.length);
    // Expected: every session record's contribution, and visitors from the truth.
    const expectedStats = expectedStatistics(items, views, TIME_ZONE);

    const stored = storedStatistics(items);
    expect(Object.keys(stored).length).toBeGreaterThan(50);
    expect(stored).toEqual(expectedStats);
    expect(statisticsMismatches(stored, expectedStats)).toBe(0);
    for (const sk of Object.keys(stored)) expect(parseStatsSortKey(sk)).toBeDefined();
    // Several days, as the trace crosses midnight in New York.
    expect(new Set(Object.keys(stored).map((sk) => sk.slice(0, 10))).size).toBeGreaterThanOrEqual(3);
  }, 300_000);

  it('a statistics update that fails does not fail the counted records: it is logged with its counts and counted', async () => {
    const table = 'statistics-failing';
    await createLocalTable(dynamo.client, table);
    const views = generateViews(seededRandom(3), 3);
    const errors: unknown[][] = [];
    const logger = new Logger({ logLevel: 'SILENT' });
    logger.error = (...args: unknown[]) => void errors.push(args);
    const outcome = await aggregateBatch(
      views.map((view, index) => ({ recordId: `r${index}`, body: JSON.stringify(view) })),
      {
        store: createDynamoSessionStore({ client: dynamo.documentClient, tableName: table, retentionDays: RETENTION_DAYS, timeZone: TIME_ZONE }),
        statistics: { store: { apply: () => Promise.reject(new Error('throttled')), countCookieless: () => Promise.reject(new Error('unused')) }, timeZone: TIME_ZONE },
        logger,
      },
    );
    expect(outcome.failedRecordIds).toEqual([]);
    expect(outcome.counts.AggregatedPageViews).toBe(views.length);
    expect(outcome.counts.StatisticsWriteFailures).toBeGreaterThan(5);
    expect(errors).toHaveLength(1);
    expect(JSON.stringify(errors[0])).toContain('#total');
  }, 60_000);

  it('counts cookieless views once each in the page views, through redelivery, without any identifier', async () => {
    const table = 'statistics-cookieless';
    await createLocalTable(dynamo.client, table);
    const now = Date.now();
    const views = Array.from({ length: 45 }, (_, index) => ({
      type: 'cookieless_view' as const,
      v: 1 as const,
      id: opaqueId(),
      ts: now - 60_000 - index * 1_000,
      path: index % 3 === 0 ? '/pricing' : '/',
      device: { browser: 'firefox', os: 'linux', type: 'desktop' as const },
    }));
    const deps = {
      store: createDynamoSessionStore({ client: dynamo.documentClient, tableName: table, retentionDays: RETENTION_DAYS, timeZone: TIME_ZONE }),
      statistics: { store: createDynamoStatisticsStore({ client: dynamo.documentClient, tableName: table, retentionMonths: 25 }), timeZone: TIME_ZONE },
      logger: new Logger({ logLevel: 'SILENT' }),
    };
    const record = (view: (typeof views)[number], index: number) => ({ recordId: `c${index}`, body: JSON.stringify(view) });
    // The first 40 views, one of them twice in the same batch; then all 45, as a redelivery would.
    const first = await aggregateBatch([...views.slice(0, 40), views[0] as (typeof views)[number]].map(record), deps);
    expect(first.failedRecordIds).toEqual([]);
    expect(first.counts.CookielessPageViews).toBe(40);
    const second = await aggregateBatch(views.map(record), deps);
    expect(second.counts.CookielessPageViews).toBe(5);
    expect(second.counts.DuplicatePageViews).toBe(40);

    const items = await scanTable(dynamo.documentClient, table);
    const stored = storedStatistics(items);
    const days = new Set(views.map((view) => calendarDay(view.ts, TIME_ZONE)));
    const sum = (suffix: string, counter: string) => [...days].reduce((total, day) => total + (stored[`${day}#${suffix}`]?.[counter] ?? 0), 0);
    expect(sum('total', 'pageViews')).toBe(45);
    expect(sum('page#/pricing', 'views')).toBe(15);
    expect(sum('total', 'sessions') + sum('total', 'visitors') + sum('page#/pricing', 'visits')).toBe(0);
    // Nothing but anonymous counts and the views' markers (no device, no session).
    expect(items.every((item) => /^(STATS#|VIEW#)/.test(String(item.pk)))).toBe(true);
  }, 60_000);
});

