/**
 * fauxqs and counting proxies (sqs-counting-proxy.ts) in a process of their own, for the benchmarks:
 * their CPU time is not measured as the functions', and their work (a slowed send, a flush after a
 * response) does not share the event loop of what stamps a benchmark's times. `startSqsProcess` runs
 * this module as a child; the child prints one JSON line with its endpoints, then serves until SIGTERM.
 * Each proxy's counts are read over HTTP (`GET /__counts`, `POST /__reset`).
 */
import { spawn } from 'node:child_process';
import { startLocalSqs, type LocalQueueSettings } from '../local-runtime/sqs-server';
import { startCountingProxy, type ActionCount, type SlowSqsOptions } from './sqs-counting-proxy';

export interface SqsProcessOptions {
  readonly queue: LocalQueueSettings;
  /** One proxy per entry, in front of the same fauxqs; `{}` counts without slowing. */
  readonly proxies: readonly SlowSqsOptions[];
}

export interface ProxyCounts {
  readonly total: number;
  readonly counts: Record<string, ActionCount>;
}

export interface SqsProxyHandle {
  readonly endpoint: string;
  counts(): Promise<ProxyCounts>;
  reset(): Promise<void>;
}

export interface SqsProcess {
  /** fauxqs itself, not slowed or counted. */
  readonly sqsEndpoint: string;
  readonly queueUrl: string;
  /** In the order of `options.proxies`. */
  readonly proxies: readonly SqsProxyHandle[];
  stop(): Promise<void>;
}

interface Ready {
  readonly sqsEndpoint: string;
  readonly queueUrl: string;
  readonly proxyEndpoints: readonly string[];
}

export async function startSqsProcess(options: SqsProcessOptions): Promise<SqsProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', import.meta.filename, JSON.stringify(options)], { stdio: ['ignore', 'pipe', 'inherit'] });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const ready = await new Promise<Ready>((resolve, reject) => {
    let buffer = '';
    child.stdout.on('data', (chunk: Buffer) => {
      buffer += chunk.toString();
      const end = buffer.indexOf('\n');
      if (end >= 0) resolve(JSON.parse(buffer.slice(0, end)) as Ready);
    });
    child.once('exit', (code) => reject(new Error(`the SQS process exited (${String(code)})`)));
  });
  return {
    sqsEndpoint: ready.sqsEndpoint,
    queueUrl: ready.queueUrl,
    proxies: ready.proxyEndpoints.map((endpoint) => ({
      endpoint,
      counts: async () => (await (await fetch(`${endpoint}/__counts`)).json()) as ProxyCounts,
      reset: async () => {
        await fetch(`${endpoint}/__reset`, { method: 'POST' });
      },
    })),
    async stop() {
      child.kill('SIGTERM');
      await exited;
    },
  };
}

async function serve(options: SqsProcessOptions): Promise<void> {
  const sqs = await startLocalSqs();
  const queues = sqs.createQueues(options.queue);
  const proxies = await Promise.all(options.proxies.map((slow) => startCountingProxy(sqs.endpoint, slow)));
  const ready: Ready = { sqsEndpoint: sqs.endpoint, queueUrl: queues.queueUrl, proxyEndpoints: proxies.map((proxy) => proxy.endpoint) };
  process.stdout.write(`${JSON.stringify(ready)}\n`);
  const stop = () => {
    void Promise.all([...proxies.map((proxy) => proxy.stop()), sqs.stop()]).finally(() => process.exit(0));
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}

if (process.argv[1] === import.meta.filename) await serve(JSON.parse(process.argv[2] ?? '{}') as SqsProcessOptions);
