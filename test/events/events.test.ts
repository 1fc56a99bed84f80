/**
 * Every sample event in events/ (the files `sam local invoke -e` takes) runs through the REAL handler,
 * wired from the environment exactly as in Lambda, against real local servers: the authorizer sends
 * to fauxqs, the consumer writes to DynamoDB Local. Each file has an expected outcome; a new file
 * without one fails the test. The events are first moved to this run's clock
 * (`events/sample-events.ts`), so the committed dates can never make this test go red.
 */
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getDevice } from '../../lambdas/read-api/device-reader';
import { NO_VALUE } from '../../lambdas/contract/gateway-context';
import { decodeDeviceCookie } from '../../lambdas/identity/cookie-codec';
import type { QueueMessage } from '../../lambdas/contract/page-view-message';
import { createLocalTable } from '../../local-runtime/table';
import { LOCAL_CREDENTIALS, LOCAL_REGION } from '../../local-runtime/sqs-server';
import { startDynamo, startQueue, type LocalDynamo, type LocalQueue } from '../../harness/local-aws';
import {
  COOKIE_NAME,
  SAMPLE_DEVICE_ID,
  SAMPLE_SESSION_ID,
  readSampleEvent,
  refreshSampleEvent,
  requestTimeOf,
  sampleEventFiles,
  sampleKeyRing,
  sampleKeyRingJson,
} from '../../events/sample-events';

const TABLE = 'events-test';
/** This run's request time: the events are refreshed to it, and the authorizer's clock is pinned to it. */
const REQUEST_MILLIS = Date.now();

type AuthorizerContext = Record<string, string | number | boolean>;
type AuthorizerResult = { isAuthorized: boolean; context: AuthorizerContext };
type Authorize = (event: unknown) => Promise<unknown>;
type Consume = (event: SQSEvent) => Promise<SQSBatchResponse>;
type Forget = (event: APIGatewayProxyEventV2) => Promise<APIGatewayProxyStructuredResultV2>;

const COOKIE_ATTRIBUTES = '; Path=/; HttpOnly; Secure; SameSite=Lax';
const DELETION_COOKIE = `${COOKIE_NAME}=; Max-Age=0${COOKIE_ATTRIBUTES}`;
const FRESH_COOKIE = new RegExp(`^${COOKIE_NAME}=[A-Za-z0-9_-]+; Max-Age=2592000${COOKIE_ATTRIBUTES.replace(/[;/]/g, '\\$&')}$`);

interface AuthorizerExpectation {
  readonly context: Record<string, unknown>;
  readonly setCookie: RegExp | string;
  /** The page view the authorizer must have queued, or undefined when it must queue nothing. */
  readonly queued?: (context: AuthorizerContext) => Record<string, unknown>;
}

/** What each authorizer event must produce (keyed by file name). */
const AUTHORIZER_EXPECTATIONS: Record<string, AuthorizerExpectation> = {
  'authorizer-new-visitor.json': {
    context: {
      reason: 'tracked',
      tracked: true,
      isNewDevice: true,
      isNewSession: true,
      deviceId: expect.stringMatching(/^[A-Za-z0-9_-]{22}$/),
      sessionId: expect.stringMatching(/^[A-Za-z0-9_-]{22}$/),
      userId: NO_VALUE,
    },
    setCookie: FRESH_COOKIE,
    queued: (context) => ({
      type: 'page_view',
      deviceId: context.deviceId,
      sessionId: context.sessionId,
      sessionStarted: true,
      ts: REQUEST_MILLIS,
      path: expect.stringMatching(/^\/products\/42\?utm_source=newsletter/),
      utm: { utm_source: 'newsletter', utm_medium: 'email', utm_campaign: 'winter-sale' },
      referrer: { origin: 'https://news.example.org', path: '/issues/48' },
      device: expect.objectContaining({ type: 'mobile' }),
    }),
  },
  'authorizer-returning-visitor.json': {
    // The signed cookie keeps the device id, and the open session (last view 10 minutes ago) continues.
    context: { reason: 'tracked', tracked: true, isNewDevice: false, isNewSession: false, deviceId: SAMPLE_DEVICE_ID, sessionId: SAMPLE_SESSION_ID, userId: NO_VALUE },
    setCookie: FRESH_COOKIE,
    queued: () => ({ type: 'page_view', deviceId: SAMPLE_DEVICE_ID, sessionId: SAMPLE_SESSION_ID, sessionStarted: false, path: '/pricing' }),
  },
  'authorizer-prefetch.json': {
    // <link rel="prefetch"> from the returning visitor: identified (ids and cookie kept), not counted.
    context: { reason: 'prefetch', tracked: false, isNewDevice: false, isNewSession: false, deviceId: SAMPLE_DEVICE_ID, sessionId: SAMPLE_SESSION_ID, userId: NO_VALUE },
    setCookie: FRESH_COOKIE,
  },
  'authorizer-bot.json': {
    context: { reason: 'bot', tracked: false, deviceId: NO_VALUE, sessionId: NO_VALUE, userId: NO_VALUE },
    setCookie: DELETION_COOKIE,
  },
  'authorizer-gpc.json': {
    // Sec-GPC: 1 with an existing cookie: no identity, and the cookie is deleted.
    context: { reason: 'privacy_signal', tracked: false, deviceId: NO_VALUE, sessionId: NO_VALUE, userId: NO_VALUE },
    setCookie: DELETION_COOKIE,
  },
  'authorizer-static-path.json': {
    // Deployed, skip paths never reach the authorizer (their routes have none); if one does, it does nothing.
    context: { reason: 'skip_path', tracked: false, deviceId: NO_VALUE, sessionId: NO_VALUE, userId: NO_VALUE },
    setCookie: new RegExp(`^${COOKIE_NAME}_unchanged=; Max-Age=0;`),
  },
};

