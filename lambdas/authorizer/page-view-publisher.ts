/**
 * The port the authorizer sends queue messages through, and an in-memory adapter for tests and the
 * benchmark. The SQS adapter lives in `sqs-page-view-publisher.ts`, loaded on the first invocation so
 * the AWS SDK stays out of the module load.
 */
import type { QueueMessage } from '../contract/page-view-message';

export interface PageViewPublisher {
  /** Sends one message; rejects (with `PublishError` for SQS) once the client's retries are exhausted. */
  publish(message: QueueMessage): Promise<void>;
}

/** Keeps messages in memory: for tests and the benchmark (network out of the figure). */
export class InMemoryPageViewPublisher implements PageViewPublisher {
  readonly messages: QueueMessage[] = [];

  async publish(message: QueueMessage): Promise<void> {
    this.messages.push(message);
  }
}
