/**
 * `npm run bench:load [-- --requests 10000 --concurrency 100 --visitors 1000]`: the local pipeline
 * (`npm start` as a child process, on free ports and an empty temporary data folder) under load, with
 * exact accounting.
 *
 * - Load: `visitors` distinct browsers; each visitor's first request has no cookie, and the device cookie
 *   from its response is sent with every later one. `concurrency` workers each own a share of the
 *   visitors and visit them in turn (so a visitor's requests never overlap), `requests` in all, over
 *   loopback. Paths rotate over the demo site's pages.
 * - Baseline: the same load on the demo origin alone (no front door, authorizer or queue), so the
 *   figures read as ratios against this machine's plain proxying capacity in the same run.
 * - Accounting: after the load, waits until the queue is empty (bounded), reads every device the origin
 *   was told about, and compares its stored page views with the views that device was sent. Lost views:
 *   sent but not stored; double-counted: stored beyond what was sent. Unpublished views are the replay
 *   records the runtime kept in its data folder (already part of "lost": no replay step is run).
 *
 * Last line, exactly: `load: <n> requests, <e> errors, <l> lost, <d> double-counted`.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, existsSync, mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { GetQueueAttributesCommand } from '@aws-sdk/client-sqs';
import { getDevice } from '../lambdas/read-api/device-reader';
import { forEachLimited } from '../lambdas/aggregator/batch-aggregator';
import { localDocumentClient, localSqsClient, loopbackEndpointOf } from '../local-runtime/aws-clients';
import { readRuntimeInfo, type RuntimeInfo } from '../local-runtime/runtime-file';
import { scanUnpublishedLog, unpublishedLogPath } from '../local-runtime/unpublished-log';
import { defaultCookieName } from '../lambdas/identity/cookie-attributes';
import { nearestRank } from './percentile';

const REPO_ROOT = resolve(import.meta.dirname, '..');
const PAGES = ['/', '/products', '/pricing', '/about', '/whoami'];
/** A desktop Chrome: tracked (bots are not counted). */
const USER_AGENT = 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36';
const COOKIE_NAME = process.env.COOKIE_NAME ?? defaultCookieName(process.env.COOKIE_DOMAIN);
/** How long the queue may take to drain after the load (the stack's 5 s batching window included). */
const DRAIN_TIMEOUT_MS = 180_000;
const REQUEST_TIMEOUT_MS = 30_000;

interface Options {
  requests: number;
  concurrency: number;
  visitors: number;
}

function usage(): string {
  return 'Usage: npm run bench:load [-- --requests 10000 --concurrency 100 --visitors 1000]';
}

function parseOptions(args: readonly string[]): Options {
  const options: Options = { requests: 10_000, concurrency: 100, visitors: 1_000 };
  const bounds: Record<keyof Options, [number, number]> = { requests: [1, 1_000_000], concurrency: [1, 1_000], visitors: [1, 100_000] };
  for (let index = 0; index < args.length; index += 2) {
    const name = args[index]?.replace(/^--/, '') as keyof Options;
    const raw = args[index + 1];
    const range = bounds[name];
    const value = Number(raw);
    if (!range || !Number.isInteger(value) || value < range[0] || value > range[1]) {
      throw new Error(`${args[index]} ${raw ?? ''}: expected --requests, --concurrency or --visitors with a whole number in range\n${usage()}`);
    }
    options[name] = value;
  }
  return options;
}

interface Reply {
  status: number;
  deviceId: string;
  setCookies: string[];
}

function get(agent: Agent, base: URL, path: string, cookie: string | undefined): Promise<Reply> {
  return new Promise((resolveReply, rejectReply) => {
    const headers: Record<string, string> = { 'user-agent': USER_AGENT, accept: 'text/html' };
    if (cookie) headers.cookie = cookie;
    const req = request({ host: base.hostname, port: base.port, path, agent, headers, timeout: REQUEST_TIMEOUT_MS }, (res) => {
      res.resume();
      res.once('end', () =>
        resolveReply({
          status: res.statusCode ?? 0,
          deviceId: String(res.headers['x-demo-received-device-id'] ?? ''),
          setCookies: res.headers['set-cookie'] ?? [],
        }),
      );
      res.once('error', rejectReply);
    });
    req.once('timeout', () => req.destroy(new Error('timeout')));
    req.once('error', rejectReply);
    req.end();
  });
}

