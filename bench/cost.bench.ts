/**
 * `npm run bench:cost`: what a million page views cost, for the previous design (one awaited send per view) and the one this
 * repository deploys now, side by side, at 1M, 30M and 1B page views a month. See bench/cost/*.ts and
 * the cost section of docs/benchmarks.md (generated from this run's bench/results/cost.json) for the model.
 *
 * Real code and servers: the authorizer (the `before` design with one awaited SendMessage per view,
 * the current one with whatever publisher `createDefaultDeps` wires) sends to fauxqs through a proxy
 * that counts SQS calls and 64 KiB units by API action; the aggregator handler writes to DynamoDB Local,
 * which reports the write units it consumed. What the functions print is counted byte by byte.
 * Modelled: the event source mapping (bench/cost/esm-model.ts), Lambda's CPU share (a function gets
 * memory/1769 of a vCPU, so local CPU time is scaled by 1769/memory), SQS and DynamoDB round trips
 * (10 ms and 8 ms), and Lambda's START/END/REPORT lines when a design keeps them.
 *
 * Sampling: one trace of about 7,000 requests (bench/cost/trace.ts) stands for every rate; counts
 * are scaled by (views a month) / (requests in the trace). The event source mapping is simulated at
 * the full rate: the sampled messages are mixed into Poisson background traffic of the same size, so
 * they share batches (and the aggregator's write units) as they would at that rate. Receives,
 * deletes and invocations per message come from 24 hourly simulations of a day whose rate swings
 * +-50% around the mean (the month-shaped part).
 */
import { randomUUID } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DeleteMessageBatchCommand, ReceiveMessageCommand, SendMessageCommand, SQSClient, type Message } from '@aws-sdk/client-sqs';
import { DynamoDBDocumentClient, paginateScan } from '@aws-sdk/lib-dynamodb';
import { marshall } from '@aws-sdk/util-dynamodb';
import type { SQSEvent } from 'aws-lambda';
import { createDynamoSessionStore } from '../lambdas/aggregator/dynamodb-session-store';
import { Logger } from '@aws-lambda-powertools/logger';
import { createAggregatorHandler } from '../lambdas/aggregator/handler';
import { createDynamoStatisticsStore } from '../lambdas/aggregator/dynamodb-statistics-store';
import { FUNCTION_SETTINGS } from '../lambdas/contract/function-settings';
import { DAY_MS } from '../lambdas/aggregation/retention';
import { itemSizeBytes } from '../lambdas/aggregator/item-size';
import { createAuthorizerMetrics } from '../lambdas/authorizer/authorizer-metrics';
import { createLogger, createMetrics, publishCounts } from '../lambdas/observability/powertools';
import type { AuthorizerContext } from '../lambdas/contract/gateway-context';
import { loadAuthorizerConfig } from '../lambdas/authorizer/config';
import { BatchingPageViewPublisher } from '../lambdas/authorizer/batching-page-view-publisher';
import { HOLD_LIMITS } from '../lambdas/authorizer/held-page-views';
import { sharedSqsClient, sqsBodySender } from '../lambdas/authorizer/sqs-page-view-publisher';
import { SETTINGS } from '../lambdas/contract/settings';
import { MIN_WRITE_CAPACITY, TARGET_WRITE_UTILIZATION_PERCENT } from '../lib/anonymous-tracking';
import { createAuthorizerHandler, createDefaultDeps, type AuthorizerDeps, type AuthorizerHandler } from '../lambdas/authorizer/handler';
import type { PageViewPublisher } from '../lambdas/authorizer/page-view-publisher';
import { parseKeyRing } from '../lambdas/identity/key-ring';
import type { QueueMessage } from '../lambdas/contract/page-view-message';
import { startLocalDynamoDb } from '../local-runtime/dynamodb-local';
import { createLocalTable } from '../local-runtime/table';
import { toSqsEvent, type QueueIdentity } from '../local-runtime/sqs-lambda-event';
import { LOCAL_CREDENTIALS, LOCAL_REGION } from '../local-runtime/sqs-server';
import { seededRandom, type Random } from '../harness/seeded-random';
import { synthesize } from '../harness/stack-fixture';
import { BEFORE, currentDesign, type Design } from './cost/designs';
import { simulateEsm, type Arrival, type EsmSettings } from './cost/esm-model';
import { emptyOutput, metered, metricKeys, type OutputTotals } from './cost/output-meter';
import { PRICES, PRICES_CHECKED, httpApiCost } from './cost/prices';
import type { ActionCount } from './sqs-counting-proxy';
import { startSqsProcess, type SqsProcess } from './sqs-process';
import { BOT_USER_AGENT, HUMAN_USER_AGENTS, TRACE_SHAPE, generateTrace, type TraceRequest } from './cost/trace';
import { observabilityNames } from '../lambdas/observability/names';

const SEED = 20_261_202;
const RATES = [
  { label: '1M', viewsPerMonth: 1e6 },
  { label: '30M', viewsPerMonth: 30e6 },
  { label: '1B', viewsPerMonth: 1e9 },
] as const;
const SECONDS_PER_MONTH = 730 * 3600;
const HOURS_PER_MONTH = 730;
/** Lambda gives a function memory/1769 of a vCPU (docs: "at 1,769 MB, a function has the equivalent of one vCPU"). */
const ONE_VCPU_MB = 1769;
const SQS_ROUND_TRIP_MS = 10;
const DYNAMO_ROUND_TRIP_MS = 8;
const CONSUMER_WRITE_CONCURRENCY = 16;
const COOKIE_NAME = 'device_fp';
const KEY_RING = JSON.stringify({ current: 'k1', k1: 'b'.repeat(64) });

// ---------- the authorizer over the trace ----------

interface AuthorizerRun {
  requests: number;
  trackedViews: number;
  billedMs: number;
  output: OutputTotals;
  accessLogBytes: number;
  sqs: Map<string, ActionCount>;
  messages: Array<{ body: string; at: number; views: number }>;
}

