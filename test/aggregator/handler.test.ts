/**
 * The consumer handler against real local servers: page views go through fauxqs, the handler runs on
 * Lambda-shaped SQS events built from the received messages, and results are read back with getDevice
 * from DynamoDB Local.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { resolve } from 'node:path';
import { Logger } from '@aws-lambda-powertools/logger';
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { ReceiveMessageCommand, type Message } from '@aws-sdk/client-sqs';
import type { SQSEvent } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compareViews } from '../../lambdas/aggregation/batch-plan';
import { DAY_MS, deviceExpiresAtSeconds, expiresAtSeconds } from '../../lambdas/aggregation/retention';
import { getDevice } from '../../lambdas/read-api/device-reader';
import { createDynamoSessionStore } from '../../lambdas/aggregator/dynamodb-session-store';
import { createAggregatorHandler, type AggregatorHandler } from '../../lambdas/aggregator/handler';
import { deviceKey, sessionKey } from '../../lambdas/aggregator/table-items';
import { emptyCounts, type AggregatorCounts } from '../../lambdas/aggregator/telemetry';
import type { PageViewMessage, QueueMessage } from '../../lambdas/contract/page-view-message';
import { queueBody } from '../../lambdas/contract/queue-body';
import { createLocalTable } from '../../local-runtime/table';
import { identify, opaqueId, pageView, sessionViews } from '../../harness/queue-messages';
import {
  documentClientFor,
  localDynamoClient,
  startDynamo,
  startQueue,
  type LocalDynamo,
  type LocalQueue,
} from '../../harness/local-aws';
import { loadFixture } from '../../harness/aws-fixtures';
import { failingAfter } from './failing-dynamo-client';
import { toSqsEvent } from '../../local-runtime/sqs-lambda-event';
import { LOCAL_REGION } from '../../local-runtime/sqs-server';
import { seededRandom, shuffled } from '../../harness/seeded-random';

const TABLE = 'aggregator-test';
const queueIdentity = () => ({ queueArn: queue.queues.queueArn, region: LOCAL_REGION });
const RETENTION = 30;

let dynamo: LocalDynamo;
let queue: LocalQueue;

beforeAll(async () => {
  [dynamo, queue] = await Promise.all([startDynamo(), startQueue()]);
  await createLocalTable(dynamo.client, TABLE);
});
afterAll(async () => {
  await Promise.all([dynamo?.stop(), queue?.stop()]);
});

const silent = new Logger({ logLevel: process.env.DEBUG_AGG ? 'ERROR' : 'SILENT' });

function makeHandler(options: { retentionDays?: number; documentClient?: LocalDynamo['documentClient']; concurrency?: number } = {}) {
  const totals = emptyCounts();
  const store = createDynamoSessionStore({
    client: options.documentClient ?? dynamo.documentClient,
    tableName: TABLE,
    retentionDays: options.retentionDays ?? RETENTION,
  });
  const handler = createAggregatorHandler({
    store,
    logger: silent,
    concurrency: options.concurrency,
    metrics: {
      publish(counts: AggregatorCounts) {
        for (const [name, value] of Object.entries(counts)) totals[name as keyof AggregatorCounts] += value;
      },
    },
  });
  return { handler, totals };
}

/** A seeded shuffle: every run sees the same order. */
const shuffle = <T>(items: readonly T[], seed: number): T[] => shuffled(seededRandom(seed), items);

/** Runs the handler over everything in the queue, `batchSize` records per event, until it is empty. */
async function drain(handler: AggregatorHandler, batchSize: number, options: { shuffleSeed?: number; concurrent?: boolean } = {}) {
  const failures: string[] = [];
  for (let round = 0; round < 50; round += 1) {
    let received = await queue.receive(1_000);
    if (received.length === 0) return failures;
    if (options.shuffleSeed !== undefined) received = shuffle(received, options.shuffleSeed + round);
    const batches: Message[][] = [];
    for (let index = 0; index < received.length; index += batchSize) batches.push(received.slice(index, index + batchSize));
    const run = async (batch: Message[]) => {
      const response = await handler(toSqsEvent(batch, queueIdentity()));
      const failed = response.batchItemFailures.map((failure) => failure.itemIdentifier);
      failures.push(...failed);
      await queue.settle(batch, failed);
    };
    // Concurrent: like several Lambda instances of the event source mapping writing the same sessions.
    if (options.concurrent) await Promise.all(batches.map(run));
    else for (const batch of batches) await run(batch);
  }
  throw new Error('queue did not drain');
}