function cookieFrom(setCookies: readonly string[]): string | undefined {
  return setCookies.map((cookie) => cookie.split(';')[0]?.trim() ?? '').find((pair) => pair.startsWith(`${COOKIE_NAME}=`) && pair.length > COOKIE_NAME.length + 1);
}

interface LoadResult {
  requests: number;
  errors: number;
  elapsedMs: number;
  latenciesMs: Float64Array;
  /** Views each device was sent (a 2xx-4xx answer that named the device). */
  sent: Map<string, number>;
  /** Failed requests of a visitor whose device was known: their views may or may not be stored. */
  uncertain: Map<string, number>;
  /** A later request of a visitor that reached the origin as another device (the cookie was not kept). */
  identityChanges: number;
  /** Errors by kind (`HTTP 503`, `timeout`, `ECONNRESET`, ...). */
  errorKinds: Map<string, number>;
}

async function drive(base: URL, options: Options): Promise<LoadResult> {
  const agent = new Agent({ keepAlive: true, maxSockets: options.concurrency });
  const latencies = new Float64Array(options.requests);
  const sent = new Map<string, number>();
  const uncertain = new Map<string, number>();
  const visitors = Array.from({ length: options.visitors }, () => ({ cookie: undefined as string | undefined, deviceId: '' }));
  let next = 0;
  let errors = 0;
  let identityChanges = 0;
  const errorKinds = new Map<string, number>();
  const started = performance.now();

  async function worker(workerIndex: number): Promise<void> {
    const mine = visitors.filter((_, index) => index % options.concurrency === workerIndex);
    let turn = 0;
    while (mine.length > 0) {
      const index = next++;
      if (index >= options.requests) return;
      const visitor = mine[turn++ % mine.length];
      if (!visitor) return;
      const path = PAGES[index % PAGES.length] ?? '/';
      const begun = performance.now();
      try {
        const reply = await get(agent, base, path, visitor.cookie);
        latencies[index] = performance.now() - begun;
        if (reply.status >= 500 || reply.status < 200) throw new Error(`HTTP ${reply.status}`);
        visitor.cookie ??= cookieFrom(reply.setCookies);
        if (reply.deviceId && reply.deviceId !== '-') {
          if (visitor.deviceId && visitor.deviceId !== reply.deviceId) identityChanges += 1;
          visitor.deviceId = reply.deviceId;
          sent.set(reply.deviceId, (sent.get(reply.deviceId) ?? 0) + 1);
        }
      } catch (error) {
        latencies[index] = performance.now() - begun;
        errors += 1;
        const kind = (error as NodeJS.ErrnoException).code ?? (error as Error).message;
        errorKinds.set(kind, (errorKinds.get(kind) ?? 0) + 1);
        if (visitor.deviceId) uncertain.set(visitor.deviceId, (uncertain.get(visitor.deviceId) ?? 0) + 1);
      }
    }
  }

  // With fewer visitors than workers, the extra workers have no visitor and stop at once.
  await Promise.all(Array.from({ length: options.concurrency }, (_, index) => worker(index)));
  const elapsedMs = performance.now() - started;
  agent.destroy();
  return { requests: Math.min(next, options.requests), errors, elapsedMs, latenciesMs: latencies, sent, uncertain, identityChanges, errorKinds };
}


function summarize(result: LoadResult): { perSecond: number; p50: number; p99: number } {
  const sorted = result.latenciesMs.slice(0, result.requests).sort();
  return { perSecond: result.requests / (result.elapsedMs / 1000), p50: nearestRank(sorted, 50) ?? 0, p99: nearestRank(sorted, 99) ?? 0 };
}

