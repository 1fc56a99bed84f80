/**
 * `npm run bench:authorizer`: is anonymous identification faster than JWT validation? In one process
 * and one run:
 *
 * - per-request cost of the real handler (in-memory publisher and metrics sink, so the network and
 *   stdout are out of the figure) for (a) a returning visitor with a valid cookie, (b) a new visitor,
 *   (c) a skipped static path, plus (a') a returning visitor whose user agent the warm instance has not
 *   seen yet (bot check and device class not memoised);
 * - the alternative users compare us with: verifying (d) an RS256 and (e) an ES256 JWT with jose;
 * - p50 and p99 in microseconds of each, every request timed on its own;
 * - the authorizer bundled as the stack bundles it (`lib/lambda-bundling.ts`, the AWS SDK included) and
 *   its module load in a fresh `node` process against an empty bundle's (`bench/bundle-load.ts`).
 *
 * Figures are wall-clock on whatever machine runs this: compare the ratios, not the absolute values.
 * The last line is exactly `cookie-vs-jwt-rs256: <p50 of d / p50 of a>x`.
 */
import { createHmac, createSecretKey } from 'node:crypto';
import { resolve } from 'node:path';
import { SignJWT, generateKeyPair, jwtVerify } from 'jose';
import { createAuthorizerMetrics } from '../lambdas/authorizer/authorizer-metrics';
import { loadAuthorizerConfig } from '../lambdas/authorizer/config';
import { createAuthorizerHandler, type AuthorizerLogger } from '../lambdas/authorizer/handler';
import type { PageViewPublisher } from '../lambdas/authorizer/page-view-publisher';
import { parseKeyRing } from '../lambdas/identity/key-ring';
import type { QueueMessage } from '../lambdas/contract/page-view-message';
import { AUTHORIZER_LAZY_MODULES } from '../lib/lambda-bundling';
import { apiGatewayTime } from '../local-runtime/http-api-authorizer-event';
import { printBundleFigures } from './bundle-load';

const repoRoot = resolve(import.meta.dirname, '..');
const BENCH_START = Date.now();
const WARMUP = 20_000;
const SAMPLES = 100_000;
const JWT_WARMUP = 1_000;
const JWT_SAMPLES = 10_000;
const CHROME = 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36';

interface Figures {
  p50: number;
  p99: number;
}

function percentile(sorted: Float64Array, p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? Number.NaN;
}

/** Times every call on its own (µs) after a warm-up; `run(i)` gets the iteration number. */
async function timeEach(warmup: number, samples: number, run: (i: number) => Promise<unknown>): Promise<Figures> {
  for (let i = 0; i < warmup; i++) await run(i);
  const times = new Float64Array(samples);
  for (let i = 0; i < samples; i++) {
    const start = process.hrtime.bigint();
    await run(i);
    times[i] = Number(process.hrtime.bigint() - start) / 1000;
  }
  times.sort();
  return { p50: percentile(times, 50), p99: percentile(times, 99) };
}

const fmt = (n: number) => (n >= 100 ? n.toFixed(0) : n.toFixed(2));
const line = (label: string, f: Figures) => console.log(`${label.padEnd(48)} p50 ${fmt(f.p50).padStart(7)} µs   p99 ${fmt(f.p99).padStart(7)} µs`);

function httpApiEvent(path: string, userAgent: string, cookie?: string): Record<string, unknown> {
  return {
    version: '2.0',
    type: 'REQUEST',
    routeArn: 'arn:aws:execute-api:eu-west-1:123456789012:abcdef123/$default/GET/',
    identitySource: [],
    routeKey: '$default',
    rawPath: path,
    rawQueryString: 'utm_source=newsletter&ref=42',
    ...(cookie === undefined ? {} : { cookies: ['theme=dark', cookie] }),
    headers: {
      accept: 'text/html,application/xhtml+xml',
      'accept-encoding': 'gzip, deflate, br',
      'accept-language': 'en-GB,en;q=0.9',
      host: 'www.example.com',
      referer: 'https://www.google.com/search?q=visitor+gate',
      'user-agent': userAgent,
      'x-amzn-trace-id': 'Root=1-66705bc7-2b4257df30cbee696ef2cf28',
      'x-forwarded-for': '192.0.2.10',
      'x-forwarded-port': '443',
      'x-forwarded-proto': 'https',
    },
    requestContext: {
      accountId: '123456789012',
      apiId: 'abcdef123',
      domainName: 'www.example.com',
      http: { method: 'GET', path, protocol: 'HTTP/1.1', sourceIp: '192.0.2.10', userAgent },
      requestId: 'ZhNHJhhLjoEEPiw=',
      routeKey: '$default',
      stage: '$default',
      time: apiGatewayTime(new Date(BENCH_START)),
      timeEpoch: BENCH_START,
    },
  };
}

