/**
 * The Python example (examples/python/visitor_record.py, boto3) against DynamoDB Local: a device written
 * by the real consumer handler is read by the script, run with `python3` as a backend would run it, and
 * its JSON must equal getDevice's record for the same `now`. CI installs Debian's python3-boto3.
 */
import { execFile, spawnSync } from 'node:child_process';
import { resolve } from 'node:path';
import { promisify } from 'node:util';
import { Logger } from '@aws-lambda-powertools/logger';
import { PutCommand, QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DAY_MS } from '../../lambdas/aggregation/retention';
import { createDynamoSessionStore } from '../../lambdas/aggregator/dynamodb-session-store';
import { createAggregatorHandler } from '../../lambdas/aggregator/handler';
import { devicePartition, sessionKey } from '../../lambdas/aggregator/table-items';
import type { QueueMessage } from '../../lambdas/contract/page-view-message';
import { TABLE_KEYS, TABLE_LAYOUT_VERSION } from '../../lambdas/contract/table-layout';
import { getDevice, type DeviceRecord } from '../../lambdas/read-api/device-reader';
import { createLocalTable } from '../../local-runtime/table';
import { LOCAL_CREDENTIALS, LOCAL_REGION } from '../../local-runtime/sqs-server';
import { toSqsEvent } from '../../local-runtime/sqs-lambda-event';
import { identify, opaqueId, pageView, sessionViews } from '../../harness/queue-messages';
import { startDynamo, type LocalDynamo } from '../../harness/local-aws';

const SCRIPT_DIR = resolve(import.meta.dirname, '../../examples/python');
const SCRIPT = resolve(SCRIPT_DIR, 'visitor_record.py');
const TABLE = 'python-reader';
const RETENTION = 30;
const run = promisify(execFile);
let dynamo: LocalDynamo;

function requirePythonWithBoto3(): void {
  const probe = spawnSync('python3', ['-c', 'import boto3'], { encoding: 'utf8' });
  if (probe.error || probe.status !== 0) {
    throw new Error(
      `this test runs the boto3 example with python3 and needs python3 with boto3 (Debian: apt-get install python3-boto3; .ci/run installs it): ${probe.error?.message ?? probe.stderr.trim()}`,
    );
  }
}

beforeAll(async () => {
  requirePythonWithBoto3();
  dynamo = await startDynamo();
  await createLocalTable(dynamo.client, TABLE);
});
afterAll(async () => dynamo?.stop());

/** The real consumer: small session parts, so a session of a few views has a part `~2` and `~3`. */
async function consume(messages: readonly QueueMessage[]): Promise<void> {
  const store = createDynamoSessionStore({ client: dynamo.documentClient, tableName: TABLE, retentionDays: RETENTION, limits: { maxViewsPerItem: 3 } });
  const handler = createAggregatorHandler({ store, logger: new Logger({ logLevel: 'SILENT' }), metrics: { publish: () => undefined } });
  const event = toSqsEvent(
    messages.map((message, index) => ({ MessageId: `m${index}`, ReceiptHandle: `r${index}`, Body: JSON.stringify(message) })),
    { queueArn: `arn:aws:sqs:${LOCAL_REGION}:000000000000:page-views`, region: LOCAL_REGION },
  );
  expect((await handler(event)).batchItemFailures).toEqual([]);
}

/** Runs the script as a backend would; the exit status and both streams. */
async function python(args: readonly string[], env: Record<string, string> = {}) {
  const options = {
    timeout: 30_000,
    env: {
      PATH: process.env.PATH ?? '',
      AWS_ACCESS_KEY_ID: LOCAL_CREDENTIALS.accessKeyId,
      AWS_SECRET_ACCESS_KEY: LOCAL_CREDENTIALS.secretAccessKey,
      AWS_EC2_METADATA_DISABLED: 'true',
      ...env,
    },
  };
  try {
    const { stdout, stderr } = await run('python3', ['-B', SCRIPT, ...args], options);
    return { status: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code?: unknown; stdout?: string; stderr?: string };
    if (typeof failed.code !== 'number') throw error;
    return { status: failed.code, stdout: failed.stdout ?? '', stderr: failed.stderr ?? '' };
  }
}