interface Runtime {
  info: RuntimeInfo;
  dataDir: string;
  output(): string;
  stop(): Promise<number | null>;
}

async function startRuntime(): Promise<Runtime> {
  const dataDir = mkdtempSync(join(tmpdir(), 'visitor-gate-load-'));
  // Output to a file, not a pipe: writes to a pipe are synchronous on Linux, so a load generator busy
  // reading them would stall the runtime it measures.
  const logPath = join(dataDir, 'npm-start.log');
  const logFd = openSync(logPath, 'w');
  const child: ChildProcess = spawn(process.execPath, ['--import', 'tsx', join(REPO_ROOT, 'bin/local.ts')], {
    cwd: REPO_ROOT,
    // The stack's batching defaults; free ports so a running `npm start` is not disturbed.
    env: { ...process.env, PORT: '0', SQS_PORT: '0', DYNAMODB_PORT: '0', DATA_DIR: dataDir, POWERTOOLS_LOG_LEVEL: 'WARN' },
    stdio: ['ignore', logFd, logFd],
  });
  closeSync(logFd);
  const output = () => (existsSync(logPath) ? readFileSync(logPath, 'utf8').slice(-20_000) : '');
  const exited = new Promise<number | null>((resolveExit) => child.once('exit', (code) => resolveExit(code)));
  const deadline = Date.now() + 180_000;
  while (!output().includes('visitor-gate ready:')) {
    if (child.exitCode !== null || Date.now() > deadline) {
      if (child.exitCode === null) child.kill('SIGTERM');
      throw new Error(`npm start was not ready (exit code ${child.exitCode}):\n${output()}`);
    }
    await new Promise((resolveWait) => setTimeout(resolveWait, 250));
  }
  const info = readRuntimeInfo(dataDir);
  if (!info) throw new Error(`npm start is ready but wrote no runtime.json:\n${output()}`);
  return {
    info,
    dataDir,
    output,
    async stop() {
      if (child.exitCode === null) child.kill('SIGTERM');
      return exited;
    },
  };
}

/** Waits until the queue has nothing waiting, delayed or in flight twice in a row (bounded). */
async function waitForDrain(info: RuntimeInfo): Promise<{ drained: boolean; waitedMs: number; deadLetters: number }> {
  const sqs = localSqsClient(loopbackEndpointOf(info.queueUrl));
  const started = Date.now();
  const count = async (queueUrl: string) => {
    const { Attributes = {} } = await sqs.send(new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ['All'] }));
    return (['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible', 'ApproximateNumberOfMessagesDelayed'] as const)
      .map((name) => Number(Attributes[name] ?? 0))
      .reduce((sum, value) => sum + value, 0);
  };
  try {
    let emptyPolls = 0;
    while (Date.now() - started < DRAIN_TIMEOUT_MS && emptyPolls < 2) {
      emptyPolls = (await count(info.queueUrl)) === 0 ? emptyPolls + 1 : 0;
      await new Promise((resolveWait) => setTimeout(resolveWait, 500));
    }
    return { drained: emptyPolls >= 2, waitedMs: Date.now() - started, deadLetters: await count(info.deadLetterQueueUrl) };
  } finally {
    sqs.destroy();
  }
}

async function storedViews(info: RuntimeInfo, deviceIds: readonly string[]): Promise<Map<string, number>> {
  const client = localDocumentClient(info.dynamoDbEndpoint);
  const stored = new Map<string, number>();
  try {
    await forEachLimited(deviceIds, 16, async (deviceId) => {
      const record = await getDevice(deviceId, { client, tableName: info.tableName, consistentRead: true });
      stored.set(deviceId, record?.device.pageViews ?? 0);
    });
  } finally {
    client.destroy();
  }
  return stored;
}