const send = (messages: QueueMessage[]) => queue.send(messages.map((message) => JSON.stringify(message)));
const read = (deviceId: string, now = Date.now()) => getDevice(deviceId, { client: dynamo.documentClient, tableName: TABLE, consistentRead: true, now });

/** The expected device record computed directly from the distinct views. */
function truthFor(deviceId: string, views: PageViewMessage[]) {
  const bySession = new Map<string, PageViewMessage[]>();
  for (const view of views.filter((candidate) => candidate.deviceId === deviceId)) {
    bySession.set(view.sessionId, [...(bySession.get(view.sessionId) ?? []), view]);
  }
  const sessions = [...bySession.entries()]
    .map(([sessionId, list]) => {
      const sorted = [...list].sort(compareViews);
      const first = sorted[0] as PageViewMessage;
      const last = sorted[sorted.length - 1] as PageViewMessage;
      return { sessionId, start: first.ts, lastActivity: last.ts, pageViews: sorted.length, entryPath: first.path, exitPath: last.path };
    })
    .sort((a, b) => b.start - a.start);
  const latest = [...sessions].sort((a, b) => b.lastActivity - a.lastActivity)[0];
  return {
    device: {
      deviceId,
      firstSeen: Math.min(...sessions.map((session) => session.start)),
      lastSeen: latest?.lastActivity,
      pageViews: sessions.reduce((sum, session) => sum + session.pageViews, 0),
      sessionCount: sessions.length,
      lastPath: latest?.exitPath,
    },
    sessions,
  };
}

/**
 * The tests' views start five days before the real clock: every view is in the past (the longest test
 * spans three days) and every TTL in the future, because DynamoDB Local deletes expired items by the
 * machine's clock within seconds.
 */
const base = Date.now() - 5 * DAY_MS;

