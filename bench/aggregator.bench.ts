/**
 * `npm run bench:aggregator`: the consumer's write cost and exactness, through the real handler against
 * DynamoDB Local, on a synthetic but realistic stream (seeded, so every run sees the same stream).
 *
 * - Stream: 5,000 devices (about 1.2 sessions each), about 4 views per session with human pacing (5 s to
 *   5 min between views, log-uniform), sessions starting over one hour, so about 6-7 views/s arrive and a
 *   batch of 100 spans about 15 s: views of one session rarely share a batch.
 * - Cost: WCU per (distinct) page view, summed from ReturnConsumedCapacity (DynamoDB Local reports it,
 *   sized by item, max of before/after), plus 1+ WCU per failed conditional write (DynamoDB bills those
 *   but returns no ConsumedCapacity with the error; charged by the stored item's size). Ours against a
 *   naive design (update the device and the session once per view, what Redis `hset` + `expire` did),
 *   with 1% of messages delivered twice, at default batching (batches of 100 in time order), with a
 *   60-second batching window (batch size 10,000, so the window closes every batch), and as the stack
 *   deploys it: views held by one authorizer environment and sent in version 2 bodies (a fifteenth of the
 *   batching window), the default batch size and window. The last line gives the deployed figure.
 * - Statistics: the daily statistics' transactions, in WCU per view beside the device and session
 *   writes: 2 WCU per item per KB, computed by the statistics store (DynamoDB Local reports 2 for any
 *   transaction).
 * - Exactness: a stress stream with 20% of messages delivered 2 or 3 times, shuffled across batches,
 *   4 batches in flight at once; every device read back with getDevice and compared with the truth, and
 *   the statistics with the session records and the true visitors (also after every cost run of ours);
 *   `exact: yes` only when all of them match.
 */