async function handlerFigures(): Promise<{ returning: Figures; unseenAgent: Figures; fresh: Figures; skipped: Figures; published: number; warnings: number }> {
  let published = 0;
  let warnings = 0;
  const publisher: PageViewPublisher = {
    publish: async (_message: QueueMessage) => {
      published++;
    },
  };
  const logger: AuthorizerLogger = {
    warn: () => void warnings++,
    error: () => void warnings++,
  };
  let metricWrites = 0;
  const authorize = createAuthorizerHandler({
    config: loadAuthorizerConfig({
      QUEUE_URL: 'https://sqs.eu-west-1.amazonaws.com/123456789012/page-views',
      SIGNING_KEYS: JSON.stringify({ current: 'k2', k2: 'bench-signing-key-2-of-at-least-32-chars', k1: 'bench-signing-key-1-of-at-least-32-chars' }),
    }),
    keyRing: parseKeyRing(
      JSON.stringify({ current: 'k2', k2: 'bench-signing-key-2-of-at-least-32-chars', k1: 'bench-signing-key-1-of-at-least-32-chars' }),
    ),
    publisher,
    logger,
    // Counted as deployed, handed to the writer after every invocation (an upper bound: deployed, once a minute).
    metrics: createAuthorizerMetrics({ write: () => void (metricWrites += 1) }),
  });

  const first = (await authorize(httpApiEvent('/pricing', CHROME))) as unknown as { context: { setCookie: string } };
  const cookie = first.context.setCookie.split(';')[0] ?? '';
  const returningEvent = httpApiEvent('/pricing', CHROME, cookie);
  const newEvent = httpApiEvent('/pricing', CHROME);
  const staticEvent = httpApiEvent('/static/app.js', CHROME, cookie);
  // Distinct user agents (a build number varies), so every call misses the memo.
  const unseenEvents = Array.from({ length: 4096 }, (_, i) => httpApiEvent('/pricing', CHROME.replace('131.0.0.0', `131.0.${i}.${i % 97}`), cookie));

  const returning = await timeEach(WARMUP, SAMPLES, () => authorize(returningEvent));
  const fresh = await timeEach(WARMUP, SAMPLES, () => authorize(newEvent));
  const skipped = await timeEach(WARMUP, SAMPLES, () => authorize(staticEvent));
  // The memo holds 1,000 agents; cycling through 4,096 keeps missing it.
  const unseenAgent = await timeEach(WARMUP, SAMPLES, (i) => authorize(unseenEvents[i % unseenEvents.length]));
  if (metricWrites === 0) throw new Error('metrics were not produced');
  return { returning, unseenAgent, fresh, skipped, published, warnings };
}

async function jwtFigures(alg: 'RS256' | 'ES256'): Promise<Figures> {
  const { publicKey, privateKey } = await generateKeyPair(alg);
  const token = await new SignJWT({ scope: 'read' })
    .setProtectedHeader({ alg, kid: 'bench' })
    .setSubject('user-42')
    .setIssuer('https://id.example.com/')
    .setAudience('web')
    .setIssuedAt()
    .setExpirationTime('1h')
    .sign(privateKey);
  const options = { issuer: 'https://id.example.com/', audience: 'web', algorithms: [alg] };
  return timeEach(JWT_WARMUP, JWT_SAMPLES, () => jwtVerify(token, publicKey, options));
}

/**
 * The MAC primitive alone, over 55 bytes (a cookie's signed part with a 2-character key id): why the key
 * ring holds `KeyObject`s made once rather than the raw key bytes.
 */
async function hmacFigures(): Promise<{ keyObject: Figures; rawKey: Figures }> {
  const secret = Buffer.from('bench-signing-key-1-of-at-least-32-chars');
  const message = Buffer.alloc(55, 7);
  const keyObject = createSecretKey(secret);
  return {
    keyObject: await timeEach(WARMUP, SAMPLES, async () => createHmac('sha256', keyObject).update(message).digest()),
    rawKey: await timeEach(WARMUP, SAMPLES, async () => createHmac('sha256', secret).update(message).digest()),
  };
}

async function main(): Promise<void> {
  console.log(`visitor-gate authorizer benchmark — node ${process.version}, ${new Date().toISOString()}`);

  const handler = await handlerFigures();
  const rs256 = await jwtFigures('RS256');
  const es256 = await jwtFigures('ES256');
  line('(a) returning visitor (valid cookie)', handler.returning);
  line("(a') returning visitor, unseen user agent", handler.unseenAgent);
  line('(b) new visitor', handler.fresh);
  line('(c) skipped static path', handler.skipped);
  line('(d) jose RS256 verify', rs256);
  line('(e) jose ES256 verify', es256);
  console.log(`page views published (in memory): ${handler.published}; slow-resolution warnings: ${handler.warnings}`);
  const hmac = await hmacFigures();
  line('HMAC-SHA256, 55 bytes: createHmac(KeyObject)', hmac.keyObject);
  line('HMAC-SHA256, 55 bytes: createHmac(raw key)', hmac.rawKey);

  await printBundleFigures(resolve(repoRoot, 'lambdas/authorizer/handler.ts'), AUTHORIZER_LAZY_MODULES);

  console.log(`cookie-vs-jwt-rs256: ${(rs256.p50 / handler.returning.p50).toFixed(1)}x`);
}

await main();