describe('aggregator handler (fauxqs + DynamoDB Local)', () => {
  it('counts every view exactly once when each is delivered 1 to 3 times, shuffled across batches', async () => {
    const devices = Array.from({ length: 6 }, () => opaqueId());
    const views = devices.flatMap((deviceId, deviceIndex) => [
      ...sessionViews(1 + (deviceIndex % 5), { deviceId, startTs: base + deviceIndex * 1_000, gapMs: 45_000 }),
      ...sessionViews(2 + (deviceIndex % 3), { deviceId, startTs: base + 3 * 3_600_000 + deviceIndex * 1_000, gapMs: 20_000 }),
    ]);
    const deliveries = views.flatMap((view, index) => Array.from({ length: 1 + (index % 3) }, () => view));
    await send(shuffle(deliveries, 11));
    const { handler, totals } = makeHandler();
    const failures = await drain(handler, 7, { shuffleSeed: 3 });

    expect(failures).toEqual([]);
    expect(totals.AggregatedPageViews).toBe(views.length);
    expect(totals.DuplicatePageViews).toBe(deliveries.length - views.length);
    for (const deviceId of devices) {
      const record = await read(deviceId);
      expect(record).toMatchObject(truthFor(deviceId, views));
    }
  });

  it('stays exact when concurrent invocations write the same sessions at once', async () => {
    const deviceId = opaqueId();
    const views = [0, 1, 2].flatMap((index) => sessionViews(12, { deviceId, startTs: base + index * 3_600_000, gapMs: 10_000 }));
    await send(shuffle([...views, ...views], 21));
    const { handler, totals } = makeHandler();
    expect(await drain(handler, 6, { concurrent: true })).toEqual([]);
    expect(totals.AggregatedPageViews).toBe(views.length);
    expect(await read(deviceId)).toMatchObject(truthFor(deviceId, views));
  });

  it('fails a poison message alone; after maxReceiveCount it rests in the dead-letter queue', async () => {
    const deviceId = opaqueId();
    const good = sessionViews(3, { deviceId, startTs: base });
    const unknownVersion = { ...pageView({ deviceId }), v: 2 };
    await queue.send([JSON.stringify(good[0]), 'not json {', JSON.stringify(good[1]), JSON.stringify(unknownVersion), JSON.stringify(good[2])]);
    const { handler, totals } = makeHandler();
    const received = await queue.receive(10);
    expect(received).toHaveLength(5);
    const response = await handler(toSqsEvent(received, queueIdentity()));
    const poisonIds = received.filter((message) => message.Body === 'not json {' || message.Body?.includes('"v":2')).map((message) => message.MessageId);
    expect(response.batchItemFailures.map((failure) => failure.itemIdentifier).sort()).toEqual([...poisonIds].sort());
    expect(totals).toMatchObject({ InvalidMessages: 2, FailedRecords: 2, AggregatedPageViews: 3 });
    expect((await read(deviceId))?.device.pageViews).toBe(3);

    // The queue redelivers the failures until maxReceiveCount (5), then moves them to the DLQ.
    await queue.settle(received, response.batchItemFailures.map((failure) => failure.itemIdentifier));
    const failures = await drain(handler, 10);
    expect(failures).toHaveLength(2 * 4);
    const dead = await queue.client.send(new ReceiveMessageCommand({ QueueUrl: queue.queues.deadLetterQueueUrl, MaxNumberOfMessages: 10 }));
    expect(dead.Messages?.map((message) => message.Body).sort()).toEqual(['not json {', JSON.stringify(unknownVersion)].sort());
    expect((await read(deviceId))?.device.pageViews).toBe(3);
  });

  it('runs the sqs-event.json fixture: the non-JSON record and the off-schema record each fail alone', async () => {
    const fixture = loadFixture('sqs-event.json') as unknown as SQSEvent;
    const { handler, totals } = makeHandler();
    const raw = await handler(fixture);
    expect(raw.batchItemFailures).toEqual(fixture.Records.map((record) => ({ itemIdentifier: record.messageId })));
    expect(totals.InvalidMessages).toBe(2);

    const view = pageView({ sessionStarted: true });
    const [poison, second] = fixture.Records;
    if (!poison || !second) throw new Error('the fixture has two records');
    const mixed: SQSEvent = { Records: [poison, { ...second, body: JSON.stringify(view) }] };
    const response = await handler(mixed);
    expect(response.batchItemFailures).toEqual([{ itemIdentifier: poison.messageId }]);
    expect((await read(view.deviceId))?.device.pageViews).toBe(1);
  });

  it('starts a new session when the session id changes', async () => {
    const deviceId = opaqueId();
    const first = sessionViews(3, { deviceId, startTs: base, paths: ['/', '/pricing', '/signup'] });
    const second = sessionViews(2, { deviceId, startTs: base + 2 * 3_600_000, paths: ['/blog', '/blog/post'] });
    await send([...first, ...second]);
    await drain(makeHandler().handler, 10);
    const record = await read(deviceId);
    expect(record?.device).toMatchObject({ sessionCount: 2, pageViews: 5, lastPath: '/blog/post', firstSeen: base });
    expect(record?.sessions.map((session) => [session.sessionId, session.entryPath, session.exitPath, session.pageViews])).toEqual([
      [second[0]?.sessionId, '/blog', '/blog/post', 2],
      [first[0]?.sessionId, '/', '/signup', 3],
    ]);
  });

  it('stores TTLs as last activity plus the configured retention, the device outliving its sessions', async () => {
    const deviceId = opaqueId();
    const views = sessionViews(3, { deviceId, startTs: base, gapMs: 600_000 });
    await send([views[2], views[0], views[1]] as PageViewMessage[]);
    await drain(makeHandler({ retentionDays: 7 }).handler, 1);
    const sessionId = views[0]?.sessionId ?? '';
    const session = await dynamo.documentClient.send(new GetCommand({ TableName: TABLE, Key: sessionKey(deviceId, sessionId), ConsistentRead: true }));
    const device = await dynamo.documentClient.send(new GetCommand({ TableName: TABLE, Key: deviceKey(deviceId), ConsistentRead: true }));
    const lastActivity = base + 2 * 600_000;
    expect(session.Item?.expiresAt).toBe(expiresAtSeconds(lastActivity, 7));
    expect(session.Item?.expiresAt).toBe(Math.ceil((lastActivity + 7 * DAY_MS) / 1000));
    expect(device.Item?.expiresAt).toBe(deviceExpiresAtSeconds(base, 7));
    expect(device.Item?.expiresAt).toBeGreaterThan(session.Item?.expiresAt as number);
  });

  it('extends the device TTL when a session runs past the headroom the device got at its start', async () => {
    const deviceId = opaqueId();
    const views = sessionViews(3, { deviceId, startTs: base, gapMs: 1.5 * DAY_MS });
    const { handler } = makeHandler();
    for (const view of views) {
      await send([view]);
      expect(await drain(handler, 10)).toEqual([]);
    }
    const keyOf = (key: { pk: string; sk: string }) => dynamo.documentClient.send(new GetCommand({ TableName: TABLE, Key: key, ConsistentRead: true }));
    const session = await keyOf(sessionKey(deviceId, views[0]?.sessionId ?? ''));
    const device = await keyOf(deviceKey(deviceId));
    expect(session.Item?.lastActivity).toBe(base + 3 * DAY_MS);
    expect(device.Item?.expiresAt).toBe(deviceExpiresAtSeconds(base + 3 * DAY_MS, RETENTION));
    expect(device.Item?.expiresAt).toBeGreaterThanOrEqual(session.Item?.expiresAt as number);
  });

  it('links the device to the user on identify, idempotently, latest link winning', async () => {
    const deviceId = opaqueId();
    const link = identify({ deviceId, userId: 'user-42', ts: base + 5_000 });
    const older = identify({ deviceId, userId: 'user-old', ts: base + 1_000 });
    await send([...sessionViews(2, { deviceId, startTs: base }), link, link, older]);
    await drain(makeHandler().handler, 2, { shuffleSeed: 5 });
    expect((await read(deviceId))?.device.userId).toBe('user-42');

    const onlyIdentified = opaqueId();
    await send([identify({ deviceId: onlyIdentified, userId: 'user-7', ts: base })]);
    await drain(makeHandler().handler, 10);
    expect((await read(onlyIdentified))?.device).toMatchObject({ userId: 'user-7', pageViews: 0, sessionCount: 0 });
  });

  it('reports exactly the records of the groups whose writes failed mid-batch, and a retry does not double count', async () => {
    const devices = Array.from({ length: 5 }, () => opaqueId());
    const views = devices.flatMap((deviceId, index) => sessionViews(2, { deviceId, startTs: base + index * 1_000 }));
    await send(views);
    const received = await queue.receive(10);
    expect(received).toHaveLength(10);
    // Device groups are written in event order, one at a time: device, then session. The first five
    // requests reach DynamoDB, then the endpoint is unreachable: devices 1-2 complete, device 3 gets its
    // device item but not its session, devices 4-5 get nothing.
    const broken = await failingAfter(dynamo.server.endpoint, 5);
    const ordered = devices.flatMap((deviceId) => received.filter((message) => JSON.parse(message.Body ?? '{}').deviceId === deviceId));
    const response = await makeHandler({ documentClient: broken.documentClient, concurrency: 1 }).handler(toSqsEvent(ordered, queueIdentity()));
    broken.destroy();
    const idsOf = (messages: Message[]) => messages.map((message) => message.MessageId);
    expect(response.batchItemFailures.map((failure) => failure.itemIdentifier)).toEqual(idsOf(ordered.slice(4)));
    expect((await read(devices[0] ?? ''))?.device.pageViews).toBe(2);
    expect(await read(devices[3] ?? '')).toBeUndefined();

    await queue.settle(ordered, response.batchItemFailures.map((failure) => failure.itemIdentifier));
    // Redeliver everything once more on top (as a duplicate send would), against the healthy table.
    await send(views);
    expect(await drain(makeHandler().handler, 4, { shuffleSeed: 9 })).toEqual([]);
    for (const deviceId of devices) expect(await read(deviceId)).toMatchObject(truthFor(deviceId, views));
  });

  it('counts the views of version 2 bodies (several views per message) exactly once, mixed with version 1 and redelivered', async () => {
    const devices = Array.from({ length: 4 }, () => opaqueId());
    const views = devices.flatMap((deviceId, index) => [
      ...sessionViews(3 + index, { deviceId, startTs: base + index * 1_000, gapMs: 7_000 }),
      ...sessionViews(2, { deviceId, startTs: base + 2 * 3_600_000 + index * 1_000 }),
    ]);
    // Bodies as execution environments hold them: views of several devices and sessions interleaved.
    const mixed = shuffle(views, 5);
    const bodies: string[] = [];
    for (let index = 0; index < mixed.length; index += 6) bodies.push(queueBody(mixed.slice(index, index + 6).map((view) => JSON.stringify(view))));
    bodies.push(JSON.stringify(mixed[0])); // the same view once more, as a version 1 body
    await queue.send([...bodies, ...bodies.slice(0, 2)]); // and two bodies delivered twice
    const { handler, totals } = makeHandler();
    expect(await drain(handler, 3, { shuffleSeed: 4 })).toEqual([]);
    expect(totals.AggregatedPageViews).toBe(views.length);
    for (const deviceId of devices) expect(await read(deviceId)).toMatchObject(truthFor(deviceId, views));
  });

  it('fails a version 2 record whole when one of its views is refused, and its redelivery adds nothing twice', async () => {
    const deviceId = opaqueId();
    const good = sessionViews(3, { deviceId, startTs: base });
    const future = pageView({ deviceId, ts: Date.now() + 3_600_000 }); // beyond the timestamp window
    await queue.send([queueBody([...good, future].map((view) => JSON.stringify(view)))]);
    const [record] = await queue.receive(1);
    if (record === undefined) throw new Error('no message');
    const first = makeHandler();
    const response = await first.handler(toSqsEvent([record], queueIdentity()));
    expect(response.batchItemFailures.map((failure) => failure.itemIdentifier)).toEqual([record.MessageId]);
    expect(first.totals.AggregatedPageViews).toBe(3);
    expect(first.totals.RejectedMessages).toBe(1);
    const again = makeHandler();
    await again.handler(toSqsEvent([record], queueIdentity()));
    expect(again.totals.AggregatedPageViews).toBe(0);
    expect(again.totals.DuplicatePageViews).toBe(3);
    await queue.settle([record], []);
    expect(await read(deviceId)).toMatchObject(truthFor(deviceId, good));
  });

  it('fails the whole batch while DynamoDB is stopped, and counts it exactly once after a restart', async () => {
    const dataDir = mkdtempSync(resolve(tmpdir(), 'vg-aggregator-'));
    let server = await startDynamo({ dataDir });
    const port = server.server.port;
    try {
      await createLocalTable(server.client, TABLE);
      const deviceId = opaqueId();
      const before = sessionViews(2, { deviceId, startTs: base });
      const during = sessionViews(3, { deviceId, startTs: base + 3_600_000 });
      await send(before);
      await drain(makeHandler({ documentClient: server.documentClient }).handler, 10);
      await server.stop();

      await send(during);
      const received = await queue.receive(10);
      const downClient = documentClientFor(localDynamoClient(`http://127.0.0.1:${port}`));
      const response = await makeHandler({ documentClient: downClient }).handler(toSqsEvent(received, queueIdentity()));
      expect(response.batchItemFailures.map((failure) => failure.itemIdentifier).sort()).toEqual(received.map((message) => message.MessageId).sort());
      await queue.settle(received, response.batchItemFailures.map((failure) => failure.itemIdentifier));

      server = await startDynamo({ dataDir, port });
      expect(await drain(makeHandler({ documentClient: server.documentClient }).handler, 10)).toEqual([]);
      const record = await getDevice(deviceId, { client: server.documentClient, tableName: TABLE, consistentRead: true, now: Date.now() });
      expect(record).toMatchObject(truthFor(deviceId, [...before, ...during]));
    } finally {
      await server.stop();
    }
  }, 180_000); // two DynamoDB Local starts (JVM)

  it('filters out sessions past their TTL that DynamoDB has not deleted yet', async () => {
    // Both sessions' TTLs are still ahead of the real clock, so DynamoDB Local keeps them; the reader is
    // asked as of a later day, when the older one is past its TTL but, in AWS, may not be deleted yet.
    const deviceId = opaqueId();
    const old = sessionViews(2, { deviceId, startTs: base });
    const recent = sessionViews(1, { deviceId, startTs: base + 4.5 * DAY_MS });
    await send([...old, ...recent]);
    await drain(makeHandler().handler, 10);
    const readAt = base + (RETENTION + 1) * DAY_MS;
    expect(expiresAtSeconds(old[1]?.ts ?? 0, RETENTION) * 1000).toBeLessThan(readAt);
    expect((await read(deviceId))?.sessions).toHaveLength(2);
    const record = await read(deviceId, readAt);
    expect(record?.sessions.map((session) => session.sessionId)).toEqual([recent[0]?.sessionId]);
    expect(record?.device.pageViews).toBe(1);
  });
});