class OneSendPerView implements PageViewPublisher {
  constructor(
    private readonly client: SQSClient,
    private readonly queueUrl: string,
  ) {}

  async publish(message: QueueMessage): Promise<void> {
    await this.client.send(new SendMessageCommand({ QueueUrl: this.queueUrl, MessageBody: JSON.stringify(message) }));
  }
}

function httpApiEvent(request: TraceRequest, cookie: string | undefined, nowMs: number) {
  const userAgent = request.kind === 'bot' ? BOT_USER_AGENT : (HUMAN_USER_AGENTS[Math.abs(request.visitor) % HUMAN_USER_AGENTS.length] as string);
  return {
    version: '2.0',
    type: 'REQUEST',
    routeArn: `arn:aws:execute-api:${LOCAL_REGION}:000000000000:bench/$default/GET${request.path}`,
    routeKey: '$default',
    rawPath: request.path,
    rawQueryString: request.query ?? '',
    ...(cookie ? { cookies: [cookie] } : {}),
    headers: {
      'user-agent': userAgent,
      accept: 'text/html,application/xhtml+xml',
      ...(request.kind === 'gpc' ? { 'sec-gpc': '1' } : {}),
      ...(request.referer ? { referer: request.referer } : {}),
    },
    requestContext: {
      accountId: '000000000000',
      apiId: 'bench',
      domainName: 'www.example.com',
      http: { method: 'GET', path: request.path, protocol: 'HTTP/1.1', sourceIp: '198.51.100.7', userAgent },
      requestId: randomUUID(),
      routeKey: '$default',
      stage: '$default',
      time: new Date(nowMs).toUTCString(),
      timeEpoch: nowMs,
    },
  };
}

/** The access-log line API Gateway would write for this request, with typical values. */
function accessLogLine(format: string, request: TraceRequest, context: AuthorizerContext, nowMs: number): string {
  const values: Record<string, string> = {
    requestId: 'Bq3xYg1ZoAMEbXw=',
    requestTimeEpoch: String(Math.floor(nowMs / 1000)),
    httpMethod: 'GET',
    path: request.path,
    routeKey: '$default',
    status: '200',
    responseLatency: '48',
    integrationLatency: '41',
    integrationErrorMessage: '-',
    'authorizer.error': '-',
    'authorizer.reason': context.reason,
    'authorizer.tracked': String(context.tracked),
  };
  return format.replace(/\$context\.([A-Za-z.]+)/g, (_, name: string) => values[name] ?? '-');
}

/** Lambda's platform lines for one invocation in text format. */
function platformLines(memoryMb: number, billedMs: number): number {
  const id = randomUUID();
  return [
    `START RequestId: ${id} Version: $LATEST`,
    `END RequestId: ${id}`,
    `REPORT RequestId: ${id}\tDuration: ${(billedMs - 0.4).toFixed(2)} ms\tBilled Duration: ${billedMs} ms\tMemory Size: ${memoryMb} MB\tMax Memory Used: 92 MB\t`,
  ].reduce((sum, line) => sum + Buffer.byteLength(line), 0);
}

/** Every device a body carries (a version 2 body carries several). */
function devicesOf(body: string): string[] {
  return [...body.matchAll(/"deviceId":"([^"]+)"/g)].map((match) => match[1] ?? body);
}

function messageTime(body: string): { at: number; views: number } {
  // Whatever the message version: the latest `ts` in it, and how many page views it carries.
  let at = 0;
  let views = 0;
  const walk = (value: unknown) => {
    if (Array.isArray(value)) value.forEach(walk);
    else if (value && typeof value === 'object') {
      const record = value as Record<string, unknown>;
      if (typeof record.ts === 'number') at = Math.max(at, record.ts);
      if (record.type === 'page_view') views += 1;
      Object.values(record).forEach(walk);
    }
  };
  walk(JSON.parse(body));
  return { at, views };
}

async function drain(client: SQSClient, queueUrl: string): Promise<Message[]> {
  const all: Message[] = [];
  for (;;) {
    const { Messages = [] } = await client.send(new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 0 }));
    if (Messages.length === 0) return all;
    all.push(...Messages);
    await client.send(new DeleteMessageBatchCommand({ QueueUrl: queueUrl, Entries: Messages.map((m, i) => ({ Id: String(i), ReceiptHandle: m.ReceiptHandle })) }));
  }
}

