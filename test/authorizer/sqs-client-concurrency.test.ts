/**
 * The authorizer's SQS client with many publishes in flight (issue 10, item 8). smithy starts a request's
 * connection and request timers when the request is created, also while it waits for a free socket, and
 * its default pool has 50: at 100 concurrent requests the local front door lost most page views without
 * SQS being slow. The pool must hold a socket for every publish in flight, over http (local) and https
 * (Lambda). Read from the agents the client really uses: how many connections a loaded machine manages
 * to open within the client's 300 ms is too noisy for a test; `npm run bench:load` shows the effect.
 */
import type { Agent } from 'node:http';
import type { Agent as HttpsAgent } from 'node:https';
import type { NodeHttpHandler } from '@smithy/node-http-handler';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { loadAuthorizerConfig } from '../../lambdas/authorizer/config';
import { SqsPageViewPublisher, sqsBodySender, createSqsClient } from '../../lambdas/authorizer/sqs-page-view-publisher';
import type { PageViewMessage } from '../../lambdas/contract/page-view-message';
import { LOCAL_CREDENTIALS, LOCAL_REGION, startLocalSqs, type LocalSqsServer } from '../../local-runtime/sqs-server';

/** The load benchmark's concurrency at the local front door, twice smithy's default pool. */
const CONCURRENT_PUBLISHES = 100;

let sqs: LocalSqsServer;
let queueUrl: string;

beforeAll(async () => {
  // The SDK reads region and credentials from the environment, as in Lambda.
  vi.stubEnv('AWS_REGION', LOCAL_REGION);
  vi.stubEnv('AWS_ACCESS_KEY_ID', LOCAL_CREDENTIALS.accessKeyId);
  vi.stubEnv('AWS_SECRET_ACCESS_KEY', LOCAL_CREDENTIALS.secretAccessKey);
  sqs = await startLocalSqs();
  ({ queueUrl } = sqs.createQueues({ name: 'views', deadLetterName: 'views-dlq', visibilityTimeoutSeconds: 30, maxReceiveCount: 3 }));
});

afterAll(async () => {
  vi.unstubAllEnvs();
  await sqs.stop();
});

function view(index: number): PageViewMessage {
  return {
    type: 'page_view',
    v: 1,
    id: `view-${String(index).padStart(18, '0')}`,
    deviceId: 'DeviceDeviceDeviceDevi',
    sessionId: 'SessionSessionSessionS',
    sessionStarted: index === 0,
    ts: Date.now(),
    path: `/page/${index}`,
    device: { browser: 'chrome', os: 'linux', type: 'desktop' },
  };
}

describe('the authorizer SQS client with many publishes in flight', () => {
  it('has a socket for every publish in flight, over http and https', async () => {
    const client = createSqsClient(loadAuthorizerConfig({ QUEUE_URL: queueUrl, SIGNING_KEYS: 'unused' }).sqsTimeouts, sqs.endpoint);
    try {
      // The http agent is created on the first request.
      await new SqsPageViewPublisher(sqsBodySender(client, queueUrl)).publish(view(0));
      const handler = client.config.requestHandler as NodeHttpHandler;
      const { httpAgent, httpsAgent } = handler.httpHandlerConfigs() as { httpAgent?: Agent; httpsAgent?: HttpsAgent };
      expect(httpAgent?.maxSockets).toBeGreaterThanOrEqual(CONCURRENT_PUBLISHES);
      expect(httpsAgent?.maxSockets).toBeGreaterThanOrEqual(CONCURRENT_PUBLISHES);
    } finally {
      client.destroy();
    }
  });
});
