/**
 * How the command-line tools reach the table. Locally: the DynamoDB Local of a running `npm start`
 * (found through `runtime.json` in the data folder, or on DYNAMODB_PORT), or else their own DynamoDB
 * Local started on the same data folder for the length of the command (two JVMs never open one database
 * file). Deployed (`--table <name> --region <region>`, or `--stack <name>` read from the stack's
 * outputs): the operator's own AWS credentials, from the SDK's default chain (AWS_PROFILE, SSO, ...).
 */
import { join } from 'node:path';
import { CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { DynamoDBClient, ListTablesCommand } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
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
  /** The DynamoDB Local endpoint; undefined for a deployed table. */
  localEndpoint?: string;
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
      return { client, tableName: candidate.tableName, source: candidate.source, localEndpoint: candidate.endpoint, close: async () => client.destroy() };
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
    localEndpoint: server.endpoint,
    async close() {
      client.destroy();
      await server.stop();
    },
  };
}

/** The command-line options that choose a deployed table (node:util parseArgs), one home for every tool. */
export const TABLE_TARGET_OPTIONS = {
  table: { type: 'string' },
  stack: { type: 'string' },
  region: { type: 'string' },
} as const;

export const TABLE_TARGET_USAGE = `Table: the local one (npm start's DynamoDB Local) by default, or a deployed stack's with your own AWS
credentials (the SDK's default chain: AWS_PROFILE, SSO, environment, ...):
  --table <name> --region <region>   a table by name (needs dynamodb:Query on it)
  --stack <name> [--region <region>] the TableName output of a CloudFormation stack (also cloudformation:DescribeStacks)`;

export interface TableTarget {
  table?: string;
  stack?: string;
  region?: string;
}

export class TableTargetError extends Error {
  override name = 'TableTargetError';
}

/** The stack output that names the table (lib/visitor-gate-stack.ts). */
export const TABLE_NAME_OUTPUT = 'TableName';

async function stackTableName(stack: string, region: string): Promise<string> {
  const client = new CloudFormationClient({ region });
  try {
    const answer = await client.send(new DescribeStacksCommand({ StackName: stack }));
    const output = answer.Stacks?.[0]?.Outputs?.find((candidate) => candidate.OutputKey === TABLE_NAME_OUTPUT)?.OutputValue;
    if (!output) throw new TableTargetError(`stack ${stack} has no ${TABLE_NAME_OUTPUT} output (is it a visitor-gate stack?)`);
    return output;
  } finally {
    client.destroy();
  }
}

/**
 * The table the options choose: a deployed one with `--table` or `--stack`, else the local one.
 * Deployed clients use the default credential chain and `--region` (or AWS_REGION / the profile's).
 */
export async function openTable(target: TableTarget, settings: LocalSettings): Promise<LocalTableAccess> {
  if (target.table !== undefined && target.stack !== undefined) throw new TableTargetError('give --table or --stack, not both');
  if (target.table === undefined && target.stack === undefined) {
    if (target.region !== undefined) throw new TableTargetError('--region goes with --table or --stack');
    return openLocalTable(settings);
  }
  const raw = new DynamoDBClient(target.region ? { region: target.region } : {});
  let tableName: string;
  let region: string | undefined;
  try {
    region = await raw.config.region().catch(() => undefined);
    if (!region) throw new TableTargetError('no AWS region: give --region, or set AWS_REGION or a profile with a region');
    tableName = target.table ?? (await stackTableName(target.stack as string, region));
  } catch (error) {
    raw.destroy();
    throw error;
  }
  const client = DynamoDBDocumentClient.from(raw);
  const via = target.stack === undefined ? '' : ` (stack ${target.stack})`;
  return { client, tableName, source: `DynamoDB in ${region}${via} with your AWS credentials`, close: async () => raw.destroy() };
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