async function runAuthorizer(
  design: Design,
  trace: readonly TraceRequest[],
  startMs: number,
  sqs: SqsProcess,
  direct: SQSClient,
  perEnvironmentPerSecond: number,
): Promise<AuthorizerRun> {
  const { queueUrl } = sqs;
  const proxy = sqs.proxies[0];
  if (proxy === undefined) throw new Error('the SQS process has no counting proxy');
  let now = startMs;
  const clock = () => now;
  // The batching publisher decides what to hold from the gaps between invocations: it runs on a clock
  // compressed so that the trace's requests arrive as fast as one execution environment sees them at
  // the rate priced (identity, sessions and cookies keep the trace's own clock).
  const traceSpanMs = Math.max(1, trace.at(-1)?.at ?? 1);
  const compression = trace.length / (traceSpanMs / 1000) / perEnvironmentPerSecond;
  const publisherClock = () => startMs + (now - startMs) * compression;
  let batching: BatchingPageViewPublisher | undefined;
  const env: Record<string, string> = {
    ...design.authorizerEnvironment,
    QUEUE_URL: queueUrl,
    SIGNING_KEYS: KEY_RING,
    COOKIE_NAME,
    AWS_ENDPOINT_URL_SQS: proxy.endpoint,
    AWS_REGION: LOCAL_REGION,
  };
  delete env.SIGNING_KEYS_SECRET_ARN;
  let deps: AuthorizerDeps;
  if (design.publisher === 'one-send-per-view') {
    const config = loadAuthorizerConfig(env);
    const client = new SQSClient({ endpoint: proxy.endpoint, region: LOCAL_REGION, credentials: LOCAL_CREDENTIALS });
    deps = { config, keyRing: parseKeyRing(KEY_RING), publisher: new OneSendPerView(client, queueUrl), logger: createLogger(observabilityNames(env)), metrics: powertoolsAuthorizerMetrics(env, 0, clock) };
  } else {
    const defaults = await createDefaultDeps(env);
    // The configured metrics, on the trace's clock: their interval runs in simulated time. The trace
    // plays about 0.2 requests a second into one environment, so at higher rates (more requests per
    // minute per environment) the metric lines per request measured here are an upper bound.
    const metrics = powertoolsAuthorizerMetrics(env, defaults.config.metrics.intervalMs, clock);
    // What the Lambda extension drives (lambda-entry.mjs): views held, sent after each response.
    batching = new BatchingPageViewPublisher({
      send: sqsBodySender(sharedSqsClient(defaults.config.sqsTimeouts, defaults.config.sqsEndpoint), queueUrl),
      onUnsent: () => undefined,
      clock: publisherClock,
      limits: { ...HOLD_LIMITS, maxHoldMs: design.holdMs ?? defaults.config.pageViewHoldMs },
    });
    deps = { ...defaults, metrics, publisher: batching };
  }
  const handler: AuthorizerHandler = createAuthorizerHandler({ ...deps, clock });
  await proxy.reset();
  const run: AuthorizerRun = { requests: 0, trackedViews: 0, billedMs: 0, output: emptyOutput(), accessLogBytes: 0, sqs: new Map(), messages: [] };
  let calls = 0;
  const jar = new Map<number, string>();
  const cpuScale = ONE_VCPU_MB / design.authorizerMemoryMb;
  for (const request of trace) {
    now = startMs + request.at;
    const cookie = request.kind === 'bot' ? undefined : jar.get(request.visitor);
    const event = httpApiEvent(request, cookie, now);
    const cpuBefore = process.cpuUsage();
    const response = await metered(run.output, () => handler(event));
    // Work after the response is billed too: the environment is busy until the extension is done.
    if (batching) await metered(run.output, () => batching.afterInvocation());
    const cpu = process.cpuUsage(cpuBefore);
    const callsNow = (await proxy.counts()).total;
    const billed = Math.ceil(((cpu.user + cpu.system) / 1000) * cpuScale + (callsNow - calls) * SQS_ROUND_TRIP_MS);
    calls = callsNow;
    run.billedMs += billed;
    if (design.platformLines) {
      run.output.bytes += platformLines(design.authorizerMemoryMb, billed);
      run.output.events += 3;
    }
    run.requests += 1;
    const context = response.context;
    if (context.tracked) run.trackedViews += 1;
    run.accessLogBytes += Buffer.byteLength(accessLogLine(design.accessLogFormat, request, context, now));
    const setCookie = context.setCookie;
    if (setCookie.startsWith(`${COOKIE_NAME}=`)) {
      const value = setCookie.slice(0, setCookie.indexOf(';'));
      if (/Max-Age=0(;|$)/.test(setCookie)) jar.delete(request.visitor);
      else jar.set(request.visitor, value);
    }
  }
  // What is still held goes out as on shutdown.
  if (batching) await metered(run.output, () => batching.flushHeld());
  run.sqs = new Map(Object.entries((await proxy.counts()).counts));
  for (const message of await drain(direct, queueUrl)) {
    const body = message.Body ?? '';
    run.messages.push({ body, ...messageTime(body) });
  }
  run.messages.sort((a, b) => a.at - b.at);
  return run;
}

/** The authorizer's metrics written by Powertools to stdout (metered), every `intervalMs` of the trace's clock. */
function powertoolsAuthorizerMetrics(env: Record<string, string>, intervalMs: number, clock: () => number) {
  const metrics = createMetrics(observabilityNames(env));
  return createAuthorizerMetrics({ write: (counts) => publishCounts(metrics, counts), intervalMs, clock });
}

// ---------- the event source mapping and the aggregator at one rate ----------

interface ConsumerRun {
  pollers: number;
  messagesPerMonth: number;
  receivesPerMessage: number;
  emptyReceivesPerMonth: number;
  deletesPerMessage: number;
  receiveExtraUnitsPerMessage: number;
  invocationsPerMonth: number;
  meanBatch: number;
  /** Device and session writes. */
  writeUnits: number;
  /** The daily statistics' transactions a month (2 units per item per KB, computed by the statistics store). */
  statisticsUnitsPerMonth: number;
  /** What they rest on: the statistics' units of one full batch, measured on batches of `viewsPerBatch` views. */
  statisticsPerBatch: { units: number; viewsPerBatch: number; wholeTrace: boolean };
  failedConditionWrites: number;
  sampledViews: number;
  billedMsPerInvocation: number;
  logBytesPerInvocation: number;
  storedBytes: number;
  emf: string[];
}

function esmSettings(design: Design): EsmSettings {
  return { batchSize: design.batchSize, windowSeconds: design.windowSeconds, minPollers: design.maxConcurrency === undefined ? 2 : 5 };
}

