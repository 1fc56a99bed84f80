/**
 * `npm run bench:page-path`: how long a page waits for the authorizer, from the moment the runtime is
 * handed the event to the moment its response reaches the Runtime API (what API Gateway waits for),
 * with SQS made slow on purpose: a proxy in front of fauxqs adds 20 ms to every request and 300 ms to
 * 1% of them (seeded). Both designs run in the same process, on the same bundle the stack deploys,
 * under Lambda's lifecycle (test/support/lambda-environment.ts: loopback Runtime/Extensions API and a
 * runtime client; `aws-lambda-ric` itself needs a native build this project does not ship):
 *
 * - before: `index.handler`, no extension: one awaited `SendMessage` per view inside the invocation;
 * - new: `lambda-entry.handler`: the internal extension, views held and sent after the response.
 *
 * It also prints the SQS requests per tracked view (counted at the proxy, by API action) and the cold
 * start (process start to the first request for an event, median of 5 starts) of both entries.
 * Last line: `page-path-p99-ms: <new> (before <old>)`.
 */
import { randomBytes } from 'node:crypto';
import { availableParallelism, loadavg } from 'node:os';
import { REPLAY_MARKER } from '../lambdas/contract/replay-record';
import { buildAuthorizerEvent } from '../lib/local/http-api-authorizer-event';
import { LOCAL_CREDENTIALS, LOCAL_REGION } from '../lib/local/sqs-server';
import { bundleAuthorizer, startLambdaEnvironment, type EnvironmentOptions } from '../test/support/lambda-environment';
import { startQueue, type LocalQueue } from '../test/support/local-aws';
import { startCountingProxy } from './sqs-counting-proxy';
import { nearestRank } from './percentile';

const VIEWS = Number(process.env.BENCH_VIEWS ?? 1000);
const WARMUP = 20;
const VISITORS = 50;
const DELAY_MS = 20;
const SLOW_DELAY_MS = 300;
const SLOW_SHARE = 0.01;
const COLD_STARTS = 11;


function browserRequest(path: string, cookie: string | undefined) {
  const headers: Record<string, string> = {
    host: 'www.example.com',
    'user-agent': 'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36',
    accept: 'text/html',
    ...(cookie === undefined ? {} : { cookie }),
  };
  return buildAuthorizerEvent({ method: 'GET', url: path, headers, httpVersion: '1.1', sourceIp: '203.0.113.7', protocol: 'https', localPort: 443 }, new Date()).event;
}

interface DesignFigures {
  readonly p50: number;
  readonly p99: number;
  readonly max: number;
  readonly tracked: number;
  readonly sqsRequests: Map<string, number>;
  /** SQS requests that arrived while a page waited (measured samples only). */
  readonly duringPage: number;
  readonly replayRecords: number;
}

interface Design {
  readonly name: string;
  readonly entry: EnvironmentOptions['entry'];
  readonly samples: number[];
  tracked: number;
  /** SQS requests that reached the proxy while a page of this design was waiting. */
  duringPage: number;
}

/** Both designs, alternating request by request so a busy moment of the machine hits both alike. */
async function runDesigns(queue: LocalQueue, bundleDir: string, env: Record<string, string>, designs: readonly Design[]): Promise<DesignFigures[]> {
  const proxies = await Promise.all(designs.map(() =>
      startCountingProxy(queue.server.endpoint, { delayMs: DELAY_MS, slowDelayMs: SLOW_DELAY_MS, slowShare: SLOW_SHARE, seed: 1 }),
    ));
  const environments = await Promise.all(
    designs.map((design, index) => startLambdaEnvironment({ bundleDir, entry: design.entry, env: { ...env, AWS_ENDPOINT_URL_SQS: proxies[index]?.endpoint ?? '' } })),
  );
  const cookies = designs.map(() => new Array<string | undefined>(VISITORS).fill(undefined));
  try {
    for (let i = 0; i < WARMUP + VIEWS; i++) {
      for (const [index, design] of designs.entries()) {
        const environment = environments[index];
        const proxy = proxies[index];
        const jar = cookies[index];
        if (environment === undefined || proxy === undefined || jar === undefined) throw new Error('unreachable');
        const visitor = i % VISITORS;
        const requestsBefore = proxy.totalCalls();
        const invocation = environment.api.invoke(browserRequest(`/page/${i % 7}`, jar[visitor]));
        const answer = await invocation.response;
        const requestsAtResponse = proxy.totalCalls();
        await invocation.complete; // one environment: the next event waits until this invocation is complete
        const context = (answer.response as { context?: { setCookie?: string; tracked?: boolean } }).context;
        const setCookie = context?.setCookie;
        if (typeof setCookie === 'string' && setCookie !== '-') jar[visitor] = setCookie.split(';')[0];
        if (i >= WARMUP) {
          design.samples.push(answer.respondedAt - answer.deliveredAt);
          if (context?.tracked === true) design.tracked++;
          design.duringPage += requestsAtResponse - requestsBefore;
        }
      }
    }
    const figures: DesignFigures[] = [];
    for (const [index, design] of designs.entries()) {
      const environment = environments[index];
      const proxy = proxies[index];
      if (environment === undefined || proxy === undefined) throw new Error('unreachable');
      await environment.stop(2_000);
      const samples = [...design.samples].sort((a, b) => a - b);
      figures.push({
        p50: nearestRank(samples, 50) ?? Number.NaN,
        p99: nearestRank(samples, 99) ?? Number.NaN,
        max: samples.at(-1) ?? Number.NaN,
        tracked: design.tracked,
        sqsRequests: new Map([...proxy.counts].map(([action, count]) => [action, count.calls])),
        duringPage: design.duringPage,
        replayRecords: environment.lines().filter((line) => line.includes(REPLAY_MARKER)).length,
      });
    }
    return figures;
  } finally {
    for (const environment of environments) await environment.stop().catch(() => undefined);
    for (const proxy of proxies) await proxy.stop();
  }
}