const AGGREGATOR_EVENTS = ['aggregator-batch.json'];
const FORGET_EVENTS = ['forget-request.json'];

/** A sample event as of this run. */
function readEvent(name: string): Record<string, unknown> {
  return refreshSampleEvent(readSampleEvent(name), REQUEST_MILLIS);
}

let dynamo: LocalDynamo;
let queue: LocalQueue;
let authorize: Authorize;
let consume: Consume;
let forget: Forget;

beforeAll(async () => {
  [dynamo, queue] = await Promise.all([startDynamo(), startQueue('events-page-views')]);
  await createLocalTable(dynamo.client, TABLE);
  // The same variables the stack sets, pointed at the local servers (SDK v3 reads AWS_ENDPOINT_URL_*).
  Object.assign(process.env, {
    AWS_REGION: LOCAL_REGION,
    AWS_ACCESS_KEY_ID: LOCAL_CREDENTIALS.accessKeyId,
    AWS_SECRET_ACCESS_KEY: LOCAL_CREDENTIALS.secretAccessKey,
    AWS_ENDPOINT_URL_SQS: queue.server.endpoint,
    AWS_ENDPOINT_URL_DYNAMODB: dynamo.server.endpoint,
    QUEUE_URL: queue.queues.queueUrl,
    SIGNING_KEYS: sampleKeyRingJson(),
    TABLE_NAME: TABLE,
    RETENTION_DAYS: '30',
    POWERTOOLS_SERVICE_NAME: 'visitor-gate',
    POWERTOOLS_METRICS_NAMESPACE: 'VisitorGate',
    POWERTOOLS_LOG_LEVEL: 'ERROR',
  });
  const authorizerModule = await import('../../lambdas/authorizer/handler');
  const aggregatorModule = await import('../../lambdas/aggregator/handler');
  // Default wiring from the environment; only the clock is pinned to the refreshed events' request time,
  // so the returning visitor's open session (last view 10 minutes before it) is still open.
  const deps = await authorizerModule.createDefaultDeps(process.env);
  authorize = authorizerModule.createAuthorizerHandler({ ...deps, clock: () => REQUEST_MILLIS });
  consume = aggregatorModule.handler;
  forget = (await import('../../lambdas/visitor-rights/forget-handler')).handler;
}, 120_000);

afterAll(async () => {
  await Promise.all([dynamo?.stop(), queue?.stop()]);
});

