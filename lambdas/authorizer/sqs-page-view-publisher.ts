/**
 * The SQS adapters: `sqsBodySender` (one `SendMessage` of one body), used by `SqsPageViewPublisher`
 * (one awaited send per view, when nothing runs work after the response) and by
 * `BatchingPageViewPublisher`, and the instance's one SQS client.
 *
 * The client has explicit timeouts (by default connect 100 ms, whole request 300 ms; `SqsTimeouts` in
 * config.ts) and one retry, so a slow queue can never hold a page for long; when both attempts fail the
 * handler logs the message for replay.
 * Its socket pool is unbounded (see `SOCKETS_PER_ENDPOINT`), so those timeouts only ever measure SQS.
 * It is loaded on the authorizer's first invocation, through `first-invocation-modules.ts`, not at
 * module load.
 */
import { SQSClient, SendMessageCommand } from '@aws-sdk/client-sqs';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import type { QueueMessage } from '../contract/page-view-message';
import type { SqsTimeouts } from './config';
import { PublishError } from './errors';
import type { PageViewPublisher } from './page-view-publisher';

/** Sends one message body; rejects with `PublishError` once the client's retries are exhausted. */
export type BodySender = (body: string) => Promise<void>;

export function sqsBodySender(client: Pick<SQSClient, 'send'>, queueUrl: string): BodySender {
  return async (body) => {
    try {
      await client.send(new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: body }));
    } catch (cause) {
      throw new PublishError(`sending a message of ${Buffer.byteLength(body)} bytes to SQS failed`, { cause });
    }
  };
}

export class SqsPageViewPublisher implements PageViewPublisher {
  constructor(private readonly send: BodySender) {}

  publish(message: QueueMessage): Promise<void> {
    return this.send(JSON.stringify(message));
  }
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