/** The replay records' error causes, counted (first 100 characters of each). */
function unpublishedCauses(text: string): string {
  const causes = new Map<string, number>();
  for (const record of text.split('\n')) {
    if (!record.trim()) continue;
    let cause = 'unreadable record';
    try {
      const error = (JSON.parse(record) as { error?: { cause?: string; message?: string } }).error;
      cause = (error?.cause ?? error?.message ?? 'no cause').slice(0, 100);
    } catch {
      // counted as unreadable
    }
    causes.set(cause, (causes.get(cause) ?? 0) + 1);
  }
  return [...causes].map(([cause, count]) => `${count} x ${cause}`).join('; ');
}

function ms(value: number): string {
  return `${value.toFixed(1)} ms`;
}

async function main(): Promise<void> {
  const options = parseOptions(process.argv.slice(2));
  const line = (text: string) => process.stdout.write(`${text}\n`);
  line(`bench:load: ${options.requests} requests, concurrency ${options.concurrency}, ${options.visitors} visitors, over loopback`);
  const runtime = await startRuntime();
  let last: string | undefined;
  try {
    const baselineOptions = { ...options, requests: Math.min(options.requests, 2_000) };
    const baseline = summarize(await drive(new URL(runtime.info.originUrl), baselineOptions));
    line(
      `baseline (demo origin alone, ${baselineOptions.requests} requests): ${baseline.perSecond.toFixed(0)} requests/s, ` +
        `p50 ${ms(baseline.p50)}, p99 ${ms(baseline.p99)}`,
    );

    const load = await drive(new URL(runtime.info.frontDoorUrl), options);
    const figures = summarize(load);
    line(
      `front door (authorizer, queue, consumer): ${figures.perSecond.toFixed(0)} requests/s ` +
        `(${(figures.perSecond / baseline.perSecond).toFixed(2)}x the baseline), ` +
        `p50 ${ms(figures.p50)} (${(figures.p50 / baseline.p50).toFixed(1)}x), p99 ${ms(figures.p99)} (${(figures.p99 / baseline.p99).toFixed(1)}x), ` +
        `${load.errors} HTTP errors${load.errors > 0 ? ` (${[...load.errorKinds].map(([kind, count]) => `${count} ${kind}`).join(', ')})` : ''}`,
    );

    const drain = await waitForDrain(runtime.info);
    line(`queue ${drain.drained ? 'drained' : 'NOT drained'} ${(drain.waitedMs / 1000).toFixed(1)} s after the load; ${drain.deadLetters} in the dead-letter queue`);

    const deviceIds = [...load.sent.keys()];
    const stored = await storedViews(runtime.info, deviceIds);
    let sentViews = 0;
    let storedTotal = 0;
    let lost = 0;
    let doubled = 0;
    for (const deviceId of deviceIds) {
      const want = load.sent.get(deviceId) ?? 0;
      const have = stored.get(deviceId) ?? 0;
      sentViews += want;
      storedTotal += have;
      if (have < want) lost += want - have;
      // A failed request may still have queued its view: only views beyond those count as doubled.
      else doubled += Math.max(0, have - want - (load.uncertain.get(deviceId) ?? 0));
    }
    const unpublishedPath = unpublishedLogPath(runtime.dataDir);
    const kept = existsSync(unpublishedPath) ? readFileSync(unpublishedPath, 'utf8') : '';
    const unpublished = scanUnpublishedLog(kept).found;
    if (unpublished > 0) line(`unpublished, by cause: ${unpublishedCauses(kept)}`);
    line(
      `accounting: ${deviceIds.length} devices, ${sentViews} views sent, ${storedTotal} stored, ${unpublished} unpublished ` +
        `(kept in the data folder for npm run replay; not replayed here), ${load.identityChanges} identity changes`,
    );
    last = `load: ${load.requests} requests, ${load.errors} errors, ${lost} lost, ${doubled} double-counted`;
  } finally {
    const exitCode = await runtime.stop();
    if (exitCode !== 0) process.stderr.write(`bench:load: npm start exited with ${exitCode}:\n${runtime.output()}\n`);
    rmSync(runtime.dataDir, { recursive: true, force: true });
  }
  line(last);
}

main().catch((error: unknown) => {
  process.stderr.write(`bench:load: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
