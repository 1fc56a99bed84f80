/**
 * The consumer's event source mapping, locally: `sqs-consumer` pollers receive from the queue, a batch
 * collector cuts batches by size and batching window like Lambda's poller, the handler runs on a
 * Lambda-shaped SQS event, and only the messages its partial batch response does not list as failed are
 * deleted. Failed ones become visible again after the visibility timeout, and the queue's redrive policy
 * moves them to the dead-letter queue after maxReceiveCount receives.
 */
import type { Message, SQSClient } from '@aws-sdk/client-sqs';
import type { SQSEvent } from 'aws-lambda';
import { Consumer } from 'sqs-consumer';
import { judgeBatchResponse, toSqsEvent, type QueueIdentity } from './sqs-lambda-event';

export interface QueuePollerOptions {
  sqs: SQSClient;
  queueUrl: string;
  queue: QueueIdentity;
  batchSize: number;
  batchWindowSeconds: number;
  /** How long stop() waits for a batch in progress. */
  handlerTimeoutSeconds: number;
  invoke(event: SQSEvent): Promise<unknown>;
  onBatch?(summary: { size: number; failed: number; error?: unknown }): void;
  onError?(error: Error): void;
}

export interface QueuePoller {
  stop(): Promise<void>;
}

interface Contribution {
  messages: Message[];
  settle(acked: Message[]): void;
}

/** SQS hands out at most 10 messages per receive. */
const SQS_MAX_RECEIVE = 10;

export function startQueuePoller(options: QueuePollerOptions): QueuePoller {
  const windowMs = options.batchWindowSeconds * 1000;
  let stopping = false;
  let waiting: Contribution[] = [];
  let waitingCount = 0;
  let windowTimer: NodeJS.Timeout | undefined;

  async function runBatch(messages: Message[]): Promise<Set<string>> {
    const ids = new Set(messages.map((message) => message.MessageId ?? ''));
    try {
      const response = await options.invoke(toSqsEvent(messages, options.queue));
      const verdict = judgeBatchResponse(response, ids);
      if (verdict.outcome === 'all-succeeded') {
        options.onBatch?.({ size: messages.length, failed: 0 });
        return ids;
      }
      if (verdict.outcome === 'all-failed') {
        options.onBatch?.({ size: messages.length, failed: messages.length, error: new Error(verdict.reason) });
        return new Set();
      }
      options.onBatch?.({ size: messages.length, failed: verdict.failedMessageIds.size });
      return new Set([...ids].filter((id) => !verdict.failedMessageIds.has(id)));
    } catch (error) {
      // A function error: Lambda retries the whole batch after the visibility timeout.
      options.onBatch?.({ size: messages.length, failed: messages.length, error });
      return new Set();
    }
  }

  async function flush(): Promise<void> {
    clearTimeout(windowTimer);
    windowTimer = undefined;
    const contributions = waiting;
    waiting = [];
    waitingCount = 0;
    const all = contributions.flatMap((contribution) => contribution.messages);
    const acked = new Set<string>();
    for (let start = 0; start < all.length; start += options.batchSize) {
      for (const id of await runBatch(all.slice(start, start + options.batchSize))) acked.add(id);
    }
    for (const contribution of contributions) {
      contribution.settle(contribution.messages.filter((message) => acked.has(message.MessageId ?? '')));
    }
  }

  function collect(messages: Message[]): Promise<Message[]> {
    return new Promise((settle) => {
      waiting.push({ messages, settle });
      waitingCount += messages.length;
      if (windowMs === 0 || waitingCount >= options.batchSize || stopping) void flush();
      else windowTimer ??= setTimeout(() => void flush(), windowMs);
    });
  }

  // Several pollers, like Lambda's, so a batch larger than one receive can fill within the window.
  const pollerCount = Math.max(1, Math.ceil(options.batchSize / SQS_MAX_RECEIVE));
  const consumers = Array.from({ length: pollerCount }, () => {
    const consumer = Consumer.create({
      sqs: options.sqs,
      queueUrl: options.queueUrl,
      batchSize: Math.min(options.batchSize, SQS_MAX_RECEIVE),
      // Short long-polls so that Ctrl-C stops within about a second.
      waitTimeSeconds: 1,
      messageSystemAttributeNames: ['All'],
      messageAttributeNames: ['All'],
      pollingCompleteWaitTimeMs: options.handlerTimeoutSeconds * 1000,
      handleMessageBatch: collect,
    });
    consumer.on('error', (error) => options.onError?.(error));
    consumer.start();
    return consumer;
  });

  return {
    async stop() {
      stopping = true;
      const stopped = consumers.map(
        (consumer) => new Promise<void>((resolveStop) => consumer.once('stopped', () => resolveStop())),
      );
      for (const consumer of consumers) consumer.stop();
      // Anything waiting for the batching window is processed now rather than abandoned.
      if (waiting.length > 0) await flush();
      await Promise.all(stopped);
    },
  };
}
