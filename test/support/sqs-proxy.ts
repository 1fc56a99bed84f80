/**
 * An HTTP proxy in front of a local SQS server (fauxqs) for benchmarks and tests: counts the requests by
 * SQS API action (`X-Amz-Target`, e.g. `AmazonSQS.SendMessageBatch`) and can make SQS slow on purpose
 * (a fixed delay on every request, a longer one on a seeded share of them). Point a client's
 * AWS_ENDPOINT_URL_SQS at `url`.
 */
import { createServer, request, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { seededRandom } from './seeded-random';

export interface SqsProxyOptions {
  /** Added to every request, ms. */
  readonly delayMs?: number;
  /** Instead of `delayMs` on a share `slowShare` (0-1) of requests, ms. */
  readonly slowDelayMs?: number;
  readonly slowShare?: number;
  readonly seed?: number;
}

export interface SqsProxy {
  readonly url: string;
  /** Requests by SQS action (`X-Amz-Target`, e.g. `AmazonSQS.SendMessageBatch`). */
  readonly counts: Map<string, number>;
  /** Requests received so far. */
  requests(): number;
  close(): Promise<void>;
}

/** An HTTP proxy in front of fauxqs that counts requests by action and delays each, some a lot more. */
export async function startSqsProxy(target: string, options: SqsProxyOptions = {}): Promise<SqsProxy> {
  const random = seededRandom(options.seed ?? 1);
  const { delayMs = 0, slowDelayMs = 0, slowShare = 0 } = options;
  const targetUrl = new URL(target);
  const counts = new Map<string, number>();
  const server: Server = createServer((req: IncomingMessage, res) => {
    const action = String(req.headers['x-amz-target'] ?? 'other');
    counts.set(action, (counts.get(action) ?? 0) + 1);
    const delay = random() < slowShare ? slowDelayMs : delayMs;
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      setTimeout(() => {
        const upstream = request(
          { host: targetUrl.hostname, port: targetUrl.port, method: req.method, path: req.url, headers: req.headers },
          (answer) => {
            res.writeHead(answer.statusCode ?? 502, answer.headers);
            answer.pipe(res);
          },
        );
        upstream.on('error', () => res.writeHead(502).end());
        upstream.end(Buffer.concat(chunks));
      }, delay);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    counts,
    requests: () => [...counts.values()].reduce((sum, n) => sum + n, 0),
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