/** Receives, deletes and invocations per message over a day whose hourly rate swings +-50% around the mean. */
function dailyRatios(random: Random, settings: EsmSettings, meanPerSecond: number, bytes: number) {
  let weightedMessages = 0;
  let emptyPerMs = 0;
  let weighted = { receives: 0, deletes: 0, extra: 0, batches: 0 };
  for (let hour = 0; hour < 24; hour += 1) {
    const rate = meanPerSecond * (1 + 0.5 * Math.sin((2 * Math.PI * hour) / 24));
    const horizonMs = Math.min(3600, Math.max(600, 4000 / rate)) * 1000;
    const { totals } = simulateEsm(random, settings, rate, horizonMs, bytes);
    // Scaled to the hour's real volume, so quiet hours count for what they are.
    const scale = (rate * 3600) / Math.max(1, totals.messages);
    weightedMessages += rate * 3600;
    weighted = {
      receives: weighted.receives + (totals.receives - totals.emptyReceives) * scale,
      deletes: weighted.deletes + totals.deletes * scale,
      extra: weighted.extra + totals.receiveExtraUnits * scale,
      batches: weighted.batches + totals.batches.length * scale,
    };
    emptyPerMs += totals.emptyReceives / horizonMs / 24;
  }
  return {
    receivesPerMessage: weighted.receives / weightedMessages,
    deletesPerMessage: weighted.deletes / weightedMessages,
    extraUnitsPerMessage: weighted.extra / weightedMessages,
    batchesPerMessage: weighted.batches / weightedMessages,
    emptyReceivesPerMonth: emptyPerMs * SECONDS_PER_MONTH * 1000,
  };
}

function statisticsWiring(client: DynamoDBDocumentClient, tableName: string, onUnits?: (units: number) => void) {
  return {
    store: createDynamoStatisticsStore({ client, tableName, retentionMonths: FUNCTION_SETTINGS.statsRetentionMonths.default, ...(onUnits ? { onCapacity: onUnits } : {}) }),
    timeZone: FUNCTION_SETTINGS.statsTimeZone.default,
  };
}

/**
 * The daily statistics are paid per batch, not per view: a batch writes each statistics item it changes
 * once, whatever its number of views. The sampled run sees only the trace's share of each batch, so it
 * would charge a whole batch's items to a few views. Here the trace's messages are cut into batches of
 * the full size at this rate (consecutive messages; the whole trace as one batch when a full batch would
 * hold more, which undercounts only the items a bigger batch would add) and run one after another through
 * the real consumer, in a table of their own.
 */
async function statisticsCost(
  design: Design,
  run: AuthorizerRun,
  messagesPerBatch: number,
  invocationsPerMonth: number,
  dynamo: DynamoDBClient,
  documentClient: DynamoDBDocumentClient,
  tableName: string,
): Promise<Pick<ConsumerRun, 'statisticsUnitsPerMonth' | 'statisticsPerBatch'>> {
  if (!design.statistics) return { statisticsUnitsPerMonth: 0, statisticsPerBatch: { units: 0, viewsPerBatch: 0, wholeTrace: false } };
  await createLocalTable(dynamo, tableName);
  let units = 0;
  const store = createDynamoSessionStore({ client: documentClient, tableName, retentionDays: SETTINGS.retentionDays.default });
  const handler = createAggregatorHandler({
    store,
    statistics: statisticsWiring(documentClient, tableName, (writeUnits) => {
      units += writeUnits;
    }),
    logger: new Logger({ logLevel: 'SILENT' }),
    metrics: {
      publish(counts) {
        if (counts.StatisticsWriteFailures > 0) throw new Error(`${counts.StatisticsWriteFailures} statistics updates failed in the statistics pass`);
      },
    },
  });
  const size = Math.max(1, Math.round(messagesPerBatch));
  const wholeTrace = size >= run.messages.length;
  const batches = Math.ceil(run.messages.length / size);
  for (let start = 0; start < run.messages.length; start += size) {
    const event = sqsEvent(run.messages.slice(start, start + size).map((message, index) => ({ index: start + index, body: message.body })));
    const response = await handler(event);
    if (response.batchItemFailures.length > 0) throw new Error(`the statistics pass failed ${response.batchItemFailures.length} records`);
  }
  const unitsPerBatch = units / batches;
  return {
    statisticsUnitsPerMonth: unitsPerBatch * invocationsPerMonth,
    statisticsPerBatch: { units: unitsPerBatch, viewsPerBatch: run.trackedViews / batches, wholeTrace },
  };
}

/** The consumer reads only the records' ids and bodies. */
const COST_QUEUE: QueueIdentity = { queueArn: 'arn:aws:sqs:us-east-1:000000000000:page-views', region: LOCAL_REGION };
const sqsEvent = (messages: ReadonlyArray<{ index: number; body: string }>): SQSEvent =>
  toSqsEvent(messages.map(({ index, body }) => ({ MessageId: `m-${index}`, ReceiptHandle: `r-${index}`, Body: body })), COST_QUEUE);

