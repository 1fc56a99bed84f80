/**
 * `npm run bench:page-path`: how long a page waits for the authorizer, with SQS made slow on purpose: a
 * proxy in front of fauxqs adds 20 ms to every request and 300 ms to 1% of them (seeded). The bundle
 * the stack deploys runs under Lambda's lifecycle (harness/lambda-environment.ts: loopback
 * Runtime/Extensions API and a runtime client; `aws-lambda-ric` itself needs a native build this
 * project does not ship), three environments taking turns request by request:
 *
 * - before: `index.handler`, no extension: one awaited `SendMessage` per view inside the invocation;
 * - new: `lambda-entry.handler`: the internal extension, views held and sent after the response;
 * - empty: a handler that does nothing, under the same runtime client: the harness's own floor.
 *
 * Two figures per request: in the function's process (the runtime client's clock, from the event read
 * to the response POST handed to its socket: what the page waits for) and as the Runtime API saw it
 * (adds two loopback HTTP hops between processes). fauxqs and the proxies run in a process of their
 * own (sqs-process.ts), so their work does not share the event loop of the Runtime API servers.
 *
 * Also: the SQS requests a page waited for (counted in the function), SQS requests per tracked view
 * (counted at the proxy, by API action), replay records, and the cold start of both entries. Writes
 * bench/results/page-path.json (`npm run docs:bench` renders it into docs/benchmarks.md).
 * Last line: `page-path-p99-ms: <new> (before <old>)`, the in-function p99.
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { REPLAY_MARKER } from '../lambdas/contract/replay-record';
import { buildAuthorizerEvent } from '../local-runtime/http-api-authorizer-event';
import { LOCAL_CREDENTIALS, LOCAL_REGION } from '../local-runtime/sqs-server';
import { bundleAuthorizer, handlerFor, startLambdaEnvironment, type AuthorizerEntry, type EnvironmentOptions, type LambdaEnvironment } from '../harness/lambda-environment';
import type { ColdStart, Distribution, EnvironmentResult, PagePathResults } from './page-path/results';
import { nearestRank } from './percentile';
import { GENERATED_DOCUMENT, LATENCY_SECTION } from './readme-sections';
import { startSqsProcess, type SqsProxyHandle } from './sqs-process';

const VIEWS = Number(process.env.BENCH_VIEWS ?? 1000);
const WARMUP = 20;
const VISITORS = 50;
const SQS_SLOWED = { delayMs: 20, slowDelayMs: 300, slowShare: 0.01 } as const;
const COLD_STARTS = 11;
const EMPTY_HANDLER = 'empty.handler';

function browserRequest(path: string, cookie: string | undefined) {
  const headers: Record<string, string> = {
    host: 'www.example.com',
    'user-agent': 'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36',
    accept: 'text/html',
    ...(cookie === undefined ? {} : { cookie }),
  };
  return buildAuthorizerEvent({ method: 'GET', url: path, headers, httpVersion: '1.1', sourceIp: '203.0.113.7', protocol: 'https', localPort: 443 }, new Date()).event;
}

/** A bundle whose handler does no work: what the runtime client and the loopback transport cost alone. */
function writeEmptyBundle(): { dir: string; remove(): void } {
  const dir = mkdtempSync(join(tmpdir(), 'visitor-gate-empty-handler-'));
  writeFileSync(join(dir, 'empty.mjs'), 'export const handler = async () => ({ isAuthorized: true });\n');
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

interface Run {
  readonly key: EnvironmentResult['key'];
  readonly label: string;
  readonly options: EnvironmentOptions;
  readonly proxy?: SqsProxyHandle;
  readonly inFunction: number[];
  readonly atRuntimeApi: number[];
  tracked: number;
  duringPage: number;
}

function distribution(values: readonly number[]): Distribution {
  const sorted = [...values].sort((a, b) => a - b);
  return { p50: nearestRank(sorted, 50) ?? Number.NaN, p99: nearestRank(sorted, 99) ?? Number.NaN, max: sorted.at(-1) ?? Number.NaN };
}

/** The environments take turns request by request, so a busy moment of the machine hits all alike. */
async function runEnvironments(runs: readonly Run[]): Promise<EnvironmentResult[]> {
  const environments: LambdaEnvironment[] = [];
  try {
    for (const run of runs) environments.push(await startLambdaEnvironment(run.options));
    const cookies = runs.map(() => new Array<string | undefined>(VISITORS).fill(undefined));
    for (let i = 0; i < WARMUP + VIEWS; i++) {
      for (const [index, run] of runs.entries()) {
        const environment = environments[index];
        const jar = cookies[index];
        if (environment === undefined || jar === undefined) throw new Error('unreachable');
        const visitor = i % VISITORS;
        const invocation = environment.api.invoke(browserRequest(`/page/${i % 7}`, jar[visitor]));
        const answer = await invocation.response;
        await invocation.complete; // one environment: the next event waits until this invocation is complete
        if (answer.client === undefined) throw new Error('the runtime client reported no timing');
        const context = (answer.response as { context?: { setCookie?: string; tracked?: boolean } }).context;
        const setCookie = context?.setCookie;
        if (typeof setCookie === 'string' && setCookie !== '-') jar[visitor] = setCookie.split(';')[0];
        if (context?.tracked === true) run.tracked++; // warm-up included, as the proxy counts
        if (i >= WARMUP) {
          run.inFunction.push(answer.client.elapsedMs);
          run.atRuntimeApi.push(answer.respondedAt - answer.deliveredAt);
          run.duringPage += answer.client.outgoingRequests;
        }
      }
    }
    const results: EnvironmentResult[] = [];
    for (const [index, run] of runs.entries()) {
      const environment = environments[index];
      if (environment === undefined) throw new Error('unreachable');
      await environment.stop(2_000); // SIGTERM: the new design sends what it still holds
      const byAction = run.proxy === undefined ? {} : (await run.proxy.counts()).counts;
      results.push({
        key: run.key,
        handler: handlerFor(run.options.entry),
        inFunction: distribution(run.inFunction),
        atRuntimeApi: distribution(run.atRuntimeApi),
        sqsRequestsWhilePageWaited: run.duringPage,
        trackedViews: run.tracked,
        sqsRequestsByAction: Object.fromEntries(Object.entries(byAction).map(([action, count]) => [action, count.calls])),
        replayRecords: environment.lines().filter((line) => line.includes(REPLAY_MARKER)).length,
      });
    }
    return results;
  } finally {
    for (const environment of environments) await environment.stop().catch(() => undefined);
  }
}

/** Loading the function in fresh processes (median of COLD_STARTS), both entries alternating. */
async function coldStarts(bundleDir: string, env: Record<string, string>): Promise<Record<AuthorizerEntry, ColdStart>> {
  const runs: Record<AuthorizerEntry, { wall: number[]; cpu: number[]; first: number[] }> = {
    index: { wall: [], cpu: [], first: [] },
    'esm-entry': { wall: [], cpu: [], first: [] },
  };
  for (let i = 0; i < COLD_STARTS; i++) {
    for (const entry of ['index', 'esm-entry'] as const) {
      const environment = await startLambdaEnvironment({ bundleDir, entry, env: { ...env, REPORT_INIT: '1' } });
      const first = await environment.api.invoke(browserRequest('/first', undefined)).response;
      await environment.stop();
      const match = /load-ms: ([\d.]+) cpu-ms: ([\d.]+)/.exec(environment.lines().join('\n'));
      runs[entry].wall.push(Number(match?.[1]));
      runs[entry].cpu.push(Number(match?.[2]));
      runs[entry].first.push(Number(match?.[1]) + (first.client?.elapsedMs ?? Number.NaN));
    }
  }
  const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? Number.NaN;
  const figures = (entry: AuthorizerEntry): ColdStart => ({ loadWallMs: median(runs[entry].wall), loadCpuMs: median(runs[entry].cpu), firstResponseMs: median(runs[entry].first) });
  return { index: figures('index'), 'esm-entry': figures('esm-entry') };
}

const fmt = (ms: number) => ms.toFixed(2);
const triple = (figures: Distribution) => `${fmt(figures.p50)} / ${fmt(figures.p99)} / ${fmt(figures.max)} ms`;

async function main(): Promise<void> {
  const [bundle, sqs] = await Promise.all([
    bundleAuthorizer(),
    // Two proxies with the same seed: both designs meet the same slow requests.
    startSqsProcess({ queue: { name: 'page-views', deadLetterName: 'page-views-dlq', visibilityTimeoutSeconds: 30, maxReceiveCount: 5 }, proxies: [{ ...SQS_SLOWED, seed: 1 }, { ...SQS_SLOWED, seed: 1 }] }),
  ]);
  const empty = writeEmptyBundle();
  try {
    const env = {
      QUEUE_URL: sqs.queueUrl,
      SIGNING_KEYS: JSON.stringify({ current: 'k1', k1: randomBytes(48).toString('base64url') }),
      AWS_REGION: LOCAL_REGION,
      AWS_ACCESS_KEY_ID: LOCAL_CREDENTIALS.accessKeyId,
      AWS_SECRET_ACCESS_KEY: LOCAL_CREDENTIALS.secretAccessKey,
      POWERTOOLS_METRICS_DISABLED: 'true',
    };
    const [beforeProxy, newProxy] = sqs.proxies;
    if (beforeProxy === undefined || newProxy === undefined) throw new Error('unreachable');
    const run = (key: Run['key'], label: string, options: EnvironmentOptions, proxy?: SqsProxyHandle): Run => ({
      key, label, options, ...(proxy === undefined ? {} : { proxy }), inFunction: [], atRuntimeApi: [], tracked: 0, duringPage: 0,
    });
    const runs = [
      run('before', 'before (send inside the invocation)', { bundleDir: bundle.dir, entry: 'index', env: { ...env, AWS_ENDPOINT_URL_SQS: beforeProxy.endpoint } }, beforeProxy),
      run('new', 'new (send after the response)', { bundleDir: bundle.dir, entry: 'esm-entry', env: { ...env, AWS_ENDPOINT_URL_SQS: newProxy.endpoint } }, newProxy),
      run('empty', 'empty handler (harness floor)', { bundleDir: empty.dir, entry: { handler: EMPTY_HANDLER }, env: {} }),
    ];
    console.log(`${VIEWS} requests each (after ${WARMUP} warm-up) from ${VISITORS} returning visitors, three environments taking turns, back to back;`);
    console.log(`SQS behind a proxy adding ${SQS_SLOWED.delayMs} ms to every request and ${SQS_SLOWED.slowDelayMs} ms to ${SQS_SLOWED.slowShare * 100}% (seeded), in a process of its own`);
    const environments = await runEnvironments(runs);
    console.log(`${''.padEnd(38)} ${'in the function p50 / p99 / max'.padEnd(34)} as the Runtime API saw it p50 / p99 / max`);
    for (const [index, result] of environments.entries()) console.log(`${(runs[index]?.label ?? '').padEnd(38)} ${triple(result.inFunction).padEnd(34)} ${triple(result.atRuntimeApi)}`);
    for (const result of environments.filter((candidate) => candidate.key !== 'empty')) {
      const requests = Object.values(result.sqsRequestsByAction).reduce((sum, n) => sum + n, 0);
      const byAction = Object.entries(result.sqsRequestsByAction).map(([action, n]) => `${action} ${n}`).join(', ');
      console.log(
        `${result.key}: SQS requests while a page waited ${result.sqsRequestsWhilePageWaited} | per tracked view ${(requests / Math.max(1, result.trackedViews)).toFixed(3)} ` +
          `(${byAction} over ${result.trackedViews} tracked views; warm-up and shutdown included) | replay records ${result.replayRecords}`,
      );
    }
    const cold = await coldStarts(bundle.dir, { ...env, AWS_ENDPOINT_URL_SQS: sqs.sqsEndpoint });
    const [coldBefore, coldNew] = [cold.index, cold['esm-entry']];
    console.log(
      `cold start, loading the function (median of ${COLD_STARTS} fresh processes): new ${fmt(coldNew.loadWallMs)} ms wall / ${fmt(coldNew.loadCpuMs)} ms CPU, ` +
        `before ${fmt(coldBefore.loadWallMs)} ms / ${fmt(coldBefore.loadCpuMs)} ms (ratio ${(coldNew.loadWallMs / coldBefore.loadWallMs).toFixed(2)} wall, ` +
        `${(coldNew.loadCpuMs / coldBefore.loadCpuMs).toFixed(2)} CPU; new includes the ES-module entry and the extension's registration)`,
    );
    console.log(
      `cold start, load + first tracked response in the function (SQS unslowed): new ${fmt(coldNew.firstResponseMs)} ms, before ${fmt(coldBefore.firstResponseMs)} ms ` +
        `(ratio ${(coldNew.firstResponseMs / coldBefore.firstResponseMs).toFixed(2)})`,
    );
    console.log(`machine load average (1 min) at the end: ${loadavg()[0]?.toFixed(1)} on ${availableParallelism()} CPUs (timings include its scheduling noise)`);

    const results: PagePathResults = {
      requests: VIEWS,
      warmup: WARMUP,
      visitors: VISITORS,
      sqs: SQS_SLOWED,
      environments,
      coldStart: { starts: COLD_STARTS, before: coldBefore, new: coldNew },
    };
    const resultsPath = resolve(import.meta.dirname, '..', LATENCY_SECTION.resultsFile);
    mkdirSync(dirname(resultsPath), { recursive: true });
    writeFileSync(resultsPath, `${JSON.stringify(results, null, 2)}\n`);
    console.log(`wrote ${LATENCY_SECTION.resultsFile} (npm run docs:bench puts it in ${GENERATED_DOCUMENT})`);
    const before = environments.find((result) => result.key === 'before');
    const after = environments.find((result) => result.key === 'new');
    if (before === undefined || after === undefined) throw new Error('unreachable');
    console.log('last line: the p99 in the function\'s process, from the authorizer receiving the event to its response being handed to the Runtime API for the gateway, SQS slowed as above');
    console.log(`page-path-p99-ms: ${fmt(after.inFunction.p99)} (before ${fmt(before.inFunction.p99)})`);
  } finally {
    await sqs.stop();
    bundle.remove();
    empty.remove();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