describe('events/', () => {
  it('has an expected outcome for every file', () => {
    expect(sampleEventFiles()).toEqual([...Object.keys(AUTHORIZER_EXPECTATIONS), ...AGGREGATOR_EVENTS, ...FORGET_EVENTS].sort());
  });

  it.each(sampleEventFiles())('%s is exactly what `npm run events:refresh` writes for its own time', (name) => {
    // If this fails after a cookie format change or a hand edit: run `npm run events:refresh`.
    const committed = readSampleEvent(name);
    expect(refreshSampleEvent(committed, requestTimeOf(committed))).toEqual(committed);
  });

  it('moves every time in an event, and re-signs the sample cookie valid at the new time', () => {
    const later = REQUEST_MILLIS + 500 * 86_400_000;
    const event = refreshSampleEvent(readSampleEvent('authorizer-returning-visitor.json'), later) as { cookies: string[]; requestContext: { timeEpoch: number; time: string } };
    expect(event.requestContext.timeEpoch).toBe(later);
    expect(event.requestContext.time).toMatch(new RegExp(`^\\d\\d/[A-Z][a-z]{2}/${new Date(later).getUTCFullYear()}:`));
    const cookie = event.cookies.find((c) => c.startsWith(`${COOKIE_NAME}=`))?.slice(COOKIE_NAME.length + 1) ?? '';
    const decoded = decodeDeviceCookie(cookie, sampleKeyRing(), later / 1000);
    expect(decoded).toMatchObject({ ok: true, keyId: 'sample1', state: { deviceId: SAMPLE_DEVICE_ID } });
    const batch = refreshSampleEvent(readSampleEvent('aggregator-batch.json'), later);
    expect(requestTimeOf(batch)).toBe(later);
  });
});

describe.each(Object.entries(AUTHORIZER_EXPECTATIONS))('authorizer: events/%s', (file, expected) => {
  it('allows, with the expected identity, cookie and queue message', async () => {
    const result = (await authorize(readEvent(file))) as AuthorizerResult;
    expect(result.isAuthorized).toBe(true);
    expect(result.context).toMatchObject(expected.context);
    if (typeof expected.setCookie === 'string') expect(result.context.setCookie).toBe(expected.setCookie);
    else expect(result.context.setCookie).toMatch(expected.setCookie);

    const messages = await queue.receive(10);
    await queue.settle(messages, []);
    const bodies = messages.map((message) => JSON.parse(message.Body ?? '') as QueueMessage);
    if (expected.queued === undefined) {
      expect(bodies).toEqual([]);
    } else {
      expect(bodies).toHaveLength(1);
      expect(bodies[0]).toMatchObject(expected.queued(result.context));
    }
  });
});

describe('consumer: events/aggregator-batch.json', () => {
  it('aggregates the batch into DynamoDB with no failed records, exactly once', async () => {
    const event = readEvent('aggregator-batch.json') as unknown as SQSEvent;
    expect(await consume(event)).toEqual({ batchItemFailures: [] });
    // Redelivery of the same batch (SQS is at-least-once) must not count anything twice.
    expect(await consume(event)).toEqual({ batchItemFailures: [] });

    const record = await getDevice(SAMPLE_DEVICE_ID, {
      client: dynamo.documentClient,
      tableName: TABLE,
      now: REQUEST_MILLIS + 60_000,
      consistentRead: true,
    });
    expect(record?.device).toMatchObject({ deviceId: SAMPLE_DEVICE_ID, pageViews: 3, sessionCount: 2, userId: 'user-1234', lastPath: '/' });
    expect(record?.sessions.map((session) => [session.sessionId, session.pageViews])).toEqual([
      [Buffer.from('sample-session02').toString('base64url'), 1],
      [SAMPLE_SESSION_ID, 2],
    ]);
  });
});

describe('forget: events/forget-request.json', () => {
  it("erases the sample device (as the consumer's event stores it) and deletes the cookie", async () => {
    const device = () => getDevice(SAMPLE_DEVICE_ID, { client: dynamo.documentClient, tableName: TABLE, now: REQUEST_MILLIS + 60_000, consistentRead: true });
    // The consumer's sample batch first (idempotent), so this test does not depend on the order of the others.
    expect(await consume(readEvent('aggregator-batch.json') as unknown as SQSEvent)).toEqual({ batchItemFailures: [] });
    expect((await device())?.device.pageViews).toBe(3);

    const answer = await forget(readEvent('forget-request.json') as unknown as APIGatewayProxyEventV2);
    expect(answer.statusCode).toBe(200);
    expect(answer.body).toContain('data-outcome="erased"');
    expect(answer.cookies).toEqual([DELETION_COOKIE]);
    expect(await device()).toBeUndefined();
  });
});