async function runConsumer(
  design: Design,
  run: AuthorizerRun,
  viewsPerMonth: number,
  random: Random,
  dynamo: DynamoDBClient,
  documentClient: DynamoDBDocumentClient,
  tableName: string,
): Promise<ConsumerRun> {
  const settings = esmSettings(design);
  const messagesPerMonth = (run.messages.length / run.requests) * viewsPerMonth;
  const perSecond = messagesPerMonth / SECONDS_PER_MONTH;
  const bytes = run.messages.reduce((sum, m) => sum + Buffer.byteLength(m.body), 0) / Math.max(1, run.messages.length);
  const ratios = dailyRatios(random, settings, perSecond, bytes);

  // Batch membership of the sampled messages at the full rate.
  const first = run.messages[0]?.at ?? 0;
  const samples: Arrival[] = run.messages.map((message, index) => ({ at: message.at - first, bytes: Buffer.byteLength(message.body), sample: index }));
  const horizonMs = (samples.at(-1)?.at ?? 0) + 600_000;
  const membership = simulateEsm(random, settings, perSecond, horizonMs, bytes, samples);

  await createLocalTable(dynamo, tableName);
  let writeUnits = 0;
  let failedConditionWrites = 0;
  let writes = 0;
  const store = createDynamoSessionStore({
    client: documentClient,
    tableName,
    retentionDays: SETTINGS.retentionDays.default,
    onCapacity: (use) => {
      writeUnits += use.writeUnits;
      writes += 1;
      if (use.conditionFailed) failedConditionWrites += 1;
    },
  });
  // The statistics run here too, for the consumer's time; their write units come from statisticsCost().
  const statistics = design.statistics ? statisticsWiring(documentClient, tableName) : undefined;
  const output = emptyOutput();
  const logger = createLogger(observabilityNames({}));
  const metrics = createMetrics(observabilityNames({}));
  const consumerMetrics = design.consumerMetrics(metrics);
  let statisticsFailures = 0;
  const handler = createAggregatorHandler({
    store,
    ...(statistics ? { statistics } : {}),
    logger,
    metrics: {
      publish(counts) {
        statisticsFailures += counts.StatisticsWriteFailures;
        consumerMetrics.publish(counts);
      },
    },
  });
  let invocations = 0;
  // Batches run 8 at a time in the order they close, but never two with the same device at once (in
  // Lambda they would be seconds or minutes apart; run together they would race on the same items).
  const running = new Set<Promise<void>>();
  const deviceTail = new Map<string, Promise<void>>();
  const cpuBefore = process.cpuUsage();
  // Everything the consumer prints is counted, whichever batch printed it.
  await metered(output, async () => {
    for (const batch of membership.totals.batches) {
      if (batch.samples.length === 0) continue;
      const devices = [...new Set(batch.samples.flatMap((index) => devicesOf((run.messages[index] as { body: string }).body)))];
      const event = sqsEvent(batch.samples.map((index) => ({ index, body: (run.messages[index] as { body: string }).body })));
      while (running.size >= 8) await Promise.race(running);
      const after = Promise.all(devices.map((device) => deviceTail.get(device)));
      const work = after.then(async () => {
        const response = await handler(event);
        metrics.publishStoredMetrics();
        if (response.batchItemFailures.length > 0) throw new Error(`consumer failed ${response.batchItemFailures.length} records`);
      });
      running.add(work);
      void work.finally(() => running.delete(work));
      for (const device of devices) deviceTail.set(device, work);
      invocations += 1;
    }
    await Promise.all(running);
  });
  if (statisticsFailures > 0) throw new Error(`${statisticsFailures} statistics updates failed: their write units would be missing`);
  const cpu = process.cpuUsage(cpuBefore);
  const cpuMicros = cpu.user + cpu.system;
  const sampledMessages = run.messages.length;
  const meanBatch = 1 / ratios.batchesPerMessage;
  const cpuMsPerMessage = cpuMicros / 1000 / sampledMessages;
  const writesPerMessage = writes / sampledMessages;
  const billedMsPerInvocation = Math.ceil(
    cpuMsPerMessage * meanBatch * (ONE_VCPU_MB / design.consumerMemoryMb) + Math.ceil((writesPerMessage * meanBatch) / CONSUMER_WRITE_CONCURRENCY) * DYNAMO_ROUND_TRIP_MS,
  );
  // Log lines per invocation do not depend on the batch size (one metric line, warnings only on failure).
  let logBytesPerInvocation = output.bytes / Math.max(1, invocations);
  if (design.platformLines) logBytesPerInvocation += platformLines(design.consumerMemoryMb, billedMsPerInvocation);

  let storedBytes = 0;
  for await (const page of paginateScan({ client: documentClient }, { TableName: tableName })) {
    for (const item of page.Items ?? []) storedBytes += itemSizeBytes(marshall(item, { convertClassInstanceToMap: true }));
  }

  return {
    pollers: membership.pollers,
    messagesPerMonth,
    receivesPerMessage: ratios.receivesPerMessage,
    emptyReceivesPerMonth: ratios.emptyReceivesPerMonth,
    deletesPerMessage: ratios.deletesPerMessage,
    receiveExtraUnitsPerMessage: ratios.extraUnitsPerMessage,
    invocationsPerMonth: messagesPerMonth * ratios.batchesPerMessage,
    meanBatch,
    writeUnits,
    ...(await statisticsCost(design, run, meanBatch, messagesPerMonth * ratios.batchesPerMessage, dynamo, documentClient, `${tableName}-statistics`)),
    failedConditionWrites,
    sampledViews: run.trackedViews,
    billedMsPerInvocation,
    logBytesPerInvocation,
    storedBytes,
    emf: output.emf,
  };
}

// ---------- pricing ----------

export interface CostLine {
  item: string;
  /** Billable units a month, in the unit of `unit`. */
  quantity: number;
  unit: string;
  usdPerMonth: number;
}

export interface RateResult {
  rate: string;
  viewsPerMonth: number;
  lines: CostLine[];
  usdPerMillion: number;
  writeUnitsPerView: number;
  dynamoMode: 'on-demand' | 'provisioned';
  facts: Record<string, number>;
}

export interface DesignResult {
  design: Design['name'];
  settings: Record<string, string | number | boolean>;
  rates: RateResult[];
  fixed: CostLine[];
  fixedUsdPerMonth: number;
}

const GB = 1024 ** 3;

/** The stack's provisioned table: writes auto scaled to the target utilization above the minimum, 1 RCU. */
function provisionedWriteCost(writeUnitsPerMonth: number): number {
  const averagePerSecond = writeUnitsPerMonth / SECONDS_PER_MONTH;
  const capacity = Math.max(MIN_WRITE_CAPACITY, averagePerSecond / (TARGET_WRITE_UTILIZATION_PERCENT / 100));
  return capacity * HOURS_PER_MONTH * PRICES.dynamoWcuHour.usd + HOURS_PER_MONTH * PRICES.dynamoRcuHour.usd;
}

