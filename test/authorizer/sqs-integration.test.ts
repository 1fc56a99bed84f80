/**
 * The handler as deployed (`handler`, dependencies built from the environment) publishing to a REAL
 * SQS protocol server (fauxqs), and failing to publish to an endpoint that refuses or never answers.
 */
import { createServer, type Server, type Socket } from 'node:net';
import { ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { LOCAL_CREDENTIALS, LOCAL_REGION, startLocalSqs, type LocalSqsServer } from '../../local-runtime/sqs-server';
import { parseQueueMessage } from '../../lambdas/contract/page-view-message';
import { freePort } from '../../local-runtime/free-port';
import { FIXTURE_IP, SIGNING_KEYS, captureOutput, cookiePair, httpApiEvent, restApiEvent } from './authorizer-fixtures';

type Context = Record<string, unknown>;
const contextOf = (response: unknown) => (response as { context: Context }).context;
const savedEnv = { ...process.env };

/** Imports a fresh copy of the handler module (its SQS client is created at module scope) under `env`. */
async function loadHandler(env: Record<string, string>) {
  vi.resetModules();
  process.env = { ...savedEnv, ...env };
  return (await import('../../lambdas/authorizer/handler')).handler;
}

afterEach(() => {
  process.env = { ...savedEnv };
});

describe('publishing to a real local SQS (fauxqs)', () => {
  let sqs: LocalSqsServer;
  let queueUrl: string;
  let client: SQSClient;

  beforeAll(async () => {
    sqs = await startLocalSqs();
    ({ queueUrl } = sqs.createQueues({ name: 'page-views', deadLetterName: 'page-views-dlq', visibilityTimeoutSeconds: 30, maxReceiveCount: 3 }));
    client = new SQSClient({ endpoint: sqs.endpoint, region: LOCAL_REGION, credentials: LOCAL_CREDENTIALS });
  });
  afterAll(async () => {
    client.destroy();
    await sqs.stop();
  });

  it('sends page views that the consumer schema accepts, from HTTP API and REST events', async () => {
    const handler = await loadHandler({
      QUEUE_URL: queueUrl,
      SIGNING_KEYS,
      AWS_REGION: LOCAL_REGION,
      AWS_ACCESS_KEY_ID: LOCAL_CREDENTIALS.accessKeyId,
      AWS_SECRET_ACCESS_KEY: LOCAL_CREDENTIALS.secretAccessKey,
      AWS_ENDPOINT_URL_SQS: sqs.endpoint,
    });
    const output = captureOutput();
    let first: Context;
    try {
      first = contextOf(await handler(httpApiEvent({ path: '/docs', query: 'utm_medium=email' })));
      await handler(httpApiEvent({ path: '/docs/next', cookies: [cookiePair(first.setCookie)] }));
      await handler(restApiEvent({ path: '/rest-page' }));
    } finally {
      output.restore();
    }
    const received = await client.send(new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 1 }));
    const bodies = (received.Messages ?? []).map((m) => m.Body ?? '');
    expect(bodies).toHaveLength(3);
    const parsed = bodies.map((body) => parseQueueMessage(body));
    for (const result of parsed) expect(result.ok, JSON.stringify(result)).toBe(true);
    const messages = parsed.flatMap((r) => (r.ok && r.message.type === 'page_view' ? [r.message] : []));
    expect(messages.map((m) => m.path).sort()).toEqual(['/docs/next', '/docs?utm_medium=email', '/rest-page']);
    const sameDevice = messages.filter((m) => m.deviceId === first.deviceId);
    expect(sameDevice.map((m) => m.sessionStarted).sort()).toEqual([false, true]);
    expect(bodies.join('\n')).not.toContain(FIXTURE_IP);
    expect(output.text()).not.toContain(FIXTURE_IP);
  });
});

describe('publish failure', () => {
  let blackHole: Server;
  let blackHolePort: number;
  const sockets: Socket[] = [];

  beforeAll(async () => {
    // Accepts connections and never answers: only the request timeout can end the wait.
    blackHole = createServer((socket) => sockets.push(socket));
    await new Promise<void>((resolve) => blackHole.listen(0, '127.0.0.1', resolve));
    blackHolePort = (blackHole.address() as { port: number }).port;
  });
  afterAll(async () => {
    for (const socket of sockets) socket.destroy();
    await new Promise<void>((resolve) => blackHole.close(() => resolve()));
  });

  const scenarios: Array<[string, () => Promise<string>]> = [
    ['a refused connection', async () => `http://127.0.0.1:${await freePort()}`],
    ['an endpoint that never answers', async () => `http://127.0.0.1:${blackHolePort}`],
  ];

  it.each(scenarios)('on %s: allows, logs one replay record with the full message, counts it', async (_label, endpoint) => {
    const url = await endpoint();
    const handler = await loadHandler({
      QUEUE_URL: `${url}/000000000000/page-views`,
      SIGNING_KEYS,
      AWS_REGION: LOCAL_REGION,
      AWS_ACCESS_KEY_ID: 'local',
      AWS_SECRET_ACCESS_KEY: 'local',
      AWS_ENDPOINT_URL_SQS: url,
    });
    const output = captureOutput();
    let response: unknown;
    try {
      response = await handler(httpApiEvent({ path: '/checkout' }));
    } finally {
      output.restore();
    }
    expect(contextOf(response)).toMatchObject({ tracked: true, reason: 'tracked' });
    const records = output.lines().filter((line) => line.includes('visitor-gate.unpublished-message'));
    expect(records).toHaveLength(1);
    const record = JSON.parse(records[0] ?? '{}') as { queueMessage: unknown; replayMarker: string };
    expect(record.replayMarker).toBe('visitor-gate.unpublished-message');
    expect(parseQueueMessage(JSON.stringify(record.queueMessage))).toMatchObject({ ok: true, message: { path: '/checkout' } });
    expect(output.text()).toContain('"PublishFailures":1');
    expect(output.text()).not.toContain(FIXTURE_IP);
  });
});

describe('misconfiguration', () => {
  beforeEach(() => {
    vi.resetModules();
  });

  it('fails the cold start with a clear message when the key ring is missing', async () => {
    const handler = await loadHandler({ QUEUE_URL: 'http://127.0.0.1:1/000000000000/q', SIGNING_KEYS: '' });
    await expect(handler(httpApiEvent())).rejects.toThrow(/signing key ring is missing/);
  });

  it('fails the cold start with a clear message when the key ring is invalid, without echoing it', async () => {
    const bad = JSON.stringify({ current: 'k1', k1: 'too-short-secret' });
    const handler = await loadHandler({ QUEUE_URL: 'http://127.0.0.1:1/000000000000/q', SIGNING_KEYS: bad });
    const error = await handler(httpApiEvent()).catch((e: unknown) => e);
    expect(String(error)).toMatch(/Invalid signing key ring in SIGNING_KEYS: key "k1" must be a string of at least 32 characters/);
    expect(String(error)).not.toContain('too-short-secret');
  });
});