import { Logger } from '@aws-lambda-powertools/logger';
import type { SQSEvent } from 'aws-lambda';
import { UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { getDevice } from '../lambdas/read-api/device-reader';
import { createDynamoSessionStore, type CapacityUse } from '../lambdas/aggregator/dynamodb-session-store';
import { forEachLimited } from '../lambdas/aggregator/batch-aggregator';
import { createAggregatorHandler } from '../lambdas/aggregator/handler';
import { createDynamoStatisticsStore } from '../lambdas/aggregator/dynamodb-statistics-store';
import { FUNCTION_SETTINGS } from '../lambdas/contract/function-settings';
import { expectedStatistics, scanTable, statisticsMismatches, storedStatistics } from '../harness/statistics-truth';
import { emptyCounts } from '../lambdas/aggregator/telemetry';
import { parseQueueBody, type PageViewMessage } from '../lambdas/contract/page-view-message';
import { queueBody } from '../lambdas/contract/queue-body';
import { toSqsEvent } from '../local-runtime/sqs-lambda-event';
import { HOLD_LIMITS } from '../lambdas/authorizer/held-page-views';
import { holdMsForBatchingWindow } from '../lambdas/contract/settings';
import { TRACKING_DEFAULTS } from '../lib/tracking-settings';
import { expiresAtSeconds } from '../lambdas/aggregation/retention';
import { startLocalDynamoDb } from '../local-runtime/dynamodb-local';
import { createLocalTable } from '../local-runtime/table';
import { LOCAL_CREDENTIALS, LOCAL_REGION } from '../local-runtime/sqs-server';
import { DynamoDBDocumentClient as DocumentClient } from '@aws-sdk/lib-dynamodb';
import { seededRandom, shuffled, type Random } from '../harness/seeded-random';
import { mkdirSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { AggregatorResults, CostRun } from './aggregator/results';

const SEED = 20_261_129;
/** Batches the stress run keeps in flight at once. */
const STRESS_IN_FLIGHT = 4;
const DEVICES = 5_000;
const RETENTION_DAYS = 30;
/** The trace starts three days before this run, on the hour, so its TTLs are measured from today. */
const BASE_TS = Math.floor(Date.now() / 3_600_000) * 3_600_000 - 3 * 86_400_000;
const PATHS = ['/', '/pricing', '/docs', '/docs/start', '/docs/api', '/blog', '/blog/cookies', '/blog/serverless', '/about', '/contact', '/signup', '/login', '/features', '/customers', '/careers'];
const REFERRERS = [{ origin: 'https://www.google.com', path: '/' }, { origin: 'https://news.ycombinator.com', path: '/item' }, { origin: 'https://twitter.com', path: '/x' }];
const DEVICE_CLASSES = [
  { browser: 'chrome', os: 'windows', type: 'desktop' },
  { browser: 'safari', os: 'ios', type: 'mobile' },
  { browser: 'chrome', os: 'android', type: 'mobile' },
  { browser: 'firefox', os: 'linux', type: 'desktop' },
  { browser: 'safari', os: 'macos', type: 'desktop' },
] as const;


const pick = <T>(random: Random, items: readonly T[]): T => items[Math.floor(random() * items.length)] as T;
function opaqueId(random: Random): string {
  const bytes = Buffer.alloc(16);
  for (let index = 0; index < 16; index += 1) bytes[index] = Math.floor(random() * 256);
  return bytes.toString('base64url');
}

/** The distinct page views of the synthetic site, in time order. */
function generateViews(random: Random): PageViewMessage[] {
  const views: PageViewMessage[] = [];
  for (let device = 0; device < DEVICES; device += 1) {
    const deviceId = opaqueId(random);
    const deviceClass = pick(random, DEVICE_CLASSES);
    const sessions = random() < 0.8 ? 1 : random() < 0.75 ? 2 : 3;
    let sessionStart = BASE_TS + Math.floor(random() * 1_200_000);
    for (let session = 0; session < sessions; session += 1) {
      const sessionId = opaqueId(random);
      // 1 + geometric with mean 3: about 4 views per session.
      let count = 1;
      while (random() < 0.75) count += 1;
      let ts = sessionStart;
      for (let index = 0; index < count; index += 1) {
        const entry = index === 0;
        views.push({
          type: 'page_view',
          v: 1,
          id: opaqueId(random),
          deviceId,
          sessionId,
          sessionStarted: entry,
          ts,
          path: pick(random, PATHS),
          ...(entry && random() < 0.5 ? { referrer: pick(random, REFERRERS) } : {}),
          ...(entry && random() < 0.2 ? { utm: { utm_source: 'newsletter', utm_campaign: 'autumn' } } : {}),
          device: deviceClass,
        });
        ts += Math.round(5_000 * Math.exp(random() * Math.log(60))); // 5 s .. 5 min, log-uniform
      }
      sessionStart = ts + 1_800_000 + Math.floor(random() * 600_000); // the next visit, after the 30-min timeout
    }
  }
  return views.sort((a, b) => a.ts - b.ts || (a.id < b.id ? -1 : 1));
}

/** Deliveries with `rate` of messages delivered again, each copy a little later (a redelivery). */
function withDuplicates(random: Random, views: readonly PageViewMessage[], rate: number, copies: () => number): PageViewMessage[] {
  const slots: { at: number; view: PageViewMessage }[] = views.map((view, index) => ({ at: index, view }));
  views.forEach((view, index) => {
    if (random() >= rate) return;
    for (let copy = copies(); copy > 0; copy -= 1) slots.push({ at: index + 1 + random() * 2_000, view });
  });
  return slots.sort((a, b) => a.at - b.at).map((slot) => slot.view);
}

/** How much a batching leaves to coalesce: views that share a batch with another view of their session. */
function batchStats(batches: readonly Batch[]) {
  let shared = 0;
  let spanMs = 0;
  for (const batch of batches) {
    const perSession = new Map<string, Set<string>>();
    for (const message of batch.records) perSession.set(message.sessionId, (perSession.get(message.sessionId) ?? new Set()).add(message.id));
    for (const ids of perSession.values()) if (ids.size > 1) shared += ids.size;
    spanMs += batch.lastAt - batch.openedAt;
  }
  const records = batches.reduce((sum, batch) => sum + batch.records.length, 0);
  return { sharedShare: shared / records, meanSpanSeconds: spanMs / batches.length / 1000, meanSize: records / batches.length };
}

/** Batches as the event source mapping cuts them: at `maxSize` SQS messages or when `windowMs` has passed. */
interface Batch {
  /** Every view delivered in the batch. */
  records: PageViewMessage[];
  /** The SQS messages: one view each, or several (a version 2 body). */
  bodies: PageViewMessage[][];
  /** Arrival clock (epoch ms) when the batch opened and when its last record arrived. */
  openedAt: number;
  lastAt: number;
}

/** An SQS message and when it reaches the queue. */
interface Arrival {
  views: PageViewMessage[];
  at: number;
}

/** One view per message; a redelivered copy arrives later than its view's time, never earlier. */
function oneViewPerMessage(deliveries: readonly PageViewMessage[]): Arrival[] {
  let clock = 0;
  return deliveries.map((view) => {
    clock = Math.max(clock, view.ts);
    return { views: [view], at: clock };
  });
}

/**
 * The deployed authorizer's delivery (held-page-views.ts): one execution environment (at this stream's
 * rate the cost model's ceil(0.02 x requests a second) gives one) holds views and sends them in one
 * version 2 body when the oldest has waited `holdMs` or the body is full.
 */
function heldBodies(deliveries: readonly PageViewMessage[], holdMs: number): Arrival[] {
  const arrivals: Arrival[] = [];
  let held: PageViewMessage[] = [];
  let heldSince = 0;
  let clock = 0;
  for (const view of deliveries) {
    clock = Math.max(clock, view.ts);
    if (held.length > 0 && (clock - heldSince >= holdMs || held.length >= HOLD_LIMITS.maxViews)) {
      arrivals.push({ views: held, at: clock });
      held = [];
    }
    if (held.length === 0) heldSince = clock;
    held.push(view);
  }
  if (held.length > 0) arrivals.push({ views: held, at: clock });
  return arrivals;
}

function cutBatches(deliveries: readonly PageViewMessage[], maxSize: number, windowMs?: number): Batch[] {
  return cutArrivals(oneViewPerMessage(deliveries), maxSize, windowMs);
}

function cutArrivals(arrivals: readonly Arrival[], maxSize: number, windowMs?: number): Batch[] {
  const batches: Batch[] = [];
  let current: Batch | undefined;
  for (const { views, at } of arrivals) {
    if (current && (current.bodies.length >= maxSize || (windowMs !== undefined && at - current.openedAt >= windowMs))) {
      batches.push(current);
      current = undefined;
    }
    current ??= { records: [], bodies: [], openedAt: at, lastAt: at };
    current.records.push(...views);
    current.bodies.push(views);
    current.lastAt = at;
  }
  if (current) batches.push(current);
  return batches;
}

let recordCounter = 0;
const BENCH_QUEUE = { queueArn: 'arn:aws:sqs:us-east-1:000000000000:page-views', region: LOCAL_REGION };
/** One SQS record per body, as the local event source mapping builds them. */
function toEvent(bodies: readonly PageViewMessage[][]): SQSEvent {
  const messages = bodies.map((views) => {
    recordCounter += 1;
    const sent = String(views[0]?.ts ?? 0);
    return {
      MessageId: `m-${recordCounter}`,
      ReceiptHandle: `r-${recordCounter}`,
      Body: queueBody(views.map((view) => JSON.stringify(view))),
      Attributes: { SentTimestamp: sent, ApproximateFirstReceiveTimestamp: sent },
    };
  });
  return toSqsEvent(messages, BENCH_QUEUE);
}

interface Meter {
  /** Device and session writes (and the naive design's writes). */
  writeUnits: number;
  requests: number;
  failedConditions: number;
  deviceWrites: number;
  /** The daily statistics' transactions. */
  statisticsUnits: number;
  statisticsTransactions: number;
  statisticsItems: number;
}
const newMeter = (): Meter => ({ writeUnits: 0, requests: 0, failedConditions: 0, deviceWrites: 0, statisticsUnits: 0, statisticsTransactions: 0, statisticsItems: 0 });
const TIME_ZONE = FUNCTION_SETTINGS.statsTimeZone.default;

function statisticsFor(client: DynamoDBDocumentClient, tableName: string, meter: Meter) {
  const store = createDynamoStatisticsStore({
    client,
    tableName,
    retentionMonths: FUNCTION_SETTINGS.statsRetentionMonths.default,
    onCapacity(units, items) {
      meter.statisticsUnits += units;
      meter.statisticsTransactions += 1;
      meter.statisticsItems += items;
    },
  });
  return { store, timeZone: TIME_ZONE };
}

type BatchRunner = (event: SQSEvent) => Promise<{ batchItemFailures: { itemIdentifier: string }[] }>;

function ours(client: DynamoDBDocumentClient, tableName: string, meter: Meter): BatchRunner {
  const store = createDynamoSessionStore({
    client,
    tableName,
    retentionDays: RETENTION_DAYS,
    onCapacity(use: CapacityUse) {
      meter.writeUnits += use.writeUnits;
      meter.requests += 1;
      if (use.conditionFailed) meter.failedConditions += 1;
      if (use.operation === 'device') meter.deviceWrites += 1;
    },
  });
  return createAggregatorHandler({ store, statistics: statisticsFor(client, tableName, meter), logger: new Logger({ logLevel: 'SILENT' }), metrics: { publish: () => undefined } });
}

/** The naive design: per view, update the device and the session (no deduplication, no coalescing). */
function naive(client: DynamoDBDocumentClient, tableName: string, meter: Meter): BatchRunner {
  const write = async (command: UpdateCommand) => {
    const result = await client.send(command);
    meter.writeUnits += result.ConsumedCapacity?.CapacityUnits ?? 0;
    meter.requests += 1;
  };
  const perView = async (view: PageViewMessage) => {
    const expiresAt = expiresAtSeconds(view.ts, RETENTION_DAYS);
    await write(
      new UpdateCommand({
        TableName: tableName,
        Key: { pk: `DEVICE#${view.deviceId}`, sk: 'DEVICE' },
        UpdateExpression: 'SET firstSeen = if_not_exists(firstSeen, :ts), lastSeen = :ts, lastPath = :path, expiresAt = :exp ADD pageViews :one',
        ExpressionAttributeValues: { ':ts': view.ts, ':path': view.path, ':exp': expiresAt, ':one': 1 },
        ReturnConsumedCapacity: 'TOTAL',
      }),
    );
    meter.deviceWrites += 1;
    await write(
      new UpdateCommand({
        TableName: tableName,
        Key: { pk: `DEVICE#${view.deviceId}`, sk: `SESSION#${view.sessionId}` },
        UpdateExpression:
          'SET #start = if_not_exists(#start, :ts), entryPath = if_not_exists(entryPath, :path), device = if_not_exists(device, :device), lastActivity = :ts, exitPath = :path, expiresAt = :exp ADD pageViews :one',
        ExpressionAttributeNames: { '#start': 'start' },
        ExpressionAttributeValues: { ':ts': view.ts, ':path': view.path, ':device': view.device, ':exp': expiresAt, ':one': 1 },
        ReturnConsumedCapacity: 'TOTAL',
      }),
    );
  };
  return async (event) => {
    const views = event.Records.map((record) => parseQueueBody(record.body)).flatMap((parsed) =>
      parsed.ok ? parsed.messages.filter((message): message is PageViewMessage => message.type === 'page_view') : [],
    );
    await forEachLimited(views, 16, perView);
    return { batchItemFailures: [] };
  };
}

async function runBatches(runner: BatchRunner, batches: readonly Batch[], inFlight: number) {
  let failedRecords = 0;
  const started = process.hrtime.bigint();
  await forEachLimited(batches, inFlight, async (batch) => {
    const response = await runner(toEvent(batch.bodies));
    failedRecords += response.batchItemFailures.length;
  });
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  return { seconds, failedRecords };
}

/** Compares what getDevice returns for every device with the truth computed from the distinct views. */
async function checkExact(client: DynamoDBDocumentClient, tableName: string, views: readonly PageViewMessage[]) {
  const byDevice = new Map<string, PageViewMessage[]>();
  for (const view of views) byDevice.set(view.deviceId, [...(byDevice.get(view.deviceId) ?? []), view]);
  const now = BASE_TS + 2 * 86_400_000;
  let mismatches = 0;
  const deviceIds = [...byDevice.keys()];
  await forEachLimited(deviceIds, 16, async (deviceId) => {
    const list = byDevice.get(deviceId) ?? [];
    const record = await getDevice(deviceId, { client, tableName, now, consistentRead: true });
    const sessions = new Map<string, PageViewMessage[]>();
    for (const view of list) sessions.set(view.sessionId, [...(sessions.get(view.sessionId) ?? []), view]);
    const expected = [...sessions.entries()].map(([sessionId, sessionViews]) => {
      const sorted = [...sessionViews].sort((a, b) => a.ts - b.ts || (a.id < b.id ? -1 : 1));
      const first = sorted[0] as PageViewMessage;
      const last = sorted[sorted.length - 1] as PageViewMessage;
      return `${sessionId}:${sorted.length}:${first.ts}:${last.ts}:${first.path}:${last.path}:${first.referrer?.origin ?? '-'}`;
    });
    const actual = (record?.sessions ?? []).map(
      (session) => `${session.sessionId}:${session.pageViews}:${session.start}:${session.lastActivity}:${session.entryPath}:${session.exitPath}:${session.referrer?.origin ?? '-'}`,
    );
    const latest = [...list].sort((a, b) => b.ts - a.ts || (a.id < b.id ? 1 : -1))[0];
    const lastSeen = latest?.ts;
    const ok =
      record !== undefined &&
      record.device.pageViews === list.length &&
      record.device.sessionCount === sessions.size &&
      record.device.lastSeen === lastSeen &&
      record.device.lastPath === latest?.path &&
      record.device.firstSeen === Math.min(...list.map((view) => view.ts)) &&
      JSON.stringify([...expected].sort()) === JSON.stringify([...actual].sort());
    if (!ok) mismatches += 1;
  });
  const items = await scanTable(client, tableName);
  const statistics = statisticsMismatches(storedStatistics(items), expectedStatistics(items, views, TIME_ZONE));
  return { devices: deviceIds.length, mismatches, statistics };
}

const fmt = (value: number, digits = 3) => value.toFixed(digits);

/** The cost figures rest on DynamoDB Local reporting ConsumedCapacity by item size: check it first. */
async function probeConsumedCapacity(client: DynamoDBDocumentClient, tableName: string) {
  const units = async (bytes: number) => {
    const result = await client.send(
      new UpdateCommand({
        TableName: tableName,
        Key: { pk: 'probe', sk: String(bytes) },
        UpdateExpression: 'SET padding = :padding',
        ExpressionAttributeValues: { ':padding': 'x'.repeat(bytes) },
        ReturnConsumedCapacity: 'TOTAL',
      }),
    );
    return result.ConsumedCapacity?.CapacityUnits;
  };
  const small = await units(300);
  const large = await units(1_500);
  if (small === undefined || large === undefined) {
    throw new Error('DynamoDB Local returned no ConsumedCapacity: the WCU figures would be meaningless.');
  }
  console.log(`DynamoDB Local reports ConsumedCapacity: ${small} WCU for a 0.3 KB item, ${large} for a 1.5 KB item`);
}

async function main() {
  const server = await startLocalDynamoDb();
  const raw = new DynamoDBClient({ endpoint: server.endpoint, region: LOCAL_REGION, credentials: LOCAL_CREDENTIALS, maxAttempts: 5 });
  const client = DocumentClient.from(raw, { marshallOptions: { removeUndefinedValues: true } });
  let tables = 0;
  const freshTable = async () => {
    tables += 1;
    const name = `bench-${tables}`;
    await createLocalTable(raw, name);
    return name;
  };

  try {
    await probeConsumedCapacity(client, await freshTable());
    const random = seededRandom(SEED);
    const views = generateViews(random);
    const sessionCount = new Set(views.map((view) => view.sessionId)).size;
    const spanMinutes = ((views.at(-1)?.ts ?? 0) - (views[0]?.ts ?? 0)) / 60_000;
    const rate = views.length / ((((views.at(-1)?.ts ?? 0) - (views[0]?.ts ?? 0)) || 1) / 1000);
    console.log(`stream: ${views.length} page views, ${DEVICES} devices, ${sessionCount} sessions (${fmt(views.length / sessionCount, 2)} views/session), ${fmt(spanMinutes, 0)} minutes (${fmt(rate, 1)} views/s), seed ${SEED}`);
    const onePercent = withDuplicates(random, views, 0.01, () => 1);
    console.log(`cost stream: ${onePercent.length} deliveries (${onePercent.length - views.length} duplicates, 1%)`);

    let inexactRuns = 0;
    const runs: CostRun[] = [];
    const costRun = async (key: CostRun['key'], label: string, design: 'ours' | 'naive', batches: Batch[]) => {
      const table = await freshTable();
      const meter = newMeter();
      const runner = design === 'ours' ? ours(client, table, meter) : naive(client, table, meter);
      const { seconds, failedRecords } = await runBatches(runner, batches, 1);
      const wcu = meter.writeUnits / views.length;
      const statistics = meter.statisticsUnits / views.length;
      const exact = design === 'ours' ? await checkExact(client, table, views) : undefined;
      const matchesTruth = exact !== undefined && exact.mismatches === 0 && exact.statistics === 0;
      if (exact !== undefined && !(matchesTruth && failedRecords === 0)) inexactRuns += 1;
      console.log(
        `${label.padEnd(34)} ${String(batches.length).padStart(5)} batches  ${fmt(views.length / seconds, 0).padStart(6)} views/s  ` +
          `${fmt(wcu)} WCU/view  (${meter.requests} writes, ${meter.deviceWrites} device, ${meter.failedConditions} failed conditions, ${failedRecords} failed records)` +
          (design === 'ours' ? `  statistics +${fmt(statistics)} WCU/view (${meter.statisticsTransactions} transactions, ${meter.statisticsItems} item updates)` : '') +
          (exact ? `  exact: ${matchesTruth ? 'yes' : `no (${exact.mismatches} devices, ${exact.statistics} statistics items differ)`}` : ''),
      );
      runs.push({
        key,
        design,
        batches: batches.length,
        sharedShare: batchStats(batches).sharedShare,
        viewsPerSecond: views.length / seconds,
        wcuPerView: wcu,
        writes: meter.requests,
        deviceWrites: meter.deviceWrites,
        failedConditions: meter.failedConditions,
        failedRecords,
        ...(design === 'ours'
          ? {
              statistics: { wcuPerView: statistics, transactions: meter.statisticsTransactions, itemUpdates: meter.statisticsItems },
              exact: matchesTruth && failedRecords === 0,
            }
          : {}),
      });
      return { wcu, statistics };
    };

    // Warm the JVM (DynamoDB Local) and V8 on both designs first, so neither measured run pays for it.
    const warmUp = cutBatches(withDuplicates(seededRandom(1), generateViews(seededRandom(2)).slice(0, 4_000), 0.01, () => 1), 100);
    await runBatches(ours(client, await freshTable(), newMeter()), warmUp, 1);
    await runBatches(naive(client, await freshTable(), newMeter()), warmUp, 1);

    const defaultBatches = cutBatches(onePercent, 100);
    const windowBatches = cutBatches(onePercent, 10_000, 60_000);
    // As the stack deploys it: views held by the authorizer and sent in version 2 bodies, the consumer's
    // default batch size and batching window.
    const windowSeconds = TRACKING_DEFAULTS.consumerMaxBatchingWindowSeconds;
    const holdMs = holdMsForBatchingWindow(windowSeconds);
    const deployedLabel = `as deployed (${holdMs / 1000} s hold, ${windowSeconds} s window)`;
    const deployedBatches = cutArrivals(heldBodies(onePercent, holdMs), TRACKING_DEFAULTS.consumerBatchSize, windowSeconds * 1000);
    const deployedMessages = deployedBatches.reduce((sum, batch) => sum + batch.bodies.length, 0);
    for (const [label, batches] of [['default batching (batch size 100)', defaultBatches], ['60 s window (batch size 10,000)', windowBatches], [deployedLabel, deployedBatches]] as const) {
      const stats = batchStats(batches);
      console.log(
        `${label}: ${batches.length} batches, mean ${fmt(stats.meanSize, 0)} records spanning ${fmt(stats.meanSpanSeconds, 1)} s; ` +
          `${fmt(100 * stats.sharedShare, 1)}% of views share their batch with another view of their session`,
      );
    }
    const { wcu: oursDefault, statistics: statisticsDefault } = await costRun('ours-100', 'ours, batches of 100', 'ours', defaultBatches);
    const { wcu: naiveDefault } = await costRun('naive-100', 'naive, batches of 100', 'naive', defaultBatches);
    const { wcu: oursWindow } = await costRun('ours-window', 'ours, 60 s window', 'ours', windowBatches);
    const { wcu: naiveWindow } = await costRun('naive-window', 'naive, 60 s window', 'naive', windowBatches);
    console.log(`${deployedLabel}: ${deployedMessages} SQS messages for ${onePercent.length} deliveries (${fmt(onePercent.length / deployedMessages, 1)} views per message)`);
    const { wcu: oursDeployed, statistics: statisticsDeployed } = await costRun('ours-deployed', `ours, ${deployedLabel}`, 'ours', deployedBatches);
    console.log(`ours vs naive: ${fmt(naiveDefault / oursDefault, 2)}x fewer WCU at default batching, ${fmt(naiveWindow / oursWindow, 2)}x with a 60 s window, ${fmt(naiveDefault / oursDeployed, 2)}x as deployed`);

    const stress = shuffled(random, withDuplicates(random, views, 0.2, () => (random() < 0.5 ? 1 : 2)));
    const stressTable = await freshTable();
    const stressMeter = newMeter();
    const counts = emptyCounts();
    const stressStore = createDynamoSessionStore({ client, tableName: stressTable, retentionDays: RETENTION_DAYS, onCapacity: (use) => { stressMeter.writeUnits += use.writeUnits; } });
    const stressHandler = createAggregatorHandler({
      store: stressStore,
      statistics: statisticsFor(client, stressTable, stressMeter),
      logger: new Logger({ logLevel: 'SILENT' }),
      metrics: { publish: (batch) => { for (const key of Object.keys(counts) as (keyof typeof counts)[]) counts[key] += batch[key]; } },
    });
    const stressRun = await runBatches(stressHandler, cutBatches(stress, 100), STRESS_IN_FLIGHT);
    const stressExact = await checkExact(client, stressTable, views);
    const exact =
      stressExact.mismatches === 0 && stressExact.statistics === 0 && stressRun.failedRecords === 0 && counts.AggregatedPageViews === views.length && inexactRuns === 0;
    console.log(
      `stress: ${stress.length} deliveries (${stress.length - views.length} duplicates, 20% of messages 2-3 times), shuffled, ${STRESS_IN_FLIGHT} batches in flight: ` +
        `${fmt(views.length / stressRun.seconds, 0)} views/s, ${fmt(stressMeter.writeUnits / views.length)} WCU/view, counted ${counts.AggregatedPageViews}/${views.length}, ` +
        `duplicates ${counts.DuplicatePageViews}, failed records ${stressRun.failedRecords}, devices differing from truth ${stressExact.mismatches}/${stressExact.devices}, ` +
        `statistics items differing from the session records ${stressExact.statistics}`,
    );
    const lastLines = [
      `one view per message in batches of 100 (the consumer alone, its worst case): ${fmt(oursDefault, 2)} WCU/view, statistics +${fmt(statisticsDefault, 2)}`,
      `wcu-per-view: ${fmt(oursDeployed, 2)} (naive ${fmt(naiveDefault, 2)}) statistics: +${fmt(statisticsDeployed, 2)} exact: ${exact ? 'yes' : 'no'}`,
    ];
    const results: AggregatorResults = {
      node: process.version,
      seed: SEED,
      stream: { views: views.length, devices: DEVICES, sessions: sessionCount, minutes: spanMinutes },
      duplicateShare: 0.01,
      deliveries: onePercent.length,
      deployed: { holdSeconds: holdMs / 1000, windowSeconds, batchSize: TRACKING_DEFAULTS.consumerBatchSize, messages: deployedMessages },
      runs,
      stress: {
        deliveries: stress.length,
        inFlight: STRESS_IN_FLIGHT,
        viewsPerSecond: views.length / stressRun.seconds,
        wcuPerView: stressMeter.writeUnits / views.length,
        counted: counts.AggregatedPageViews,
        failedRecords: stressRun.failedRecords,
        devicesDiffering: stressExact.mismatches,
        statisticsDiffering: stressExact.statistics,
      },
      exact,
      lastLines,
    };
    const resultsDir = resolve(import.meta.dirname, 'results');
    mkdirSync(resultsDir, { recursive: true });
    writeFileSync(resolve(resultsDir, 'aggregator.json'), `${JSON.stringify(results, null, 2)}\n`);
    console.log('results in bench/results/aggregator.json (npm run docs:bench puts them in docs/benchmarks.md)');
    for (const line of lastLines) console.log(line);
  } finally {
    raw.destroy();
    await server.stop();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
