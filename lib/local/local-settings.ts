/**
 * Settings of the local runtime (`npm start`), read once from environment variables with documented
 * defaults. The authorizer's and consumer's own settings (COOKIE_NAME, SESSION_TIMEOUT_SECONDS, ...) are
 * not parsed here: the real handlers read them from the same environment, exactly as in Lambda.
 */
import { resolve } from 'node:path';

export class LocalSettingsError extends Error {
  override name = 'LocalSettingsError';
}

export interface LocalSettings {
  /** Front door port (the site's address while developing). */
  port: number;
  /** Your site; when unset the demo origin runs on `demoOriginPort`. */
  originUrl: string | undefined;
  demoOriginPort: number;
  sqsPort: number;
  dynamoDbPort: number;
  dataDir: string;
  /** Messages per consumer invocation (Lambda's BatchSize); the stack's default. */
  batchSize: number;
  /** Lambda's MaximumBatchingWindowInSeconds. */
  batchWindowSeconds: number;
  /** The consumer Lambda's timeout (the stack's 30 s). */
  consumerTimeoutSeconds: number;
  /** As the stack derives it: 6 x the consumer timeout + the batching window. */
  visibilityTimeoutSeconds: number;
  maxReceiveCount: number;
  queueName: string;
  deadLetterQueueName: string;
  tableName: string;
  /** Same default as the authorizer: these paths never reach it. */
  skipPrefixes: string[];
}

export const DEFAULT_SKIP_PREFIXES = '/static/,/media/,/health/,/favicon.ico,/robots.txt';

type Env = Record<string, string | undefined>;

function integer(env: Env, name: string, fallback: number, min: number, max: number): number {
  const raw = env[name]?.trim();
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new LocalSettingsError(`${name} must be a whole number from ${min} to ${max}, got "${raw}".`);
  }
  return value;
}

function text(env: Env, name: string, fallback: string): string {
  const raw = env[name]?.trim();
  return raw ? raw : fallback;
}

function originUrl(env: Env): string | undefined {
  const raw = env.ORIGIN_URL?.trim();
  if (!raw) return undefined;
  let url: URL;
  try {
    url = new URL(raw);
  } catch (error) {
    throw new LocalSettingsError(`ORIGIN_URL must be an absolute http(s) URL, got "${raw}".`, { cause: error });
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new LocalSettingsError(`ORIGIN_URL must use http or https, got "${raw}".`);
  }
  return url.toString().replace(/\/$/, '');
}

export function readLocalSettings(env: Env = process.env): LocalSettings {
  const port = integer(env, 'PORT', 3000, 0, 65_535);
  const consumerTimeoutSeconds = integer(env, 'CONSUMER_TIMEOUT_SECONDS', 30, 1, 900);
  const batchSize = integer(env, 'BATCH_SIZE', 100, 1, 10_000);
  const batchWindowSeconds = integer(env, 'BATCH_WINDOW_SECONDS', 5, 0, 300);
  if (batchSize > 10 && batchWindowSeconds < 1) {
    // Lambda refuses the same combination for standard queues.
    throw new LocalSettingsError('BATCH_SIZE above 10 needs BATCH_WINDOW_SECONDS of at least 1 (as in Lambda).');
  }
  return {
    port,
    originUrl: originUrl(env),
    demoOriginPort: integer(env, 'DEMO_ORIGIN_PORT', port === 0 ? 0 : port + 1, 0, 65_535),
    sqsPort: integer(env, 'SQS_PORT', 9324, 0, 65_535),
    dynamoDbPort: integer(env, 'DYNAMODB_PORT', 8000, 0, 65_535),
    dataDir: resolve(text(env, 'DATA_DIR', '.local-data')),
    batchSize,
    batchWindowSeconds,
    consumerTimeoutSeconds,
    visibilityTimeoutSeconds: 6 * consumerTimeoutSeconds + batchWindowSeconds,
    maxReceiveCount: 5,
    queueName: text(env, 'QUEUE_NAME', 'visitor-gate-page-views'),
    deadLetterQueueName: text(env, 'DEAD_LETTER_QUEUE_NAME', 'visitor-gate-page-views-dlq'),
    tableName: text(env, 'TABLE_NAME', 'visitor-gate'),
    skipPrefixes: text(env, 'SKIP_PREFIXES', DEFAULT_SKIP_PREFIXES)
      .split(',')
      .map((prefix) => prefix.trim())
      .filter((prefix) => prefix.length > 0),
  };
}
