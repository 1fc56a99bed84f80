/**
 * A real SQS protocol server (fauxqs) started in-process, for `npm start`, tests and benchmarks.
 * It keeps messages in memory only.
 */
import { startFauxqs, type FauxqsServer } from 'fauxqs';
import { assertPortFree } from './free-port';

export const LOCAL_REGION = 'us-east-1';
/** DynamoDB Local and fauxqs accept any credentials; these keep the SDK from looking for real ones. */
export const LOCAL_CREDENTIALS = { accessKeyId: 'local', secretAccessKey: 'local' } as const;

export interface LocalQueueSettings {
  name: string;
  deadLetterName: string;
  visibilityTimeoutSeconds: number;
  maxReceiveCount: number;
  /** Dead-letter retention; the stack keeps dead letters 14 days, the SQS maximum. */
  deadLetterRetentionSeconds?: number;
}

export interface LocalQueues {
  queueUrl: string;
  queueArn: string;
  deadLetterQueueUrl: string;
  deadLetterQueueArn: string;
}

export interface LocalSqsServer {
  server: FauxqsServer;
  /**
   * `http://127.0.0.1:<port>`. Queue URLs are `http://sqs.<region>.localhost:<port>/...` (fauxqs knows a
   * queue only by that exact URL), and SQSClient sends to the QueueUrl's host unless it has an explicit
   * `endpoint` or `useQueueUrlAsEndpoint: false`; `*.localhost` does not resolve everywhere (glibc).
   */
  endpoint: string;
  port: number;
  createQueues(settings: LocalQueueSettings): LocalQueues;
  stop(): Promise<void>;
}

export async function startLocalSqs(port = 0): Promise<LocalSqsServer> {
  if (port !== 0) await assertPortFree(port, 'SQS (fauxqs)');
  const server = await startFauxqs({ port, logger: false, defaultRegion: LOCAL_REGION });
  const endpoint = `http://127.0.0.1:${server.port}`;
  return {
    server,
    endpoint,
    port: server.port,
    createQueues(settings) {
      const dlq = server.createQueue(settings.deadLetterName, {
        attributes: { MessageRetentionPeriod: String(settings.deadLetterRetentionSeconds ?? 1_209_600) },
      });
      const queue = server.createQueue(settings.name, {
        attributes: {
          VisibilityTimeout: String(settings.visibilityTimeoutSeconds),
          RedrivePolicy: JSON.stringify({
            deadLetterTargetArn: dlq.queueArn,
            maxReceiveCount: String(settings.maxReceiveCount),
          }),
        },
      });
      return {
        queueUrl: queue.queueUrl,
        queueArn: queue.queueArn,
        deadLetterQueueUrl: dlq.queueUrl,
        deadLetterQueueArn: dlq.queueArn,
      };
    },
    stop: () => server.stop(),
  };
}
