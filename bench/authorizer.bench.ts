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
 * - the authorizer's minified bundle (esbuild, everything bundled, the AWS SDK included) and its
 *   module load in a fresh `node` process against an empty bundle's (medians of alternating runs).
 *
 * Figures are wall-clock on whatever machine runs this: compare the ratios, not the absolute values.
 * The last line is exactly `cookie-vs-jwt-rs256: <p50 of d / p50 of a>x`.
 */
import { spawnSync } from 'node:child_process';
import { createHmac, createSecretKey } from 'node:crypto';
import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { build, type BuildOptions } from 'esbuild';
import { SignJWT, generateKeyPair, jwtVerify } from 'jose';
import { createEmfMetrics } from '../lambdas/authorizer/authorizer-metrics';
import { loadAuthorizerConfig } from '../lambdas/authorizer/config';
import { createAuthorizerHandler, type AuthorizerLogger } from '../lambdas/authorizer/handler';
import type { PageViewPublisher } from '../lambdas/authorizer/page-view-publisher';
import { parseKeyRing } from '../lambdas/identity/key-ring';
import type { QueueMessage } from '../lambdas/shared/page-view-message';

const repoRoot = resolve(import.meta.dirname, '..');
const WARMUP = 20_000;
const SAMPLES = 100_000;
const JWT_WARMUP = 1_000;
const JWT_SAMPLES = 10_000;
const LOAD_RUNS = 21;
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
      time: '29/Nov/2026:15:00:00 +0000',
      timeEpoch: 1_795_964_400_000,
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
  let emfBytes = 0;
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
    // EMF lines are built in full, then dropped instead of written to stdout.
    metrics: createEmfMetrics({ namespace: 'VisitorGate', service: 'visitor-gate', sink: (l) => void (emfBytes += l.length) }),
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
  if (emfBytes === 0) throw new Error('metrics were not produced');
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

interface Bundle {
  file: string;
  bytes: number;
}

async function bundle(dir: string, name: string, entry: string, options: BuildOptions): Promise<Bundle> {
  const file = join(dir, name);
  await build({
    entryPoints: [entry],
    outfile: file,
    bundle: true,
    minify: true,
    platform: 'node',
    target: 'node24',
    external: [],
    logLevel: 'silent',
    ...options,
  });
  return { file, bytes: statSync(file).size };
}

const BENCH_ENV = {
  AWS_REGION: 'eu-west-1',
  QUEUE_URL: 'https://sqs.eu-west-1.amazonaws.com/123456789012/page-views',
  SIGNING_KEYS: JSON.stringify({ current: 'k1', k1: 'bench-signing-key-1-of-at-least-32-chars' }),
};

interface LoadCost {
  /** Wall-clock ms from process start. */
  wall: number;
  /** CPU ms (user + system) of the process: steadier than wall-clock on a busy machine. */
  cpu: number;
}

/**
 * The cost of a fresh `node` process until the bundle is loaded (`ready: false`), or until its default
 * dependencies are built as on the first invocation (`ready: true`: config, key ring, SQS client, logger).
 */
function loadOnce(bundleFile: string, ready: boolean): LoadCost {
  const esm = bundleFile.endsWith('.mjs');
  const load = esm ? `await import(${JSON.stringify(pathToFileURL(bundleFile).href)})` : `require(${JSON.stringify(bundleFile)})`;
  const build = ready ? 'if (m.createDefaultDeps) await m.createDefaultDeps(process.env);' : '';
  // Both figures are taken before the stdout stream is touched, so only loading is measured.
  const script = `(async () => { const m = ${load}; ${build} const t = performance.now(); const u = process.cpuUsage(); process.stdout.write(t + ' ' + (u.user + u.system) / 1000); })();`;
  const result = spawnSync(process.execPath, esm ? ['--input-type=module', '-e', script] : ['-e', script], {
    encoding: 'utf8',
    env: { PATH: process.env.PATH ?? '', ...BENCH_ENV },
  });
  const [wall, cpu] = result.stdout.split(' ').map(Number);
  if (result.status !== 0 || wall === undefined || cpu === undefined || !Number.isFinite(wall) || !Number.isFinite(cpu)) {
    throw new Error(`loading ${bundleFile} failed: ${result.stderr}`);
  }
  return { wall, cpu };
}

