/**
 * An HTTP proxy in front of fauxqs, for the benchmarks: counts what SQS would bill, calls by API
 * action (from the JSON protocol's `X-Amz-Target`, or the query protocol's `Action=`) and 64 KiB units
 * (every 64 KiB of a request's payload is billed as one request), and can make SQS slow on purpose (a
 * fixed delay on every request, a longer one on a seeded share of them; `bench:page-path`).
 * `GET /__counts` answers the counts as JSON and `POST /__reset` clears them, so the proxy can run in
 * its own process: the benchmarks run it and fauxqs there (`sqs-process.ts`).
 */
import { createServer, request as httpRequest, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { seededRandom } from '../harness/seeded-random';

export interface ActionCount {
  calls: number;
  units: number;
  payloadBytes: number;
}

export interface SlowSqsOptions {
  /** Added to every request, ms. */
  readonly delayMs?: number;
  /** Instead of `delayMs` on a share `slowShare` (0-1) of requests, ms. */
  readonly slowDelayMs?: number;
  readonly slowShare?: number;
  readonly seed?: number;
}

/** Its counts are read over HTTP (`/__counts`, `/__reset`), from whichever process started it. */
export interface CountingProxy {
  readonly endpoint: string;
  stop(): Promise<void>;
}

function actionOf(target: string | string[] | undefined, body: Buffer): string {
  if (typeof target === 'string') return target.slice(target.lastIndexOf('.') + 1);
  const match = /(?:^|&)Action=([A-Za-z]+)/.exec(body.toString('latin1'));
  return match?.[1] ?? 'Unknown';
}

export async function startCountingProxy(upstream: string, slow: SlowSqsOptions = {}): Promise<CountingProxy> {
  const target = new URL(upstream);
  const random = seededRandom(slow.seed ?? 1);
  const { delayMs = 0, slowDelayMs = 0, slowShare = 0 } = slow;
  const counts = new Map<string, ActionCount>();
  let total = 0;
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      if (req.url === '/__counts') {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ total, counts: Object.fromEntries(counts) }));
        return;
      }
      if (req.url === '/__reset') {
        counts.clear();
        total = 0;
        res.writeHead(204);
        res.end();
        return;
      }
      const action = actionOf(req.headers['x-amz-target'], body);
      const count = counts.get(action) ?? { calls: 0, units: 0, payloadBytes: 0 };
      count.calls += 1;
      count.units += Math.max(1, Math.ceil(body.length / 65_536));
      count.payloadBytes += body.length;
      counts.set(action, count);
      total += 1;
      const delay = slowShare > 0 && random() < slowShare ? slowDelayMs : delayMs;
      const forward = () => {
        const upstreamRequest = httpRequest(
          { hostname: target.hostname, port: target.port, path: req.url, method: req.method, headers: { ...req.headers, host: req.headers.host ?? target.host } },
          (upstreamResponse) => {
            res.writeHead(upstreamResponse.statusCode ?? 502, upstreamResponse.headers);
            upstreamResponse.pipe(res);
          },
        );
        upstreamRequest.on('error', () => {
          res.writeHead(502);
          res.end();
        });
        upstreamRequest.end(body);
      };
      if (delay > 0) setTimeout(forward, delay);
      else forward();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
