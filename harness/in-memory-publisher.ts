/** A page-view publisher that keeps messages in memory: the authorizer's tests, network out of the picture. */
import type { PageViewPublisher } from '../lambdas/authorizer/page-view-publisher';
import type { QueueMessage } from '../lambdas/contract/page-view-message';

export class InMemoryPageViewPublisher implements PageViewPublisher {
  readonly messages: QueueMessage[] = [];

  async publish(message: QueueMessage): Promise<void> {
    this.messages.push(message);
  }
}
