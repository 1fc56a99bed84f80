/**
 * The SQS adapters: `SqsPageViewPublisher` (one awaited `SendMessage` per view, used when nothing runs
 * work after the response) and `sqsBatchSender` (for `BatchingPageViewPublisher`), and the instance's
 * one SQS client.
 *
 * The client has explicit timeouts (connect ~100 ms, whole request ~300 ms) and one retry, so a slow
 * queue can never hold a page for long; when both attempts fail the handler logs the message for replay.
 * It is loaded on the authorizer's first invocation, through `first-invocation-modules.ts`, not at
 * module load.
 */
import { SQSClient, SendMessageBatchCommand, SendMessageCommand } from '@aws-sdk/client-sqs';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import type { QueueMessage } from '../shared/page-view-message';
import type { BatchSender } from './batching-page-view-publisher';
import { PublishError } from './errors';
import type { PageViewPublisher } from './page-view-publisher';

export class SqsPageViewPublisher implements PageViewPublisher {
  constructor(
    private readonly client: Pick<SQSClient, 'send'>,
    private readonly queueUrl: string,
  ) {}

  async publish(message: QueueMessage): Promise<void> {
    try {
      await this.client.send(new SendMessageCommand({ QueueUrl: this.queueUrl, MessageBody: JSON.stringify(message) }));
    } catch (cause) {
      throw new PublishError(`sending ${message.type} ${message.id} to SQS failed`, { cause });
    }
  }
}

/** `SendMessageBatch` for `BatchingPageViewPublisher`: resolves with the ids SQS refused. */
export function sqsBatchSender(client: Pick<SQSClient, 'send'>, queueUrl: string): BatchSender {
  return async (entries) => {
    try {
      const result = await client.send(
        new SendMessageBatchCommand({ QueueUrl: queueUrl, Entries: entries.map((entry) => ({ Id: entry.id, MessageBody: entry.body })) }),
      );
      return (result.Failed ?? []).map((failed) => failed.Id ?? '');
    } catch (cause) {
      throw new PublishError(`sending a batch of ${entries.length} to SQS failed`, { cause });
    }
  };
}

export function createSqsClient(env: NodeJS.ProcessEnv = process.env): SQSClient {
  return new SQSClient({
    // `throwOnRequestTimeout` matters: without it smithy only logs a warning when requestTimeout passes, and
    // an endpoint that accepts the connection but never answers holds the request indefinitely (tested).
    requestHandler: new NodeHttpHandler({ connectionTimeout: 100, requestTimeout: 300, throwOnRequestTimeout: true }),
    maxAttempts: 2,
    // The SQS client sends to the QueueUrl's host unless `endpoint` is given explicitly, which would ignore
    // the standard AWS_ENDPOINT_URL_SQS that local runs set (fauxqs queue URLs use a *.localhost host).
    ...(env.AWS_ENDPOINT_URL_SQS ? { endpoint: env.AWS_ENDPOINT_URL_SQS } : {}),
  });
}

let sharedClient: SQSClient | undefined;

/** The instance's SQS client, created once and reused by every invocation (keep-alive connections). */
export function sharedSqsClient(env: NodeJS.ProcessEnv = process.env): SQSClient {
  return (sharedClient ??= createSqsClient(env));
}
