/**
 * Real local AWS servers for integration tests and benchmarks: DynamoDB Local (a JVM, ~2.5 s to start:
 * start it once per test file in `beforeAll`) and fauxqs, with clients pointed at them, plus the
 * Lambda-shaped SQS event the event source mapping would deliver for received messages.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import {
  ChangeMessageVisibilityBatchCommand,
  DeleteMessageBatchCommand,
  ReceiveMessageCommand,
  SendMessageBatchCommand,
  SQSClient,
  type Message,
} from '@aws-sdk/client-sqs';
import { startLocalDynamoDb, type LocalDynamoDbOptions, type LocalDynamoDbServer } from '../local-runtime/dynamodb-local';
import { LOCAL_CREDENTIALS, LOCAL_REGION, startLocalSqs, type LocalQueues, type LocalSqsServer } from '../local-runtime/sqs-server';

export interface LocalDynamo {
  server: LocalDynamoDbServer;
  client: DynamoDBClient;
  documentClient: DynamoDBDocumentClient;
  stop(): Promise<void>;
}

/** A DynamoDB client for a local endpoint; few retries so a stopped server fails fast. */
export function localDynamoClient(endpoint: string, maxAttempts = 2): DynamoDBClient {
  return new DynamoDBClient({ endpoint, region: LOCAL_REGION, credentials: LOCAL_CREDENTIALS, maxAttempts });
}

export function documentClientFor(client: DynamoDBClient): DynamoDBDocumentClient {
  return DynamoDBDocumentClient.from(client, { marshallOptions: { removeUndefinedValues: true } });
}

export async function startDynamo(options: LocalDynamoDbOptions = {}): Promise<LocalDynamo> {
  const server = await startLocalDynamoDb(options);
  const client = localDynamoClient(server.endpoint);
  return {
    server,
    client,
    documentClient: documentClientFor(client),
    async stop() {
      client.destroy();
      await server.stop();
    },
  };
}

export interface LocalQueue {
  server: LocalSqsServer;
  client: SQSClient;
  queues: LocalQueues;
  /** Sends bodies (in chunks of 10, SQS's batch limit). */
  send(bodies: readonly string[]): Promise<void>;
  /** Receives up to `max` messages (10 per call) until the queue answers empty. */
  receive(max: number): Promise<Message[]>;
  /** What the event source mapping does after a partial batch response: delete the successes, and
   * make the failures visible again (immediately, instead of after the visibility timeout). */
  settle(messages: readonly Message[], failedMessageIds: readonly string[]): Promise<void>;
  stop(): Promise<void>;
}

export async function startQueue(name = 'page-views'): Promise<LocalQueue> {
  const server = await startLocalSqs();
  const queues = server.createQueues({ name, deadLetterName: `${name}-dlq`, visibilityTimeoutSeconds: 30, maxReceiveCount: 5 });
  const client = new SQSClient({ endpoint: server.endpoint, region: LOCAL_REGION, credentials: LOCAL_CREDENTIALS });
  return {
    server,
    client,
    queues,
    async send(bodies) {
      for (let index = 0; index < bodies.length; index += 10) {
        const chunk = bodies.slice(index, index + 10);
        const result = await client.send(
          new SendMessageBatchCommand({
            QueueUrl: queues.queueUrl,
            Entries: chunk.map((body, offset) => ({ Id: String(offset), MessageBody: body })),
          }),
        );
        if (result.Failed?.length) throw new Error(`SQS refused ${result.Failed.length} messages`);
      }
    },
    async receive(max) {
      const messages: Message[] = [];
      while (messages.length < max) {
        const page = await client.send(
          new ReceiveMessageCommand({
            QueueUrl: queues.queueUrl,
            MaxNumberOfMessages: Math.min(10, max - messages.length),
            MessageSystemAttributeNames: ['All'],
            WaitTimeSeconds: 0,
          }),
        );
        if (!page.Messages?.length) break;
        messages.push(...page.Messages);
      }
      return messages;
    },
    async settle(messages, failedMessageIds) {
      const failed = new Set(failedMessageIds);
      const entries = (list: readonly Message[]) => list.map((message, index) => ({ Id: String(index), ReceiptHandle: message.ReceiptHandle ?? '' }));
      for (let index = 0; index < messages.length; index += 10) {
        const chunk = messages.slice(index, index + 10);
        const done = chunk.filter((message) => !failed.has(message.MessageId ?? ''));
        const retry = chunk.filter((message) => failed.has(message.MessageId ?? ''));
        if (done.length) await client.send(new DeleteMessageBatchCommand({ QueueUrl: queues.queueUrl, Entries: entries(done) }));
        if (retry.length) {
          await client.send(
            new ChangeMessageVisibilityBatchCommand({
              QueueUrl: queues.queueUrl,
              Entries: entries(retry).map((entry) => ({ ...entry, VisibilityTimeout: 0 })),
            }),
          );
        }
      }
    },
    async stop() {
      client.destroy();
      await server.stop();
    },
  };
}
