/**
 * The authorizer bundle as deployed, under Lambda's lifecycle (loopback Runtime/Extensions API, a
 * runtime client in a child process) and a REAL SQS protocol server (fauxqs): the internal extension
 * registers during init, page views leave after the response, views held between invocations leave on
 * SIGTERM, and what cannot be sent at shutdown ends as replay records.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HOLD_LIMITS } from '../../lambdas/authorizer/held-page-views';
import { EXTENSION_NAME } from '../../lambdas/authorizer/lambda-extension-client';
import { parseQueueBody } from '../../lambdas/contract/page-view-message';
import { freePort } from '../../local-runtime/free-port';
import { LOCAL_CREDENTIALS, LOCAL_REGION } from '../../local-runtime/sqs-server';
import { scanUnpublishedLog } from '../../local-runtime/unpublished-log';
import { bundleAuthorizer, startLambdaEnvironment, type AuthorizerBundle } from '../../harness/lambda-environment';
import { startQueue, type LocalQueue } from '../../harness/local-aws';
import { SIGNING_KEYS, httpApiEvent } from './authorizer-fixtures';

let bundle: AuthorizerBundle;
let queue: LocalQueue;

const envFor = (sqsEndpoint: string) => ({
  QUEUE_URL: queue.queues.queueUrl,
  SIGNING_KEYS,
  AWS_REGION: LOCAL_REGION,
  AWS_ACCESS_KEY_ID: LOCAL_CREDENTIALS.accessKeyId,
  AWS_SECRET_ACCESS_KEY: LOCAL_CREDENTIALS.secretAccessKey,
  AWS_ENDPOINT_URL_SQS: sqsEndpoint,
  POWERTOOLS_METRICS_DISABLED: 'true',
});

async function receivedIds(): Promise<string[]> {
  const messages = await queue.receive(100);
  await queue.settle(messages, []);
  return messages.flatMap((message) => {
    const parsed = parseQueueBody(message.Body ?? '');
    if (!parsed.ok) throw new Error(parsed.detail);
    return parsed.messages.map((queued) => queued.id);
  });
}

beforeAll(async () => {
  [bundle, queue] = await Promise.all([bundleAuthorizer(), startQueue()]);
}, 60_000);
afterAll(async () => {
  await queue?.stop();
  bundle?.remove();
});

describe('the deployed authorizer under the Lambda lifecycle', () => {
  it('registers its extension during init, answers before it sends, and sends held views on SIGTERM exactly once', async () => {
    const environment = await startLambdaEnvironment({ bundleDir: bundle.dir, entry: 'esm-entry', env: envFor(queue.server.endpoint) });
    try {
      expect(environment.api.extensions).toEqual([EXTENSION_NAME]);
      expect(environment.api.refusedRegistrations).toBe(0);

      // The first view: no idea yet when the next invocation comes, so it leaves right after the response.
      const first = environment.api.invoke(httpApiEvent({ path: '/first' }));
      const firstResponse = await first.response;
      const firstDone = await first.complete;
      expect(firstResponse.response).toMatchObject({ isAuthorized: true, context: { tracked: true } });
      // The environment stayed busy after the response: that is where the send ran.
      expect(firstDone.completedAt).toBeGreaterThan(firstResponse.respondedAt);
      // The page waited for no SQS request (counted in the function's process by the runtime client),
      // and the time it measured there is part of what the Runtime API saw.
      expect(firstResponse.client?.outgoingRequests).toBe(0);
      expect(firstResponse.client?.elapsedMs).toBeGreaterThan(0);
      expect(firstResponse.client?.elapsedMs).toBeLessThan(firstResponse.respondedAt - firstResponse.deliveredAt);

      // Views in quick succession are held for a batch (the environment expects its next invocation soon).
      for (const path of ['/a', '/b', '/c', '/d', '/e']) await environment.api.invoke(httpApiEvent({ path })).complete;
      const whileHeld = await receivedIds();
      expect(whileHeld.length).toBeGreaterThanOrEqual(1); // the first one at least
      expect(whileHeld.length).toBeLessThan(6);

      // Lambda's SIGTERM before shutdown: what is held leaves (within the budget) and the process exits.
      const code = await environment.stop(2_000);
      expect(code).toBe(0);
      const afterStop = await receivedIds();
      expect(new Set([...whileHeld, ...afterStop]).size).toBe(6);
      expect(whileHeld.length + afterStop.length).toBe(6);
      expect(environment.lines().filter((line) => line.includes('visitor-gate.unpublished-message'))).toEqual([]);
    } finally {
      await environment.stop().catch(() => undefined);
    }
  }, 30_000);

  it('writes replay records for held views it cannot send before shutdown, and the replay counts each once', async () => {
    const deadPort = await freePort();
    const environment = await startLambdaEnvironment({ bundleDir: bundle.dir, entry: 'esm-entry', env: envFor(`http://127.0.0.1:${deadPort}`) });
    try {
      const responses = [];
      for (const path of ['/one', '/two', '/three', '/four']) {
        const invocation = environment.api.invoke(httpApiEvent({ path }));
        responses.push((await invocation.response).response);
        await invocation.complete;
      }
      for (const response of responses) expect(response).toMatchObject({ isAuthorized: true, context: { tracked: true } });
      await environment.stop(2_000);
      const scan = scanUnpublishedLog(environment.lines().join('\n'));
      // The first view failed right after its response, the others at shutdown: all four are replayable.
      expect(scan.messages).toHaveLength(4);
      await queue.send(scan.messages.map((message) => JSON.stringify(message)));
      await queue.send(scan.messages.map((message) => JSON.stringify(message))); // replayed twice
      const ids = await receivedIds();
      expect(new Set(ids).size).toBe(4);
    } finally {
      await environment.stop().catch(() => undefined);
    }
  }, 30_000);

  it('a function error does not leave the environment waiting: the extension still asks for its next event', async () => {
    const { QUEUE_URL: _missing, ...badConfig } = envFor(queue.server.endpoint);
    const environment = await startLambdaEnvironment({ bundleDir: bundle.dir, entry: 'esm-entry', env: badConfig });
    try {
      const invocation = environment.api.invoke(httpApiEvent({ path: '/broken' }));
      expect((await invocation.response).error).toMatchObject({ errorType: 'AuthorizerConfigError' });
      const done = await invocation.complete; // would hang if the extension waited for a handler that failed
      expect(done.completedAt).toBeGreaterThan(0);
    } finally {
      await environment.stop();
    }
  }, 30_000);

  it('a runtime crash (or a timeout reset) loses at most the views held, fewer than one full message body', async () => {
    const environment = await startLambdaEnvironment({ bundleDir: bundle.dir, entry: 'esm-entry', env: envFor(queue.server.endpoint) });
    const accepted = 8;
    try {
      for (let i = 0; i < accepted; i++) await environment.api.invoke(httpApiEvent({ path: `/crash/${i}` })).complete;
    } finally {
      environment.child.kill('SIGKILL'); // no SIGTERM: nothing runs any more
      await environment.stop().catch(() => undefined);
    }
    const sent = await receivedIds();
    const lost = accepted - sent.length;
    expect(lost).toBeGreaterThan(0); // this is the failure the row describes
    expect(lost).toBeLessThan(HOLD_LIMITS.maxViews);
  }, 30_000);

  it('without the ES-module entry (no extension) sends each view inside the invocation, as before', async () => {
    const environment = await startLambdaEnvironment({ bundleDir: bundle.dir, entry: 'index', env: envFor(queue.server.endpoint) });
    try {
      expect(environment.api.extensions).toEqual([]);
      const answer = await environment.api.invoke(httpApiEvent({ path: '/inline' })).response;
      expect(answer.client?.outgoingRequests).toBe(1); // the page waited for its SendMessage
      expect(await receivedIds()).toHaveLength(1);
    } finally {
      await environment.stop();
    }
  }, 30_000);
});