function priceRate(design: Design, rate: (typeof RATES)[number], auth: AuthorizerRun, consumer: ConsumerRun): RateResult {
  const views = rate.viewsPerMonth;
  const perRequest = views / auth.requests;
  const lines: CostLine[] = [];
  const add = (item: string, quantity: number, unit: string, usdPerMonth: number) => lines.push({ item, quantity, unit, usdPerMonth });

  add('API Gateway HTTP API requests', views, 'requests', httpApiCost(views));
  add('Authorizer invocations', views, 'invocations', (views / 1e6) * PRICES.lambdaRequests.usd);
  const authorizerGbS = (auth.billedMs / 1000) * perRequest * (design.authorizerMemoryMb / 1024);
  add(`Authorizer duration (${design.authorizerMemoryMb} MB)`, authorizerGbS, 'GB-s', authorizerGbS * PRICES.lambdaArmGbSecond.usd);
  for (const [action, count] of [...auth.sqs.entries()].sort()) {
    const units = count.units * perRequest;
    add(`SQS ${action} (authorizer)`, units, 'requests', (units / 1e6) * PRICES.sqsStandard.usd);
  }
  const receives = consumer.messagesPerMonth * (consumer.receivesPerMessage + consumer.receiveExtraUnitsPerMessage) + consumer.emptyReceivesPerMonth;
  add('SQS ReceiveMessage (event source mapping, empty polls included)', receives, 'requests', (receives / 1e6) * PRICES.sqsStandard.usd);
  const deletes = consumer.messagesPerMonth * consumer.deletesPerMessage;
  add('SQS DeleteMessageBatch (event source mapping)', deletes, 'requests', (deletes / 1e6) * PRICES.sqsStandard.usd);
  add('Consumer invocations', consumer.invocationsPerMonth, 'invocations', (consumer.invocationsPerMonth / 1e6) * PRICES.lambdaRequests.usd);
  const consumerGbS = (consumer.invocationsPerMonth * consumer.billedMsPerInvocation * (design.consumerMemoryMb / 1024)) / 1000;
  add(`Consumer duration (${design.consumerMemoryMb} MB)`, consumerGbS, 'GB-s', consumerGbS * PRICES.lambdaArmGbSecond.usd);

  const sessionUnitsPerMonth = (consumer.writeUnits / auth.requests) * views;
  const writeUnitsPerMonth = sessionUnitsPerMonth + consumer.statisticsUnitsPerMonth;
  const trackedViewsPerMonth = (auth.trackedViews / auth.requests) * views;
  const writeUnitsPerView = writeUnitsPerMonth / trackedViewsPerMonth;
  const onDemand = (writeUnitsPerMonth / 1e6) * PRICES.dynamoWriteRequest.usd;
  const provisioned = provisionedWriteCost(writeUnitsPerMonth);
  // The current design takes provisioned capacity where it is cheaper (the tableCapacity setting); before was on-demand.
  const dynamoMode = design.name === 'current' && provisioned < onDemand ? 'provisioned' : 'on-demand';
  const mode =
    dynamoMode === 'provisioned' ? `provisioned, auto scaled to ${TARGET_WRITE_UTILIZATION_PERCENT}% utilization, min ${MIN_WRITE_CAPACITY} WCU` : 'on-demand';
  const writesUsd = dynamoMode === 'provisioned' ? provisioned : onDemand;
  // One table, one bill: each kind of write pays its share of the units.
  const statisticsShare = writeUnitsPerMonth > 0 ? consumer.statisticsUnitsPerMonth / writeUnitsPerMonth : 0;
  add(`DynamoDB writes: visitors and sessions (${mode})`, sessionUnitsPerMonth, 'write units', writesUsd * (1 - statisticsShare));
  add(`DynamoDB writes: daily statistics (${mode})`, consumer.statisticsUnitsPerMonth, 'write units', writesUsd * statisticsShare);
  // Items live for the retention period (30 days): a month of views is stored at any time.
  const storedGb = ((consumer.storedBytes / auth.requests) * views) / GB;
  add('DynamoDB storage and point-in-time recovery', storedGb, 'GB-month', storedGb * (PRICES.dynamoStorage.usd + PRICES.dynamoPitr.usd));

  const logs = (item: string, bytes: number) => {
    const gb = bytes / GB;
    add(item, gb, 'GB', gb * (PRICES.logsIngestion.usd + PRICES.logsStorage.usd));
  };
  logs('Logs: authorizer', (auth.output.bytes / auth.requests) * views);
  logs('Logs: consumer', consumer.logBytesPerInvocation * consumer.invocationsPerMonth);
  logs('Logs: API access log', (auth.accessLogBytes / auth.requests) * views);

  const total = lines.reduce((sum, line) => sum + line.usdPerMonth, 0);
  return {
    rate: rate.label,
    viewsPerMonth: views,
    lines,
    usdPerMillion: total / (views / 1e6),
    writeUnitsPerView,
    dynamoMode,
    facts: {
      trackedShare: auth.trackedViews / auth.requests,
      messagesPerTrackedView: auth.messages.length / auth.trackedViews,
      sqsSendUnitsPerTrackedView: [...auth.sqs.values()].reduce((sum, c) => sum + c.units, 0) / auth.trackedViews,
      writeUnitsPerRequest: writeUnitsPerMonth / views,
      statisticsWriteUnitsPerView: consumer.statisticsUnitsPerMonth / trackedViewsPerMonth,
      statisticsUnitsPerBatch: consumer.statisticsPerBatch.units,
      statisticsViewsPerBatch: consumer.statisticsPerBatch.viewsPerBatch,
      statisticsWholeTrace: consumer.statisticsPerBatch.wholeTrace ? 1 : 0,
      emptyReceivesUsd: (consumer.emptyReceivesPerMonth / 1e6) * PRICES.sqsStandard.usd,
      pollers: consumer.pollers,
      receivesPerMessage: consumer.receivesPerMessage,
      deletesPerMessage: consumer.deletesPerMessage,
      meanBatch: consumer.meanBatch,
      authorizerBilledMs: auth.billedMs / auth.requests,
      consumerBilledMs: consumer.billedMsPerInvocation,
      authorizerLogBytesPerRequest: auth.output.bytes / auth.requests,
      accessLogBytesPerRequest: auth.accessLogBytes / auth.requests,
      consumerLogBytesPerInvocation: consumer.logBytesPerInvocation,
      failedConditionWrites: consumer.failedConditionWrites,
      onDemandWritesUsd: onDemand,
      provisionedWritesUsd: provisioned,
    },
  };
}

