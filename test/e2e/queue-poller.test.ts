/**
 * The local event source mapping against a real fauxqs: batches shaped like Lambda's SQS events, partial
 * batch responses delete only the successes, failures come back and rest in the dead-letter queue after
 * maxReceiveCount receives.
 */
import { ReceiveMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import type { SQSEvent } from 'aws-lambda';
import { afterEach, describe, expect, it } from 'vitest';
import { localSqsClient, loopbackEndpointOf } from '../../local-runtime/aws-clients';
import { sendBodies } from '../../local-runtime/pending-messages';
import { startQueuePoller, type QueuePoller } from '../../local-runtime/event-source-mapping';
import { startLocalSqs, type LocalSqsServer } from '../../local-runtime/sqs-server';
import { eventually } from './local-runtime-process';

let sqs: LocalSqsServer | undefined;
let client: SQSClient | undefined;
let poller: QueuePoller | undefined;

afterEach(async () => {
  await poller?.stop();
  client?.destroy();
  await sqs?.stop();
  poller = undefined;
});

/** A queue with a 1 s visibility timeout and maxReceiveCount 5, polled with a 1 s batching window. */
async function pollQueue(batchSize: number, invoke: (event: SQSEvent) => Promise<unknown>) {
  sqs = await startLocalSqs();
  const queues = sqs.createQueues({ name: 'views', deadLetterName: 'views-dlq', visibilityTimeoutSeconds: 1, maxReceiveCount: 5 });
  client = localSqsClient(loopbackEndpointOf(queues.queueUrl));
  poller = startQueuePoller({
    sqs: client,
    queueUrl: queues.queueUrl,
    queue: { queueArn: queues.queueArn, region: 'us-east-1' },
    batchSize,
    batchWindowSeconds: 1,
    handlerTimeoutSeconds: 5,
    invoke,
  });
  return { queues, client };
}

describe('local queue poller', () => {
  it('invokes with Lambda-shaped SQS events and deletes only the records not reported as failed', async () => {
    const events: SQSEvent[] = [];
    const attempts = new Map<string, number>();
    const { queues, client } = await pollQueue(10, async (event) => {
      events.push(event);
      for (const record of event.Records) attempts.set(record.body, (attempts.get(record.body) ?? 0) + 1);
      return { batchItemFailures: event.Records.filter((record) => record.body === 'poison').map((record) => ({ itemIdentifier: record.messageId })) };
    });
    await sendBodies(client, queues.queueUrl, ['good-1', 'poison', 'good-2']);

    // The poison message is received 5 times (maxReceiveCount), then moves to the dead-letter queue.
    await eventually('poison in the dead-letter queue', async () => {
      const dead = sqs?.server.inspectQueue('views-dlq')?.messages.ready ?? [];
      return dead.some((message) => message.body === 'poison') ? true : undefined;
    }, 45_000);
    expect(attempts.get('good-1')).toBe(1);
    expect(attempts.get('good-2')).toBe(1);
    expect(attempts.get('poison')).toBe(5);

    const record = events[0]?.Records[0];
    expect(record).toMatchObject({ eventSource: 'aws:sqs', eventSourceARN: queues.queueArn, awsRegion: 'us-east-1' });
    expect(record?.attributes.ApproximateReceiveCount).toBe('1');
    expect(record?.attributes.SentTimestamp).toMatch(/^\d+$/);
    expect(typeof record?.receiptHandle).toBe('string');
    expect(record?.md5OfBody).toMatch(/^[0-9a-f]{32}$/);
    // Nothing is left in the main queue.
    const left = await client.send(new ReceiveMessageCommand({ QueueUrl: queues.queueUrl, WaitTimeSeconds: 0 }));
    expect(left.Messages ?? []).toEqual([]);
  }, 60_000);

  it('retries the whole batch when the handler throws, and cuts batches of at most batchSize', async () => {
    const sizes: number[] = [];
    let calls = 0;
    const { queues, client } = await pollQueue(4, async (event) => {
      calls += 1;
      sizes.push(event.Records.length);
      if (calls === 1) throw new Error('function error');
      return undefined;
    });
    await sendBodies(client, queues.queueUrl, ['a', 'b', 'c', 'd', 'e', 'f']);
    await eventually('the queue to empty', async () => {
      const messages = sqs?.server.inspectQueue('views')?.messages;
      return messages && messages.ready.length + messages.inflight.length + messages.delayed.length === 0 && calls > 1 ? true : undefined;
    }, 30_000);
    expect(Math.max(...sizes)).toBeLessThanOrEqual(4);
    // After the failed first batch, every message was processed (and deleted) exactly once.
    expect(sizes.slice(1).reduce((sum, size) => sum + size, 0)).toBe(6);
    expect(sqs?.server.inspectQueue('views-dlq')?.messages.ready ?? []).toEqual([]);
  }, 45_000);
});
