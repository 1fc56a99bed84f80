/**
 * The bundle/cold-start part of `npm run bench:authorizer`: the authorizer bundled exactly as the stack
 * bundles it (`bundleLambda` in `lib/lambda-bundling.ts`: index.js plus its lazy modules), its size, and
 * its module load in fresh `node` processes (run with the function's NODE_OPTIONS) against an empty
 * bundle built with the same settings. Subject and baseline alternate, so a busy moment of the machine
 * hits both alike; figures are medians.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { build, type BuildOptions } from 'esbuild';
import { LAMBDA_ESBUILD_OPTIONS, LAMBDA_NODE_OPTIONS, bundleLambda } from '../lib/lambda-bundling';

const LOAD_RUNS = 21;

const BENCH_ENV = {
  AWS_REGION: 'eu-west-1',
  QUEUE_URL: 'https://sqs.eu-west-1.amazonaws.com/123456789012/page-views',
  SIGNING_KEYS: JSON.stringify({ current: 'k1', k1: 'bench-signing-key-1-of-at-least-32-chars' }),
};

interface Bundle {
  file: string;
  bytes: number;
}

async function bundle(file: string, entry: string, options: BuildOptions): Promise<Bundle> {
  await build({ ...LAMBDA_ESBUILD_OPTIONS, entryPoints: [entry], outfile: file, logLevel: 'silent', ...options });
  return { file, bytes: statSync(file).size };
}

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
  const deps = ready ? 'await m.createDefaultDeps(process.env);' : '';
  // Both figures are taken before the stdout stream is touched, so only loading is measured.
  const script = `(async () => { const m = ${load}; ${deps} const t = performance.now(); const u = process.cpuUsage(); process.stdout.write(t + ' ' + (u.user + u.system) / 1000); })();`;
  const result = spawnSync(process.execPath, [...LAMBDA_NODE_OPTIONS, ...(esm ? ['--input-type=module'] : []), '-e', script], {
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

/** `ready` applies to the subject, `baselineReady` to the baseline (an empty bundle has no deps to build). */
function compareLoads(subject: string, baseline: string, ready = false, baselineReady = false): LoadComparison {
  const a: LoadCost[] = [];
  const b: LoadCost[] = [];
  for (let i = 0; i < LOAD_RUNS; i++) {
    b.push(loadOnce(baseline, baselineReady));
    a.push(loadOnce(subject, ready));
  }
  const med = (costs: LoadCost[]): LoadCost => ({ wall: median(costs.map((c) => c.wall)), cpu: median(costs.map((c) => c.cpu)) });
  return { subject: med(a), baseline: med(b) };
}

function describeLoad(label: string, c: LoadComparison, baseline = 'empty'): string {
  const ratio = (k: keyof LoadCost) => (c.subject[k] / c.baseline[k]).toFixed(2);
  return (
    `${label}: wall ${c.subject.wall.toFixed(1)} ms vs ${baseline} ${c.baseline.wall.toFixed(1)} ms = ${ratio('wall')}x; ` +
    `cpu ${c.subject.cpu.toFixed(1)} ms vs ${c.baseline.cpu.toFixed(1)} ms = ${ratio('cpu')}x`
  );
}

const kb = (b: Bundle) => `${(b.bytes / 1024).toFixed(1)} KB`;

/** Bundles like the stack (`bundleLambda`) into `dir`; `bytes` is index.js, `lazy` lists the lazy module files. */
async function bundleAs(dir: string, entry: string, lazyModules: readonly string[], overrides: BuildOptions = {}): Promise<Bundle & { lazy: string; totalBytes: number }> {
  const built = await bundleLambda(entry, dir, lazyModules, overrides);
  const lazyFiles = Object.values(built.lazyFiles).map((file) => ({ name: basename(file), bytes: statSync(file).size }));
  const bytes = statSync(built.main).size;
  return {
    file: built.main,
    bytes,
    lazy: lazyFiles.map((f) => `${f.name} ${(f.bytes / 1024).toFixed(1)} KB`).join(' + '),
    totalBytes: lazyFiles.reduce((sum, f) => sum + f.bytes, bytes),
  };
}

/** Prints the bundle and module-load lines for the handler module at `entry` and its lazy modules. */
export async function printBundleFigures(entry: string, lazyModules: readonly string[]): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'vg-bench-'));
  try {
    const emptyEntry = join(dir, 'empty-entry.js');
    writeFileSync(emptyEntry, 'exports.handler = async () => ({});\n');
    const stack = await bundleAs(join(dir, 'stack'), entry, lazyModules);
    const empty = await bundleAs(join(dir, 'empty'), emptyEntry, []);
    const loaded = compareLoads(stack.file, empty.file);
    const ready = compareLoads(stack.file, empty.file, true);
    console.log(`bundle (the stack's esbuild settings, lib/lambda-bundling.ts: cjs, minify, node24, AWS SDK bundled): ${(stack.totalBytes / 1024).toFixed(1)} KB = index.js ${kb(stack)} + lazy modules ${stack.lazy}`);
    console.log(describeLoad(`module load of index.js, fresh process, median of ${LOAD_RUNS} (the cold-start figure)`, loaded));
    console.log(describeLoad('module load + default deps built (lazy modules, SQS client, logger: the first invocation, no network)', ready));

    // What each of the stack's choices is worth. As one file (no lazy modules), V8 pre-parses the AWS SDK
    // at module load, and the first invocation compiles it all the same: the second line compares the
    // totals head to head (both processes build the default deps), alternating as above.
    const oneFile = await bundleAs(join(dir, 'one-file'), entry, []);
    console.log(describeLoad(`(for comparison) as one file, ${kb(oneFile)}, module load`, compareLoads(oneFile.file, empty.file)));
    console.log(
      describeLoad('first invocation total (module load + default deps), lazy modules vs one file', compareLoads(stack.file, oneFile.file, true, true), 'one file'),
    );
    // Without the Lambda-only substitutes, and with arrow functions kept (V8 then fully parses every lazily
    // initialised module): measured on the first invocation, where that code now loads.
    const plain = await bundleAs(join(dir, 'plain'), entry, lazyModules, { alias: {} });
    console.log(describeLoad(`(for comparison) without the bundle substitutes (${plain.lazy}), module load + default deps`, compareLoads(plain.file, empty.file, true)));
    const arrows = await bundleAs(join(dir, 'arrows'), entry, [], { supported: { 'dynamic-import': false } });
    console.log(describeLoad(`(for comparison) as one file with arrow functions kept, ${kb(arrows)}, module load`, compareLoads(arrows.file, empty.file)));
    // As ESM (one file): ES-module imports of node:http/https make Node build their ESM facades, which load undici.
    const esmOptions: BuildOptions = {
      format: 'esm',
      banner: { js: "import { createRequire as __vgCreateRequire } from 'node:module'; const require = __vgCreateRequire(import.meta.url);" },
    };
    const esm = await bundle(join(dir, 'authorizer.mjs'), entry, esmOptions);
    const emptyEsmEntry = join(dir, 'empty-entry.mjs');
    writeFileSync(emptyEsmEntry, 'export const handler = async () => ({});\n');
    const emptyEsm = await bundle(join(dir, 'empty.mjs'), emptyEsmEntry, esmOptions);
    console.log(describeLoad(`(for comparison) as one esm file, ${kb(esm)}, module load + default deps`, compareLoads(esm.file, emptyEsm.file, true)));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