/** Custom metrics, prorated by the hour: a metric costs for each hour it received at least one value. */
function metricMonths(linesPerMonthByKey: Map<string, number>): number {
  let months = 0;
  for (const perMonth of linesPerMonthByKey.values()) months += 1 - Math.exp(-perMonth / HOURS_PER_MONTH);
  return months;
}

function fixedCosts(design: Design, auth: AuthorizerRun, consumer: ConsumerRun, viewsPerMonth: number): CostLine[] {
  const perMonth = new Map<string, number>();
  const count = (lines: readonly string[], scale: number) => {
    for (const line of lines) for (const key of metricKeys(line)) perMonth.set(key, (perMonth.get(key) ?? 0) + scale);
  };
  count(auth.output.emf, viewsPerMonth / auth.requests);
  const invocationsSampled = Math.max(1, consumer.emf.length);
  count(consumer.emf, consumer.invocationsPerMonth / invocationsSampled);
  const metrics = metricMonths(perMonth);
  return [
    { item: `Custom metrics (${perMonth.size} seen, prorated by the hour)`, quantity: metrics, unit: 'metric-months', usdPerMonth: metrics * PRICES.customMetric.usd },
    { item: 'Alarms', quantity: design.alarms, unit: 'alarms', usdPerMonth: design.alarms * PRICES.alarm.usd },
    { item: 'Dashboards', quantity: design.dashboards, unit: 'dashboards', usdPerMonth: design.dashboards * PRICES.dashboard.usd },
    { item: 'Secrets Manager (signing keys)', quantity: design.secrets, unit: 'secrets', usdPerMonth: design.secrets * PRICES.secret.usd },
  ];
}

/** Requests a second one authorizer execution environment sees: environments = max(1, ceil(0.02 x rate)). */
function perEnvironmentPerSecond(viewsPerMonth: number): number {
  const perSecond = viewsPerMonth / SECONDS_PER_MONTH;
  return perSecond / Math.max(1, Math.ceil(0.02 * perSecond));
}

// ---------- output ----------

const usd = (value: number) => (value >= 100 ? value.toFixed(0) : value >= 1 ? value.toFixed(2) : value.toFixed(3));

function printTable(results: readonly DesignResult[]): void {
  const [before, current] = results as [DesignResult, DesignResult];
  const header = ['$ per million views', ...RATES.flatMap((rate) => [`before ${rate.label}`, `now ${rate.label}`])];
  const items = [...new Set(results.flatMap((result) => result.rates.flatMap((rate) => rate.lines.map((line) => line.item.replace(/ \(.*\)$/, '')))))];
  const rows: string[][] = [];
  for (const item of items) {
    const cells = RATES.flatMap((_, index) =>
      [before, current].map((result) => {
        const rate = result.rates[index] as RateResult;
        const sum = rate.lines.filter((line) => line.item.replace(/ \(.*\)$/, '') === item).reduce((s, line) => s + line.usdPerMonth, 0);
        return usd(sum / (rate.viewsPerMonth / 1e6));
      }),
    );
    rows.push([item, ...cells]);
  }
  rows.push(['Total per million views', ...RATES.flatMap((_, index) => [before, current].map((result) => usd((result.rates[index] as RateResult).usdPerMillion)))]);
  rows.push(['DynamoDB write units per tracked view', ...RATES.flatMap((_, index) => [before, current].map((result) => (result.rates[index] as RateResult).writeUnitsPerView.toFixed(3)))]);
  const widths = header.map((cell, column) => Math.max(cell.length, ...rows.map((row) => (row[column] ?? '').length)));
  const format = (row: readonly string[]) => row.map((cell, column) => (column === 0 ? cell.padEnd(widths[0] as number) : cell.padStart(widths[column] as number))).join('  ');
  console.log(format(header));
  for (const row of rows) console.log(format(row));
  console.log('');
  for (const result of results) {
    console.log(`fixed a month, ${result.design}: $${result.fixedUsdPerMonth.toFixed(2)} (${result.fixed.map((line) => `${line.item} $${line.usdPerMonth.toFixed(2)}`).join('; ')})`);
  }
}