interface LoadFigures {
  readonly wall: number;
  readonly cpu: number;
  /** Load plus the first tracked request's page path (what the first visitor of an environment waits for, after init). */
  readonly firstResponse: number;
}

/** Loading the function in fresh processes (median of COLD_STARTS), both entries alternating. */
async function loadCosts(bundleDir: string, env: Record<string, string>): Promise<{ before: LoadFigures; after: LoadFigures }> {
  const runs: Record<EnvironmentOptions['entry'], { wall: number[]; cpu: number[]; first: number[] }> = {
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
      runs[entry].first.push(Number(match?.[1]) + first.respondedAt - first.deliveredAt);
    }
  }
  const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? Number.NaN;
  const figures = (entry: EnvironmentOptions['entry']) => ({ wall: median(runs[entry].wall), cpu: median(runs[entry].cpu), firstResponse: median(runs[entry].first) });
  return { before: figures('index'), after: figures('esm-entry') };
}

const fmt = (ms: number) => ms.toFixed(2);

async function main(): Promise<void> {
  const [bundle, queue] = await Promise.all([bundleAuthorizer(), startQueue()]);
  try {
    const env = {
      QUEUE_URL: queue.queues.queueUrl,
      SIGNING_KEYS: JSON.stringify({ current: 'k1', k1: randomBytes(48).toString('base64url') }),
      AWS_REGION: LOCAL_REGION,
      AWS_ACCESS_KEY_ID: LOCAL_CREDENTIALS.accessKeyId,
      AWS_SECRET_ACCESS_KEY: LOCAL_CREDENTIALS.secretAccessKey,
      POWERTOOLS_METRICS_DISABLED: 'true',
    };
    console.log(`${VIEWS} requests (after ${WARMUP} warm-up) from ${VISITORS} returning visitors, one execution environment, back to back;`);
    console.log(`SQS behind a proxy adding ${DELAY_MS} ms to every request and ${SLOW_DELAY_MS} ms to ${SLOW_SHARE * 100}% (seeded)`);
    const designs: Design[] = [
      { name: 'before (send inside the invocation)', entry: 'index', samples: [], tracked: 0, duringPage: 0 },
      { name: 'new (send after the response)', entry: 'esm-entry', samples: [], tracked: 0, duringPage: 0 },
    ];
    const [before, after] = await runDesigns(queue, bundle.dir, env, designs);
    if (before === undefined || after === undefined) throw new Error('unreachable');
    for (const [index, figures] of [before, after].entries()) {
      const requests = [...figures.sqsRequests.values()].reduce((sum, n) => sum + n, 0);
      const byAction = [...figures.sqsRequests].map(([action, n]) => `${action} ${n}`).join(', ');
      console.log(
        `${(designs[index]?.name ?? '').padEnd(38)} p50 ${fmt(figures.p50)} ms  p99 ${fmt(figures.p99)} ms  max ${fmt(figures.max)} ms | ` +
          `SQS requests while a page waited ${figures.duringPage} | per tracked view ${(requests / Math.max(1, figures.tracked)).toFixed(3)} ` +
          `(${byAction}; warm-up and shutdown included) | replay records ${figures.replayRecords}`,
      );
    }
    const load = await loadCosts(bundle.dir, { ...env, AWS_ENDPOINT_URL_SQS: queue.server.endpoint });
    console.log(
      `cold start, loading the function (median of ${COLD_STARTS} fresh processes): new ${fmt(load.after.wall)} ms wall / ${fmt(load.after.cpu)} ms CPU, ` +
        `before ${fmt(load.before.wall)} ms / ${fmt(load.before.cpu)} ms (ratio ${(load.after.wall / load.before.wall).toFixed(2)} wall, ` +
        `${(load.after.cpu / load.before.cpu).toFixed(2)} CPU; new includes the ES-module entry and the extension's registration)`,
    );
    console.log(
      `cold start, load + first tracked response (SQS unslowed): new ${fmt(load.after.firstResponse)} ms, before ${fmt(load.before.firstResponse)} ms ` +
        `(ratio ${(load.after.firstResponse / load.before.firstResponse).toFixed(2)})`,
    );
    console.log(`machine load average (1 min) at the end: ${loadavg()[0]?.toFixed(1)} on ${availableParallelism()} CPUs (timings include its scheduling noise)`);
    console.log(`page-path-p99-ms: ${fmt(after.p99)} (before ${fmt(before.p99)})`);
  } finally {
    await queue.stop();
    bundle.remove();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
