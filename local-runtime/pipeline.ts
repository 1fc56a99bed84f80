/**
 * `npm start` as a function: SQS (fauxqs) with the stack's queue and dead-letter queue, DynamoDB Local
 * with the stack's table, the real authorizer behind a local front door, the real consumer behind a
 * local event source mapping, and a demo origin unless one is given. `stop()` undoes it in order.
 */
import { mkdirSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { APIGatewayProxyEventV2, SQSEvent } from 'aws-lambda';
import { FIXED_CHOICES } from '../lambdas/contract/settings';
import { startDashboard } from '../dashboard/server';
import { seedDemoTraffic } from './demo-traffic';
import { FORGET_ENDPOINT } from '../lambdas/visitor-rights/forget-endpoint';
import { startDemoOrigin, type DemoOrigin } from './demo-origin';
import { assertJavaAvailable, dynamoDbPidPath, startLocalDynamoDb, stopOrphanedDynamoDb, type LocalDynamoDbServer } from './dynamodb-local';
import { assertPortFree } from './free-port';
import { closeServer, startLocalFrontDoor, type LocalFrontDoor, type LocalFrontDoorRequestLog } from './http-api-front-door';
import { buildAuthorizerEvent, type HttpApiAuthorizerEvent } from './http-api-authorizer-event';
import { applyHandlerEnvironment, localDocumentClient, localSqsClient, loopbackEndpointOf, resolveLocalhostSubdomains } from './aws-clients';
import { loadLocalLambda, type LocalLambda } from './lambda-runtime';
import type { LocalSettings } from './settings';
import { loadOrCreateLocalKeyRing, SIGNING_KEYS_FILE } from './signing-keys';
import { createLocalTable } from './table';
import { pendingMessagesPath, queueBodies, readPendingMessages, sendBodies, writePendingMessages } from './pending-messages';
import { startQueuePoller, type QueuePoller } from './event-source-mapping';
import { readRuntimeInfo, removeRuntimeInfo, writeRuntimeInfo, type RuntimeInfo } from './runtime-file';
import { LOCAL_CREDENTIALS, LOCAL_REGION, startLocalSqs, type LocalSqsServer } from './sqs-server';
import { keepUnpublishedRecords, UNPUBLISHED_LOG_FILE, unpublishedLogPath } from './unpublished-log';

const REPO_ROOT = resolve(import.meta.dirname, '..');
export const AUTHORIZER_MODULE = join(REPO_ROOT, 'lambdas/authorizer/handler.ts');
export const AGGREGATOR_MODULE = join(REPO_ROOT, 'lambdas/aggregator/handler.ts');
export const FORGET_MODULE = join(REPO_ROOT, 'lambdas/visitor-rights/forget-handler.ts');
/** The stack's authorizer timeout; API Gateway itself gives up after 10 s. */
const AUTHORIZER_TIMEOUT_MS = FIXED_CHOICES.authorizerTimeoutSeconds * 1000;
const FORGET_TIMEOUT_MS = FIXED_CHOICES.forgetTimeoutSeconds * 1000;

export class LocalStartError extends Error {
  override name = 'LocalStartError';
}

export interface LocalRuntimeOptions {
  settings: LocalSettings;
  /** Start from an empty data folder (`npm start -- --fresh`). */
  fresh?: boolean;
  /** Progress while slow parts start. */
  progress?(line: string): void;
  /** Everything else worth a line: access log, consumer batches, errors. */
  log?(line: string): void;
  /** Fill the table with demo traffic through the consumer before opening (`npm start -- --seed-demo`). */
  seedDemo?: boolean;
  /** Other handler modules (absolute paths), e.g. a failing consumer in a test. */
  handlerModules?: { authorizer?: string; aggregator?: string };
}

export interface LocalRuntime {
  info: RuntimeInfo;
  stop(): Promise<void>;
}

function describeError(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}

function accessLine(entry: LocalFrontDoorRequestLog): string {
  const outcome = entry.authorizer;
  let identity: string;
  if (outcome.kind === 'skipped') identity = 'skip route, no authorizer';
  else if (outcome.kind === 'reserved') identity = 'reserved path, answered by the authorizer function';
  else if (outcome.kind === 'failed') identity = `authorizer failed (${describeError(outcome.error)}), proxied without identity`;
  else {
    const flags = [outcome.context.reason, outcome.context.isNewDevice === true ? 'new device' : undefined, outcome.context.isNewSession === true ? 'new session' : undefined];
    identity = flags.filter((flag) => typeof flag === 'string').join(', ');
  }
  return `front door  ${entry.method} ${entry.path} -> ${entry.status} (${identity}) ${entry.durationMs.toFixed(1)} ms`;
}

/** Removes what makes the data folder non-empty; `runtime.json` of a running instance is checked by the caller. */
function wipeDataFolder(dataDir: string): void {
  for (const entry of ['dynamodb', SIGNING_KEYS_FILE, 'pending-messages.json', UNPUBLISHED_LOG_FILE]) {
    rmSync(join(dataDir, entry), { recursive: true, force: true });
  }
}

/** Waits (bounded) until no message is waiting to be received; batches in progress are the poller's. */
async function waitUntilDrained(sqs: LocalSqsServer, queueName: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  const waiting = () => {
    const messages = sqs.server.inspectQueue(queueName)?.messages;
    return messages ? messages.ready.length + messages.delayed.length : 0;
  };
  while (Date.now() < deadline && waiting() > 0) {
    await new Promise((resolveWait) => setTimeout(resolveWait, 100));
  }
}

/**
 * One invocation of each handler before the front door opens, so a bad setting (which fails a cold
 * start) stops `npm start` with the handler's own message instead of failing every request later. The
 * authorizer gets a skip-path request (no page view); the consumer an empty batch.
 */
async function warmUp(
  authorizer: LocalLambda<HttpApiAuthorizerEvent, unknown>,
  aggregator: LocalLambda<SQSEvent, unknown>,
  skipPrefixes: readonly string[],
): Promise<void> {
  const skipPath = skipPrefixes.find((prefix) => prefix.startsWith('/'));
  const steps: Array<[string, () => Promise<unknown>]> = [['consumer', () => aggregator.invoke({ Records: [] })]];
  if (skipPath) {
    const { event } = buildAuthorizerEvent(
      { method: 'GET', url: skipPath.endsWith('/') ? `${skipPath}warm-up` : skipPath, headers: { host: 'localhost' }, httpVersion: '1.1', sourceIp: '127.0.0.1', protocol: 'http', localPort: 0 },
      new Date(),
    );
    steps.push(['authorizer', () => authorizer.invoke(event)]);
  }
  for (const [name, invoke] of steps) {
    try {
      await invoke();
    } catch (error) {
      throw new LocalStartError(`The ${name} handler failed its cold start: ${error instanceof Error ? error.message : String(error)}`, {
        cause: error,
      });
    }
  }
}

export async function startLocalRuntime(options: LocalRuntimeOptions): Promise<LocalRuntime> {
  const { settings } = options;
  const progress = options.progress ?? (() => undefined);
  const log = options.log ?? (() => undefined);

  const other = readRuntimeInfo(settings.dataDir);
  if (other) {
    // Two DynamoDB Local JVMs must never open the same database file.
    throw new LocalStartError(
      `npm start already runs on the data folder ${settings.dataDir} (pid ${other.pid}, front door ${other.frontDoorUrl}). ` +
        'Stop it first, or give this one another DATA_DIR.',
    );
  }
  // A runtime killed with SIGKILL cannot stop its DynamoDB Local (its own process group, so a terminal's
  // Ctrl-C reaches only us); the JVM would keep its port and the database file. Stop it first.
  const orphan = await stopOrphanedDynamoDb(dynamoDbPidPath(settings.dataDir));
  if (orphan !== undefined) progress(`stopped DynamoDB Local (pid ${orphan}) left running by an npm start that was killed`);

  // Fail before starting anything: a clear message beats a half-started runtime.
  try {
    assertJavaAvailable();
    const ports: Array<[number, string]> = [
      [settings.port, 'front door, PORT'],
      [settings.sqsPort, 'SQS, SQS_PORT'],
      [settings.dynamoDbPort, 'DynamoDB Local, DYNAMODB_PORT'],
      [settings.dashboardPort, 'dashboard, DASHBOARD_PORT'],
    ];
    if (!settings.originUrl) ports.push([settings.demoOriginPort, 'demo origin, DEMO_ORIGIN_PORT']);
    for (const [port, what] of ports) if (port !== 0) await assertPortFree(port, what);
  } catch (error) {
    throw new LocalStartError((error as Error).message, { cause: error });
  }

  mkdirSync(settings.dataDir, { recursive: true });
  if (options.fresh) wipeDataFolder(settings.dataDir);

  const cleanups: Array<() => Promise<void>> = [];
  const stopAll = async () => {
    for (const cleanup of cleanups.reverse()) {
      try {
        await cleanup();
      } catch (error) {
        log(`shutdown: ${describeError(error)}`);
      }
    }
    cleanups.length = 0;
  };

  try {
    // From before the handlers load: every replay record the authorizer logs is also kept on disk.
    const stopKeeping = keepUnpublishedRecords(unpublishedLogPath(settings.dataDir));
    cleanups.push(async () => stopKeeping());
    resolveLocalhostSubdomains();
    progress('starting SQS (fauxqs)...');
    const sqs = await startLocalSqs(settings.sqsPort);
    cleanups.push(() => sqs.stop());
    const queues = sqs.createQueues({
      name: settings.queueName,
      deadLetterName: settings.deadLetterQueueName,
      visibilityTimeoutSeconds: settings.visibilityTimeoutSeconds,
      maxReceiveCount: settings.maxReceiveCount,
    });
    const sqsClient = localSqsClient(loopbackEndpointOf(queues.queueUrl));
    cleanups.push(async () => sqsClient.destroy());

    progress('starting DynamoDB Local (a Java process; this takes a few seconds)...');
    const jvmStarted = Date.now();
    const stillWaiting = setInterval(
      () => progress(`still starting DynamoDB Local (${Math.round((Date.now() - jvmStarted) / 1000)} s)...`),
      5_000,
    );
    let dynamo: LocalDynamoDbServer;
    try {
      dynamo = await startLocalDynamoDb({
        port: settings.dynamoDbPort,
        dataDir: join(settings.dataDir, 'dynamodb'),
        detached: true,
        pidFile: dynamoDbPidPath(settings.dataDir),
      });
    } finally {
      clearInterval(stillWaiting);
    }
    cleanups.push(() => dynamo.stop());
    const tableClient = new DynamoDBClient({ endpoint: dynamo.endpoint, region: LOCAL_REGION, credentials: LOCAL_CREDENTIALS });
    await createLocalTable(tableClient, settings.tableName);
    tableClient.destroy();

    applyHandlerEnvironment({
      queueUrl: queues.queueUrl,
      tableName: settings.tableName,
      dynamoDbEndpoint: dynamo.endpoint,
      signingKeys: loadOrCreateLocalKeyRing(settings.dataDir),
    });

    const pendingPath = pendingMessagesPath(settings.dataDir);
    const pending = readPendingMessages(pendingPath);
    if (pending.queue.length + pending.deadLetter.length > 0) {
      await sendBodies(sqsClient, queues.queueUrl, pending.queue);
      await sendBodies(sqsClient, queues.deadLetterQueueUrl, pending.deadLetter);
      writePendingMessages(pendingPath, { queue: [], deadLetter: [] });
      progress(`re-queued ${pending.queue.length} message(s) kept in the data folder by the last stop or by replay (+${pending.deadLetter.length} dead letters)`);
    }
    // Saved before the servers stop (cleanups run in reverse).
    cleanups.push(async () => {
      writePendingMessages(pendingPath, {
        queue: queueBodies(sqs, settings.queueName),
        deadLetter: queueBodies(sqs, settings.deadLetterQueueName),
      });
    });

    progress('loading the authorizer and consumer handlers...');
    const authorizer = await loadLocalLambda<HttpApiAuthorizerEvent, unknown>(
      options.handlerModules?.authorizer ?? AUTHORIZER_MODULE,
      'visitor-gate-authorizer',
      AUTHORIZER_TIMEOUT_MS,
    );
    const aggregator = await loadLocalLambda<SQSEvent, unknown>(
      options.handlerModules?.aggregator ?? AGGREGATOR_MODULE,
      'visitor-gate-aggregator',
      settings.consumerTimeoutSeconds * 1000,
    );

    const forget = await loadLocalLambda<APIGatewayProxyEventV2, unknown>(FORGET_MODULE, 'visitor-gate-forget', FORGET_TIMEOUT_MS);

    await warmUp(authorizer, aggregator, settings.skipPrefixes);
    if (options.seedDemo) {
      progress('seeding demo traffic through the consumer...');
      const seeded = await seedDemoTraffic((event) => aggregator.invoke(event));
      progress(`seeded ${seeded.views.length} page views, ${seeded.sessions} sessions, ${seeded.devices} devices over ${seeded.days} days`);
    }

    const statsClient = localDocumentClient(dynamo.endpoint);
    cleanups.push(async () => statsClient.destroy());
    const dashboard = await startDashboard({
      client: statsClient,
      tableName: settings.tableName,
      source: 'DynamoDB Local of npm start',
      timeZone: settings.statsTimeZone,
      port: settings.dashboardPort,
      onError: (error) => log(`dashboard   ${describeError(error)}`),
    });
    cleanups.push(() => dashboard.stop());

    let originUrl = settings.originUrl;
    if (!originUrl) {
      const demo: DemoOrigin = await startDemoOrigin(settings.demoOriginPort, settings.reservedPrefix);
      cleanups.push(() => closeServer(demo.server, 500));
      originUrl = demo.url;
    }

    const poller: QueuePoller = startQueuePoller({
      sqs: sqsClient,
      queueUrl: queues.queueUrl,
      queue: { queueArn: queues.queueArn, region: LOCAL_REGION },
      batchSize: settings.batchSize,
      batchWindowSeconds: settings.batchWindowSeconds,
      handlerTimeoutSeconds: settings.consumerTimeoutSeconds,
      invoke: (event) => aggregator.invoke(event),
      onBatch: ({ size, failed, error }) =>
        log(
          `consumer    batch of ${size}: ${size - failed} done, ${failed} failed` +
            (error ? ` (${describeError(error)}; retried after the visibility timeout)` : ''),
        ),
      onError: (error) => log(`consumer    ${describeError(error)}`),
    });
    cleanups.push(() => poller.stop());
    // Runs before the poller stops: let the consumer finish what the last requests sent.
    cleanups.push(() => waitUntilDrained(sqs, settings.queueName, (settings.batchWindowSeconds + 5) * 1000));
    // Runs once the front door is closed, as SHUTDOWN on Lambda: views the authorizer still holds leave.
    cleanups.push(async () => {
      const held = authorizer.heldCount();
      if (held > 0) log(`authorizer  shutdown: sending ${held} held page view(s)`);
      await authorizer.shutdown();
    });

    const frontDoor: LocalFrontDoor = await startLocalFrontDoor({
      port: settings.port,
      originUrl,
      skipPrefixes: settings.skipPrefixes,
      authorizerTimeoutMs: AUTHORIZER_TIMEOUT_MS,
      authorize: (event) => authorizer.invoke(event),
      // Deployed, the same function is the reserved route's integration (beacon-handler.ts).
      reserved: { prefix: settings.reservedPrefix, invoke: (event) => authorizer.invoke(event as never) },
      routes: [{ path: `${settings.reservedPrefix}${FORGET_ENDPOINT}`, methods: ['GET', 'HEAD', 'POST'], invoke: (event) => forget.invoke(event) }],
      onRequest: (entry) => log(accessLine(entry)),
    });
    cleanups.push(() => frontDoor.stop());
    // Runs first on stop: like a frozen Lambda environment, the authorizer sends nothing while idle, so
    // views it holds now leave at its shutdown (above), as on SIGTERM.
    cleanups.push(async () => authorizer.freeze());

    const info: RuntimeInfo = {
      pid: process.pid,
      startedAt: new Date().toISOString(),
      frontDoorUrl: frontDoor.url,
      originUrl,
      sqsEndpoint: sqs.endpoint,
      queueUrl: queues.queueUrl,
      deadLetterQueueUrl: queues.deadLetterQueueUrl,
      dynamoDbEndpoint: dynamo.endpoint,
      tableName: settings.tableName,
      dashboardUrl: dashboard.url,
    };
    writeRuntimeInfo(settings.dataDir, info);
    cleanups.push(async () => removeRuntimeInfo(settings.dataDir));

    return { info, stop: stopAll };
  } catch (error) {
    await stopAll();
    // The messages of what fails here (port in use, Java missing, a cold start) are written for people.
    throw error instanceof LocalStartError
      ? error
      : new LocalStartError(error instanceof Error ? error.message : String(error), { cause: error });
  }
}