const local = () => ['--table', TABLE, '--endpoint-url', dynamo.server.endpoint, '--region', LOCAL_REGION];
const read = (deviceId: string, now: number) => getDevice(deviceId, { client: dynamo.documentClient, tableName: TABLE, now, consistentRead: true });

describe('examples/python/visitor_record.py (boto3)', () => {
  const realNow = Date.now();
  // The reader's clock runs 10 days ahead: DynamoDB Local deletes items by the machine's clock, so the
  // session that is expired for the reader is still stored (as in AWS, where TTL deletion is late).
  const now = realNow + 10 * DAY_MS;
  const deviceId = opaqueId();
  const expired = sessionViews(2, { deviceId, startTs: realNow - 25 * DAY_MS });
  const tagged = sessionViews(3, { deviceId, startTs: realNow - 3 * DAY_MS }).map((view, index) =>
    index === 0 ? { ...view, referrer: { origin: 'https://news.example', path: '/story' }, utm: { utm_source: 'news', utm_campaign: 'spring' } } : view,
  );
  // Same start: ordered by last activity, then (same both) by session id. `late` starts later than
  // `long` but ends earlier, so ordering by last activity alone gives another order.
  const tieStart = realNow - 2 * DAY_MS;
  const long = sessionViews(2, { deviceId, startTs: tieStart, gapMs: 6 * 3_600_000 });
  const single = [0, 1].map(() => sessionViews(1, { deviceId, startTs: tieStart }));
  const late = sessionViews(1, { deviceId, startTs: tieStart + 3_600_000 });
  // Seven views with three per item: parts `<id>`, `<id>~2`, `<id>~3`, each shown as a session.
  const multiPart = sessionViews(7, { deviceId, startTs: realNow - 3_600_000, gapMs: 60_000 });
  // Ends at the same instant as the multi-part session's last part: last path and last seen come from
  // the first of the two in session order.
  const lastViewTs = realNow - 3_600_000 + 6 * 60_000;
  const parallel = sessionViews(2, { deviceId, startTs: lastViewTs - 2 * 3_600_000, gapMs: 2 * 3_600_000 });
  const messages: QueueMessage[] = [
    ...expired,
    ...tagged,
    ...long,
    ...single.flat(),
    ...late,
    ...multiPart,
    ...parallel,
    identify({ deviceId, userId: 'user-42', ts: realNow - DAY_MS }),
  ];
  // Known only from an identify message: no session, its times come from the user link.
  const identifiedOnly = opaqueId();
  let expected: DeviceRecord | undefined;

  beforeAll(async () => {
    await consume([...messages, identify({ deviceId: identifiedOnly, userId: 'user-7', ts: realNow - 2 * DAY_MS })]);
    // One session item in the current layout (the consumer's items may carry `v` or not: layout 1).
    const [firstTagged] = tagged;
    if (!firstTagged) throw new Error('no views');
    await dynamo.documentClient.send(
      new UpdateCommand({ TableName: TABLE, Key: sessionKey(deviceId, firstTagged.sessionId), UpdateExpression: 'SET v = :v', ExpressionAttributeValues: { ':v': TABLE_LAYOUT_VERSION } }),
    );
    expected = await read(deviceId, now);
  });

  it('prints the record getDevice returns for the same device and the same now', async () => {
    for (const [id, record] of [[deviceId, expected], [identifiedOnly, await read(identifiedOnly, now)]] as const) {
      const result = await python([...local(), '--now-ms', String(now), '--consistent-read', '--', id]);
      expect(result.stderr).toBe('');
      expect(result.status).toBe(0);
      expect(record).toBeDefined();
      expect(JSON.parse(result.stdout)).toEqual(record);
    }
  });

  it('reads a device whose data covers every rule: expiry, parts, ties, first seen and user link', async () => {
    const stored = await dynamo.documentClient.send(
      new QueryCommand({
        TableName: TABLE,
        KeyConditionExpression: '#pk = :pk',
        ExpressionAttributeNames: { '#pk': TABLE_KEYS.partitionKey },
        ExpressionAttributeValues: { ':pk': devicePartition(deviceId) },
      }),
    );
    // 1 device item, 10 session items (the multi-part session in 3), the expired one still stored.
    expect(stored.Items).toHaveLength(1 + 10);
    const ids = expected?.sessions.map((session) => session.sessionId) ?? [];
    const multiPartId = multiPart[0]?.sessionId ?? '';
    expect(ids).toHaveLength(9);
    expect(ids.slice(0, 3)).toEqual([`${multiPartId}~3`, `${multiPartId}~2`, multiPartId]);
    expect(ids).not.toContain(expired[0]?.sessionId);
    expect(expected?.device).toMatchObject({
      firstSeen: expired[0]?.ts,
      lastSeen: lastViewTs,
      lastPath: '/page-6',
      pageViews: 3 + 2 + 1 + 1 + 1 + 7 + 2,
      sessionCount: 9,
      userId: 'user-42',
    });
    expect(expected?.sessions.find((session) => session.sessionId === tagged[0]?.sessionId)).toMatchObject({
      referrer: { origin: 'https://news.example', path: '/story' },
      utm: { utm_source: 'news', utm_campaign: 'spring' },
    });
    expect((await read(identifiedOnly, now))?.device).toEqual({
      deviceId: identifiedOnly, firstSeen: realNow - 2 * DAY_MS, lastSeen: realNow - 2 * DAY_MS, pageViews: 0, sessionCount: 0, lastPath: '', userId: 'user-7',
    });
    // A reader that orders by another rule prints another list, so the comparison above would catch it.
    const sessions = expected?.sessions ?? [];
    const byLastActivity = [...sessions].sort((a, b) => b.lastActivity - a.lastActivity).map((session) => session.sessionId);
    const idsAscendingOnTies = [...sessions]
      .sort((a, b) => b.start - a.start || b.lastActivity - a.lastActivity || (a.sessionId < b.sessionId ? -1 : 1))
      .map((session) => session.sessionId);
    expect(byLastActivity).not.toEqual(ids);
    expect(idsAscendingOnTies).not.toEqual(ids);
    expect([...ids].reverse()).not.toEqual(ids);
  });

  it('knows the current layout version', async () => {
    const probe = spawnSync('python3', ['-B', '-c', 'import visitor_record; print(visitor_record.LAYOUT_VERSION)'], { cwd: SCRIPT_DIR, encoding: 'utf8' });
    expect(probe.stdout.trim()).toBe(String(TABLE_LAYOUT_VERSION));
  });

  it('prints null and exits 1 for an unknown device, as getDevice returns undefined', async () => {
    const unknown = opaqueId();
    expect(await read(unknown, now)).toBeUndefined();
    const result = await python(['--', unknown], { TABLE_NAME: TABLE, AWS_ENDPOINT_URL_DYNAMODB: dynamo.server.endpoint, AWS_REGION: LOCAL_REGION });
    expect(result).toMatchObject({ status: 1, stdout: 'null\n' });
    expect(result.stderr).toContain(`no device ${unknown}`);
  });

  it('refuses an item in a newer layout than it knows instead of guessing', async () => {
    const other = opaqueId();
    await consume([pageView({ deviceId: other, sessionStarted: true })]);
    await dynamo.documentClient.send(
      new PutCommand({ TableName: TABLE, Item: { pk: devicePartition(other), sk: 'DEVICE', v: TABLE_LAYOUT_VERSION + 1, version: 1, expiresAt: Math.ceil(now / 1000) + 3_600 } }),
    );
    const result = await python([...local(), '--', other]);
    expect(result.status).toBe(2);
    expect(result.stderr).toContain(`layout version ${TABLE_LAYOUT_VERSION + 1} is newer than this reader knows (${TABLE_LAYOUT_VERSION})`);
  });
});
