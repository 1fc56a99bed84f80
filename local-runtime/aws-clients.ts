/**
 * SDK clients and environment for the local servers.
 *
 * fauxqs names queues `http://sqs.<region>.localhost:<port>/<account>/<name>` and only knows them by that
 * exact URL, and the SQS client sends each request to its QueueUrl's host. Not every resolver maps
 * `*.localhost` to loopback (glibc does not), so the local runtime makes this process follow RFC 6761
 * for `.localhost` names; the real handlers then work with the standard AWS_ENDPOINT_URL_SQS variable.
 * Our own clients (CLIs, poller) connect to 127.0.0.1 directly and need no DNS at all.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { SQSClient } from '@aws-sdk/client-sqs';
import { interceptLocalhostDns } from 'fauxqs';
import { SETTINGS as S, envText } from '../lambdas/contract/settings';
import { LOCAL_CREDENTIALS, LOCAL_REGION } from './sqs-server';
import { METRICS_NAMESPACE, SERVICE_NAME } from '../lambdas/observability/names';

let dnsIntercepted = false;

/** The authorizer's SQS request timeout per attempt under `npm start` (two attempts fit its 5 s timeout). */
export const LOCAL_SQS_TIMEOUT_MS = S.sqsRequestTimeoutMs.localDefault;

/** Resolves `*.localhost` to 127.0.0.1 in this process (idempotent). */
export function resolveLocalhostSubdomains(): void {
  if (dnsIntercepted) return;
  interceptLocalhostDns('localhost');
  dnsIntercepted = true;
}

/** `http://sqs.us-east-1.localhost:9324/000000000000/q` -> `http://127.0.0.1:9324`. */
export function loopbackEndpointOf(queueUrl: string): string {
  const url = new URL(queueUrl);
  return `${url.protocol}//127.0.0.1:${url.port}`;
}

export function localSqsClient(endpoint: string): SQSClient {
  return new SQSClient({
    endpoint,
    region: LOCAL_REGION,
    credentials: LOCAL_CREDENTIALS,
    // The queue URL's host is only a name; send everything to the endpoint itself.
    useQueueUrlAsEndpoint: false,
    maxAttempts: 3,
  });
}

export function localDocumentClient(endpoint: string): DynamoDBDocumentClient {
  const client = new DynamoDBClient({ endpoint, region: LOCAL_REGION, credentials: LOCAL_CREDENTIALS, maxAttempts: 3 });
  return DynamoDBDocumentClient.from(client, { marshallOptions: { removeUndefinedValues: true } });
}

export interface HandlerEnvironment {
  queueUrl: string;
  tableName: string;
  dynamoDbEndpoint: string;
  signingKeys: string | undefined;
}

/** What the consumer alone needs (`npm run seed-demo` runs it without a queue): the local table and credentials. */
export function applyConsumerEnvironment(settings: Pick<HandlerEnvironment, 'tableName' | 'dynamoDbEndpoint'>, env: NodeJS.ProcessEnv = process.env): void {
  env.AWS_REGION = LOCAL_REGION;
  env.AWS_DEFAULT_REGION = LOCAL_REGION;
  env.AWS_ACCESS_KEY_ID = LOCAL_CREDENTIALS.accessKeyId;
  env.AWS_SECRET_ACCESS_KEY = LOCAL_CREDENTIALS.secretAccessKey;
  delete env.AWS_SESSION_TOKEN;
  delete env.AWS_PROFILE;
  env.AWS_ENDPOINT_URL_DYNAMODB = settings.dynamoDbEndpoint;
  env[S.tableName.env] = settings.tableName;
  // Metrics are CloudWatch EMF lines on stdout, which locally would drown the access log.
  env[S.metricsDisabled.env] ??= String(S.metricsDisabled.localDefault);
  env[S.serviceName.env] ??= SERVICE_NAME;
  env[S.metricsNamespace.env] ??= METRICS_NAMESPACE;
}

/**
 * Sets what the handlers read at cold start. Values the user already set win, except the endpoints,
 * queue and table, which must point at the servers this runtime started.
 */
export function applyHandlerEnvironment(settings: HandlerEnvironment, env: NodeJS.ProcessEnv = process.env): void {
  applyConsumerEnvironment(settings, env);
  env[S.awsEndpointUrlSqs.env] = new URL(settings.queueUrl).origin;
  env[S.queueUrl.env] = settings.queueUrl;
  if (!envText(S.signingKeys, env) && !envText(S.signingKeysSecretArn, env) && settings.signingKeys) env[S.signingKeys.env] = settings.signingKeys;
  // npm start's own defaults for the handlers (settings.ts, localDefault): fauxqs answers from this busy
  // process (front door, origin and consumer too), so the SQS timeouts are the most the authorizer accepts.
  for (const spec of [S.sqsConnectTimeoutMs, S.sqsRequestTimeoutMs]) env[spec.env] ??= String(spec.localDefault);
}
