/**
 * How the command-line tools reach the local table: the DynamoDB Local of a running `npm start` (found
 * through `runtime.json` in the data folder, or on DYNAMODB_PORT), or else their own DynamoDB Local
 * started on the same data folder for the length of the command. Two JVMs never open one database file.
 */
import { join } from 'node:path';
import { DynamoDBClient, ListTablesCommand } from '@aws-sdk/client-dynamodb';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { localDocumentClient } from './aws-clients';
import type { LocalSettings } from './settings';
import { createLocalTable } from './table';
import { readRuntimeInfo } from './runtime-file';
import { LOCAL_CREDENTIALS, LOCAL_REGION } from './sqs-server';
import { dynamoDbPidPath, startLocalDynamoDb, stopOrphanedDynamoDb } from './dynamodb-local';

export interface LocalTableAccess {
  client: DynamoDBDocumentClient;
  tableName: string;
  /** Where the data came from, for a line on stderr. */
  source: string;
  close(): Promise<void>;
}

async function answers(endpoint: string): Promise<boolean> {
  const probe = new DynamoDBClient({
    endpoint,
    region: LOCAL_REGION,
    credentials: LOCAL_CREDENTIALS,
    maxAttempts: 1,
    requestHandler: { connectionTimeout: 500, requestTimeout: 1_000 },
  });
  try {
    await probe.send(new ListTablesCommand({}));
    return true;
  } catch {
    return false;
  } finally {
    probe.destroy();
  }
}

export async function openLocalTable(settings: LocalSettings): Promise<LocalTableAccess> {
  const running = readRuntimeInfo(settings.dataDir);
  const candidates = running
    ? [{ endpoint: running.dynamoDbEndpoint, tableName: running.tableName, source: `npm start (pid ${running.pid})` }]
    : [];
  candidates.push({
    endpoint: `http://127.0.0.1:${settings.dynamoDbPort}`,
    tableName: settings.tableName,
    source: `DynamoDB Local on DYNAMODB_PORT ${settings.dynamoDbPort}`,
  });
  for (const candidate of candidates) {
    if (await answers(candidate.endpoint)) {
      const client = localDocumentClient(candidate.endpoint);
      return { client, tableName: candidate.tableName, source: candidate.source, close: async () => client.destroy() };
    }
  }

  // Same pid file as npm start: a killed command's JVM is stopped by whichever starts next.
  const pidFile = dynamoDbPidPath(settings.dataDir);
  await stopOrphanedDynamoDb(pidFile);
  const server = await startLocalDynamoDb({ dataDir: join(settings.dataDir, 'dynamodb'), pidFile });
  const raw = new DynamoDBClient({ endpoint: server.endpoint, region: LOCAL_REGION, credentials: LOCAL_CREDENTIALS });
  // An empty data folder has no table yet; an empty table answers "not found" instead of an error.
  await createLocalTable(raw, settings.tableName);
  raw.destroy();
  const client = localDocumentClient(server.endpoint);
  return {
    client,
    tableName: settings.tableName,
    source: `own DynamoDB Local on ${join(settings.dataDir, 'dynamodb')} (npm start is not running)`,
    async close() {
      client.destroy();
      await server.stop();
    },
  };
}

const TIME_KEYS = new Set(['firstSeen', 'lastSeen', 'start', 'lastActivity', 'ts']);

/** Epoch-millisecond fields as ISO strings, anywhere in a read result. */
export function withIsoTimes(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withIsoTimes);
  if (typeof value !== 'object' || value === null) return value;
  return Object.fromEntries(
    Object.entries(value).map(([key, item]) => [
      key,
      TIME_KEYS.has(key) && typeof item === 'number' ? new Date(item).toISOString() : withIsoTimes(item),
    ]),
  );
}
