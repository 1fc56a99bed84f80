/**
 * The port the authorizer sends queue messages through, and its SQS adapter. The SQS client is
 * injected (the handler creates it once at module scope with tight timeouts and bounded retries).
 */
import { SendMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import type { QueueMessage } from '../shared/page-view-message';
import { PublishError } from './errors';

export interface PageViewPublisher {
  /** Sends one message; rejects with `PublishError` once the client's retries are exhausted. */
  publish(message: QueueMessage): Promise<void>;
}

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

/** Keeps messages in memory: for tests and the benchmark (network out of the figure). */
export class InMemoryPageViewPublisher implements PageViewPublisher {
  readonly messages: QueueMessage[] = [];

  async publish(message: QueueMessage): Promise<void> {
    this.messages.push(message);
  }
}
