/**
 * The port the authorizer sends queue messages through. The SQS adapters live in
 * `sqs-page-view-publisher.ts` (loaded on the first invocation, so the AWS SDK stays out of the module
 * load) and `batching-page-view-publisher.ts`; tests use an in-memory one (harness/).
 */
import type { QueueMessage } from '../contract/page-view-message';

export interface PageViewPublisher {
  /** Sends one message; rejects (with `PublishError` for SQS) once the client's retries are exhausted. */
  publish(message: QueueMessage): Promise<void>;
}
