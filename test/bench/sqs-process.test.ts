/**
 * The benchmarks' SQS side (bench/sqs-process.ts): fauxqs and counting proxies in a child process,
 * reached over HTTP: requests through each proxy are counted by action, a slowed proxy delays them,
 * and messages land in the one queue.
 */
import { ReceiveMessageCommand, SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LOCAL_CREDENTIALS, LOCAL_REGION } from '../../local-runtime/sqs-server';
import { startSqsProcess, type SqsProcess } from '../../bench/sqs-process';

const DELAY_MS = 40;
let sqs: SqsProcess;
const clientFor = (endpoint: string) => new SQSClient({ endpoint, region: LOCAL_REGION, credentials: LOCAL_CREDENTIALS, maxAttempts: 1 });

beforeAll(async () => {
  sqs = await startSqsProcess({ queue: { name: 'bench-sqs', deadLetterName: 'bench-sqs-dlq', visibilityTimeoutSeconds: 30, maxReceiveCount: 5 }, proxies: [{}, { delayMs: DELAY_MS }] });
}, 30_000);
afterAll(async () => {
  await sqs?.stop();
});

describe('the SQS process of the benchmarks', () => {
  it('counts requests per proxy by action, slows the slowed one, and delivers to the queue', async () => {
    const [plain, slowed] = sqs.proxies;
    if (plain === undefined || slowed === undefined) throw new Error('two proxies expected');
    const plainClient = clientFor(plain.endpoint);
    const slowedClient = clientFor(slowed.endpoint);
    const direct = clientFor(sqs.sqsEndpoint);
    try {
      await plainClient.send(new SendMessageCommand({ QueueUrl: sqs.queueUrl, MessageBody: 'plain' }));
      const started = performance.now();
      await slowedClient.send(new SendMessageCommand({ QueueUrl: sqs.queueUrl, MessageBody: 'slowed' }));
      expect(performance.now() - started).toBeGreaterThanOrEqual(DELAY_MS);

      expect(await plain.counts()).toMatchObject({ total: 1, counts: { SendMessage: { calls: 1, units: 1 } } });
      expect(await slowed.counts()).toMatchObject({ total: 1, counts: { SendMessage: { calls: 1 } } });
      const received = await direct.send(new ReceiveMessageCommand({ QueueUrl: sqs.queueUrl, MaxNumberOfMessages: 10 }));
      expect(received.Messages?.map((message) => message.Body).sort()).toEqual(['plain', 'slowed']);

      await plain.reset();
      expect(await plain.counts()).toEqual({ total: 0, counts: {} });
      expect((await slowed.counts()).total).toBe(1);
    } finally {
      for (const client of [plainClient, slowedClient, direct]) client.destroy();
    }
  }, 30_000);
});