async function main(): Promise<void> {
  const started = performance.now();
  const random = seededRandom(SEED);
  const trace = generateTrace(random);
  // Yesterday from 01:00 UTC (the statistics' default time zone): within the retention, and the trace's few
  // hours never cross midnight, so the statistics' days, and with them the figures, do not depend on the
  // hour of the run.
  const startMs = Math.floor(Date.now() / DAY_MS) * DAY_MS - DAY_MS + 3_600_000;

  const { template } = synthesize();
  // BENCH_COST_CURRENT='{"batchSize":100,"windowSeconds":20}' tries other settings for the current design.
  const override = JSON.parse(process.env.BENCH_COST_CURRENT ?? '{}') as Partial<Design>;
  const designs = [BEFORE, { ...currentDesign(template), ...override }];

  // fauxqs and the counting proxy in their own process, so their CPU time is not counted as the authorizer's.
  const sqs = await startSqsProcess({ queue: { name: 'cost-bench', deadLetterName: 'cost-bench-dlq', visibilityTimeoutSeconds: 300, maxReceiveCount: 5 }, proxies: [{}] });
  const direct = new SQSClient({ endpoint: sqs.sqsEndpoint, region: LOCAL_REGION, credentials: LOCAL_CREDENTIALS });
  const dynamoServer = await startLocalDynamoDb({});
  const dynamo = new DynamoDBClient({ endpoint: dynamoServer.endpoint, region: LOCAL_REGION, credentials: LOCAL_CREDENTIALS });
  const documentClient = DynamoDBDocumentClient.from(dynamo, { marshallOptions: { removeUndefinedValues: true } });
  process.env.AWS_ACCESS_KEY_ID = LOCAL_CREDENTIALS.accessKeyId;
  process.env.AWS_SECRET_ACCESS_KEY = LOCAL_CREDENTIALS.secretAccessKey;
  process.env.AWS_REGION = LOCAL_REGION;

  const results: DesignResult[] = [];
  try {
    for (const design of designs) {
      const phase = performance.now();
      const rates: RateResult[] = [];
      let fixed: CostLine[] = [];
      let shared: AuthorizerRun | undefined;
      for (const rate of RATES) {
        // One send per view does not depend on the rate: the before design runs the authorizer once.
        const auth = shared ?? (await runAuthorizer(design, trace, startMs, sqs, direct, perEnvironmentPerSecond(rate.viewsPerMonth)));
        if (design.publisher === 'one-send-per-view') shared = auth;
        console.error(`[bench:cost] ${design.name} ${rate.label}: authorizer over ${auth.requests} requests, ${auth.messages.length} messages, ${((performance.now() - phase) / 1000).toFixed(0)} s`);
        const consumer = await runConsumer(design, auth, rate.viewsPerMonth, random, dynamo, documentClient, `cost-${design.name}-${rate.label}`);
        rates.push(priceRate(design, rate, auth, consumer));
        console.error(`[bench:cost] ${design.name} ${rate.label}: ${((performance.now() - phase) / 1000).toFixed(0)} s, ${(consumer.writeUnits / consumer.sampledViews).toFixed(3)} WRU/view, statistics ${consumer.statisticsPerBatch.units.toFixed(0)} WRU per batch of ${consumer.statisticsPerBatch.viewsPerBatch.toFixed(0)} views`);
        if (rate.label === '1M') fixed = fixedCosts(design, auth, consumer, rate.viewsPerMonth);
      }
      results.push({
        design: design.name,
        settings: {
          authorizerMemoryMb: design.authorizerMemoryMb,
          consumerMemoryMb: design.consumerMemoryMb,
          batchSize: design.batchSize,
          windowSeconds: design.windowSeconds,
          maxConcurrency: design.maxConcurrency ?? 'none',
          platformLines: design.platformLines,
          publisher: design.publisher,
          statistics: design.statistics,
          ...(design.publisher === 'default' ? { holdMs: design.holdMs ?? Number(design.authorizerEnvironment.PAGE_VIEW_HOLD_MS ?? HOLD_LIMITS.maxHoldMs) } : {}),
        },
        rates,
        fixed,
        fixedUsdPerMonth: fixed.reduce((sum, line) => sum + line.usdPerMonth, 0),
      });
    }
  } finally {
    direct.destroy();
    dynamo.destroy();
    await dynamoServer.stop();
    await sqs.stop();
  }

  const current = results[1] as DesignResult;
  const at = (result: DesignResult, label: string) => result.rates.find((rate) => rate.rate === label) as RateResult;
  // Provisioned pays off once on-demand writes cost more than its floor (5 WCU and 1 RCU all month).
  const floorUsd = provisionedWriteCost(0);
  const writeUnitsPerRequest = at(current, '30M').facts.writeUnitsPerRequest as number;
  const crossover = {
    floorUsdPerMonth: floorUsd,
    usdPerMillionWriteUnits: ((PRICES.dynamoWcuHour.usd / (TARGET_WRITE_UTILIZATION_PERCENT / 100)) * 1e6) / 3600,
    writeUnitsPerMonth: (floorUsd / PRICES.dynamoWriteRequest.usd) * 1e6,
    viewsPerMonth: ((floorUsd / PRICES.dynamoWriteRequest.usd) * 1e6) / writeUnitsPerRequest,
  };

  console.log(`bench:cost, us-east-1 list prices checked ${PRICES_CHECKED} (bench/cost/prices.ts), free tiers left out.`);
  console.log(`trace: ${trace.length} requests (${TRACE_SHAPE.visitors} visitors, ${TRACE_SHAPE.botShare * 100}% bot requests, ${TRACE_SHAPE.gpcShare * 100}% GPC visitors, ${TRACE_SHAPE.returningShare * 100}% returning), scaled to each rate.`);
  for (const result of results) {
    const facts = result.rates.map((rate) => `${rate.rate}: ${rate.facts.pollers} pollers, batch ${rate.facts.meanBatch?.toFixed(1)}, ${rate.facts.receivesPerMessage?.toFixed(2)} receives and ${rate.facts.deletesPerMessage?.toFixed(2)} deletes per message, DynamoDB ${rate.dynamoMode}`).join('; ');
    console.log(`${result.design}: ${JSON.stringify(result.settings)}; ${facts}`);
  }
  printTable(results);
  console.log(`provisioned DynamoDB pays off above ${(crossover.writeUnitsPerMonth / 1e6).toFixed(1)}M write units a month (about ${(crossover.viewsPerMonth / 1e6).toFixed(1)}M views)`);
  const resultsDir = resolve(import.meta.dirname, 'results');
  mkdirSync(resultsDir, { recursive: true });
  writeFileSync(resolve(resultsDir, 'cost.json'), `${JSON.stringify({ pricesChecked: PRICES_CHECKED, prices: PRICES, traceShape: TRACE_SHAPE, requests: trace.length, results, crossover }, null, 2)}\n`);
  console.log(`(run took ${((performance.now() - started) / 1000).toFixed(0)} s; results in bench/results/cost.json)`);
  const at30m = (result: DesignResult) => (result.rates.find((rate) => rate.rate === '30M') as RateResult).usdPerMillion.toFixed(2);
  console.log(`cost-per-million-30m: $${at30m(results[1] as DesignResult)} (before $${at30m(results[0] as DesignResult)})`);
}

await main();
