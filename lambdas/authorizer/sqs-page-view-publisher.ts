/**
 * The SQS adapters: `SqsPageViewPublisher` (one awaited `SendMessage` per view, used when nothing runs
 * work after the response) and `sqsBatchSender` (for `BatchingPageViewPublisher`), and the instance's
 * one SQS client.
 *
 * The client has explicit timeouts (by default connect 100 ms, whole request 300 ms; `SqsTimeouts` in
 * config.ts) and one retry, so a slow queue can never hold a page for long; when both attempts fail the
 * handler logs the message for replay.
 * Its socket pool is unbounded (see `SOCKETS_PER_ENDPOINT`), so those timeouts only ever measure SQS.
 * It is loaded on the authorizer's first invocation, through `first-invocation-modules.ts`, not at
 * module load.
 */
import { SQSClient, SendMessageBatchCommand, SendMessageCommand } from '@aws-sdk/client-sqs';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import type { QueueMessage } from '../contract/page-view-message';
import type { BatchSender } from './batching-page-view-publisher';
import type { SqsTimeouts } from './config';
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

/**
 * smithy starts the connection and request timers when a request is created, also while it waits for a
 * free socket, and its default pool has 50: a 51st publish in flight could time out without ever
 * reaching SQS (the local front door lost most views at concurrency 100). Unbounded, the pool holds one
 * socket per publish in flight: one per Lambda instance (one invocation at a time), one per request in
 * flight at the local front door; idle sockets stay open for reuse (keep-alive).
 */
const SOCKETS_PER_ENDPOINT = Number.POSITIVE_INFINITY;

export function createSqsClient(timeouts: SqsTimeouts, endpoint: string | undefined): SQSClient {
  return new SQSClient({
    // `throwOnRequestTimeout` matters: without it smithy only logs a warning when requestTimeout passes, and
    // an endpoint that accepts the connection but never answers holds the request indefinitely (tested).
    requestHandler: new NodeHttpHandler({
      connectionTimeout: timeouts.connectMs,
      requestTimeout: timeouts.requestMs,
      throwOnRequestTimeout: true,
      httpAgent: { maxSockets: SOCKETS_PER_ENDPOINT },
      httpsAgent: { maxSockets: SOCKETS_PER_ENDPOINT },
    }),
    maxAttempts: 2,
    // The SQS client sends to the QueueUrl's host unless `endpoint` is given explicitly, which would ignore
    // the standard AWS_ENDPOINT_URL_SQS that local runs set (fauxqs queue URLs use a *.localhost host).
    ...(endpoint === undefined ? {} : { endpoint }),
  });
}

let sharedClient: SQSClient | undefined;

/** The instance's SQS client, created once and reused by every invocation (keep-alive connections). */
export function sharedSqsClient(timeouts: SqsTimeouts, endpoint: string | undefined): SQSClient {
  return (sharedClient ??= createSqsClient(timeouts, endpoint));
}
