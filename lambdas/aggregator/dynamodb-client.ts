/**
 * The consumer's DynamoDB client settings, in one place for the Lambda handler and the tests that
 * check them against a stalled server.
 *
 * `throwOnRequestTimeout`: @smithy/node-http-handler (4.x) only logs a warning when `requestTimeout`
 * passes and keeps waiting for the answer; with it set, the attempt fails with a `TimeoutError`, the
 * SDK retries it (a transient error in standard mode), and the last failure reaches the batch as a
 * failed write, so a stalled database fails its records instead of hanging until the function timeout.
 */
import { DynamoDBClient, type DynamoDBClientConfig } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { NodeHttpHandler } from '@smithy/node-http-handler';

export interface DynamoTimeouts {
  maxAttempts: number;
  connectionTimeoutMs: number;
  requestTimeoutMs: number;
}

export const DYNAMODB_TIMEOUTS: Readonly<DynamoTimeouts> = {
  /** Attempts per request (standard retry mode, backoff for throttling). */
  maxAttempts: 5,
  connectionTimeoutMs: 1_000,
  requestTimeoutMs: 3_000,
};

export interface DynamoClientOptions extends Omit<DynamoDBClientConfig, 'requestHandler' | 'maxAttempts'> {
  timeouts?: Partial<DynamoTimeouts>;
}

export function createDynamoClient(options: DynamoClientOptions = {}): DynamoDBClient {
  const { timeouts, ...config } = options;
  const settings = { ...DYNAMODB_TIMEOUTS, ...timeouts };
  return new DynamoDBClient({
    ...config,
    maxAttempts: settings.maxAttempts,
    requestHandler: new NodeHttpHandler({
      connectionTimeout: settings.connectionTimeoutMs,
      requestTimeout: settings.requestTimeoutMs,
      throwOnRequestTimeout: true,
    }),
  });
}

export function documentClientOf(client: DynamoDBClient): DynamoDBDocumentClient {
  return DynamoDBDocumentClient.from(client, { marshallOptions: { removeUndefinedValues: true } });
}
