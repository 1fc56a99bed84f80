/**
 * A stalled database: a TCP server that accepts connections and never answers (what DynamoDB Local
 * paused with SIGSTOP looks like to a client). The consumer's client must fail its requests and the
 * batch must report its records failed, never wait for the database to come back.
 */
import { createServer, type Server, type Socket } from 'node:net';
import { Logger } from '@aws-lambda-powertools/logger';
import type { Context } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDynamoClient, documentClientOf, DYNAMODB_TIMEOUTS, type DynamoClientOptions } from '../../lambdas/aggregator/dynamodb-client';
import { createDynamoSessionStore } from '../../lambdas/aggregator/dynamodb-session-store';
import { createAggregatorHandler, DEADLINE_MARGIN_MS } from '../../lambdas/aggregator/handler';
import { LOCAL_CREDENTIALS, LOCAL_REGION } from '../../local-runtime/sqs-server';
import { toSqsEvent } from '../../local-runtime/sqs-lambda-event';
import { opaqueId, sessionViews } from '../../harness/queue-messages';

let server: Server;
let endpoint: string;
const sockets = new Set<Socket>();

beforeAll(async () => {
  server = createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('no port');
  endpoint = `http://127.0.0.1:${address.port}`;
});
afterAll(async () => {
  for (const socket of sockets) socket.destroy();
  await new Promise((resolve) => server.close(resolve));
});

function handlerFor(timeouts?: DynamoClientOptions['timeouts']) {
  const client = createDynamoClient({ endpoint, region: LOCAL_REGION, credentials: LOCAL_CREDENTIALS, ...(timeouts ? { timeouts } : {}) });
  const store = createDynamoSessionStore({ client: documentClientOf(client), tableName: 'stalled', retentionDays: 30 });
  const handler = createAggregatorHandler({ store, logger: new Logger({ logLevel: 'SILENT' }), metrics: { publish: () => undefined } });
  return { handler, client };
}

function eventOf(count: number) {
  const views = sessionViews(count, { deviceId: opaqueId(), startTs: Date.now() - 60_000, gapMs: 1_000 });
  const messages = views.map((view, index) => ({ MessageId: `m-${index}`, ReceiptHandle: `r-${index}`, Body: JSON.stringify(view) }));
  return toSqsEvent(messages, { queueArn: 'arn:aws:sqs:us-east-1:000000000000:page-views', region: 'us-east-1' });
}

/** The handler's answer, or 'hung' if it has none after `ms`. */
async function within<T>(ms: number, work: Promise<T>): Promise<T | 'hung'> {
  let timer: NodeJS.Timeout | undefined;
  const hung = new Promise<'hung'>((resolve) => (timer = setTimeout(() => resolve('hung'), ms)));
  try {
    return await Promise.race([work, hung]);
  } finally {
    clearTimeout(timer);
  }
}

describe('consumer against a stalled DynamoDB', () => {
  it('fails every request after its request timeout and reports the records failed', async () => {
    // Shorter timeouts than production (same handler options otherwise) keep the test quick.
    const { handler, client } = handlerFor({ requestTimeoutMs: 300, maxAttempts: 2 });
    try {
      const started = Date.now();
      const response = await within(8_000, handler(eventOf(3)));
      expect(response).not.toBe('hung');
      expect(response === 'hung' ? [] : response.batchItemFailures).toEqual([{ itemIdentifier: 'm-0' }, { itemIdentifier: 'm-1' }, { itemIdentifier: 'm-2' }]);
      expect(Date.now() - started).toBeLessThan(5_000);
    } finally {
      client.destroy();
    }
  });

  it('with the production timeouts, answers before the Lambda deadline', async () => {
    // Five attempts of 3 s each would outlast a short remaining time: the deadline aborts them.
    expect(DYNAMODB_TIMEOUTS.requestTimeoutMs * DYNAMODB_TIMEOUTS.maxAttempts).toBeGreaterThan(4_000);
    const { handler, client } = handlerFor();
    const remaining = DEADLINE_MARGIN_MS + 1_500;
    const context = { getRemainingTimeInMillis: () => remaining } as Context;
    try {
      const started = Date.now();
      const response = await within(remaining + 3_000, handler(eventOf(2), context));
      expect(response).not.toBe('hung');
      expect(response === 'hung' ? [] : response.batchItemFailures.map((failure) => failure.itemIdentifier)).toEqual(['m-0', 'm-1']);
      expect(Date.now() - started).toBeLessThan(remaining);
    } finally {
      client.destroy();
    }
  });
});