function median(values: number[]): number {
  const sorted = [...values].sort((x, y) => x - y);
  return sorted[Math.floor(sorted.length / 2)] ?? Number.NaN;
}

interface LoadComparison {
  subject: LoadCost;
  baseline: LoadCost;
}

/** Alternates subject and baseline so a busy moment of the machine hits both alike; medians. */
function compareLoads(subject: string, baseline: string, ready = false): LoadComparison {
  const a: LoadCost[] = [];
  const b: LoadCost[] = [];
  for (let i = 0; i < LOAD_RUNS; i++) {
    b.push(loadOnce(baseline, false));
    a.push(loadOnce(subject, ready));
  }
  const med = (costs: LoadCost[]): LoadCost => ({ wall: median(costs.map((c) => c.wall)), cpu: median(costs.map((c) => c.cpu)) });
  return { subject: med(a), baseline: med(b) };
}

function describeLoad(label: string, c: LoadComparison): string {
  const ratio = (k: keyof LoadCost) => (c.subject[k] / c.baseline[k]).toFixed(2);
  return (
    `${label}: wall ${c.subject.wall.toFixed(1)} ms vs empty ${c.baseline.wall.toFixed(1)} ms = ${ratio('wall')}x; ` +
    `cpu ${c.subject.cpu.toFixed(1)} ms vs ${c.baseline.cpu.toFixed(1)} ms = ${ratio('cpu')}x`
  );
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

  const dir = mkdtempSync(join(tmpdir(), 'vg-bench-'));
  try {
    const entry = join(repoRoot, 'lambdas/authorizer/handler.ts');
    const emptyEntry = join(dir, 'empty-entry.js');
    writeFileSync(emptyEntry, 'exports.handler = async () => ({});\n');
    // As the issue specifies: CommonJS, minified, node24, everything bundled (the AWS SDK included);
    // `module` before `main` as the stack resolves packages (ESM sources tree-shake better).
    const cjsOptions: BuildOptions = { format: 'cjs', mainFields: ['module', 'main'] };
    const cjs = await bundle(dir, 'authorizer.cjs', entry, cjsOptions);
    const emptyCjs = await bundle(dir, 'empty.cjs', emptyEntry, cjsOptions);
    const loaded = compareLoads(cjs.file, emptyCjs.file);
    const ready = compareLoads(cjs.file, emptyCjs.file, true);
    console.log(`bundle (esbuild: bundle, minify, platform node, target node24, cjs, AWS SDK bundled): ${(cjs.bytes / 1024).toFixed(1)} KB`);
    console.log(describeLoad(`module load, fresh process, median of ${LOAD_RUNS}`, loaded));
    console.log(describeLoad('module load + default deps built (SQS client, logger: the first invocation, no network)', ready));
    // The same code bundled as ES module output (format esm + createRequire banner): ESM imports of
    // node:http/https make Node build their ESM facades, which load the fetch stack (undici) at startup.
    const esmOptions: BuildOptions = {
      format: 'esm',
      mainFields: ['module', 'main'],
      banner: { js: "import { createRequire as __vgCreateRequire } from 'node:module'; const require = __vgCreateRequire(import.meta.url);" },
    };
    const esm = await bundle(dir, 'authorizer.mjs', entry, esmOptions);
    const emptyEsmEntry = join(dir, 'empty-entry.mjs');
    writeFileSync(emptyEsmEntry, 'export const handler = async () => ({});\n');
    const emptyEsm = await bundle(dir, 'empty.mjs', emptyEsmEntry, esmOptions);
    const esmLoaded = compareLoads(esm.file, emptyEsm.file);
    console.log(describeLoad(`(for comparison) same code as an esm bundle, ${(esm.bytes / 1024).toFixed(1)} KB, module load`, esmLoaded));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }

  console.log(`cookie-vs-jwt-rs256: ${(rs256.p50 / handler.returning.p50).toFixed(1)}x`);
}

await main();
