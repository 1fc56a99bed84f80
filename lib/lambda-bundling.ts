/**
 * How every Lambda function of this project is bundled, in one place: `tracked-function.ts` hands these
 * settings to CDK's NodejsFunction (local esbuild), and `npm run bench:authorizer` and the bundle tests
 * build with the same settings through esbuild's API (`bundleLambda`), so the benchmarked bundle is the
 * deployed one.
 *
 * - CommonJS, not ESM: ES-module imports of `node:http`/`node:https` make Node build their ESM facades,
 *   which load the fetch stack (undici) at startup (the benchmark's ESM comparison line).
 *   esbuild converts the ESM-only dependencies (jose v6); no top-level await anywhere.
 * - Everything bundled, the AWS SDK v3 included (pinned, tree-shaken), minified, `module` before `main`
 *   (ESM sources tree-shake better).
 * - Two SDK modules are substituted (`BUNDLE_SUBSTITUTES`): the default credential chain by the
 *   environment provider (Lambda puts the role's credentials in the environment) and the event-stream
 *   codec by a stub that throws; together ~150 KB less to parse on every cold start.
 * - Arrow functions written as `function` expressions (`supported: { arrow: false }`). esbuild wraps each
 *   module reached through a dynamic import in `init(() => {...})`; V8 guesses that an arrow passed as an
 *   argument is called at once and fully parses it, so every such module was parsed at module load
 *   although none of it runs then. As `function` expressions V8 only pre-parses them.
 * - Lazy modules: a function may name modules it imports dynamically (`AUTHORIZER_LAZY_MODULES`) that
 *   ship as separate files beside `index.js`, required when first imported. V8 pre-parses every byte of
 *   a script it loads, about 25 µs per KB here, even code that only runs later; the authorizer's AWS SDK
 *   code (200 KB) runs on its first invocation anyway, so it is compiled then, once, instead of being
 *   pre-parsed at module load as well. Such a module must not share stateful code with `index.js` (each
 *   file bundles its own copy of what it imports); `test/stack/lambda-bundle.test.ts` checks the overlap.
 *   Dynamic imports become `require` (`dynamic-import: false`) so the module is found without the
 *   ES-module loader.
 * - External source maps without sources content, read with `--enable-source-maps` (LAMBDA_NODE_OPTIONS):
 *   measured, they add no module-load cost (Node reads a map only when a stack trace needs it).
 */
import { copyFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build, type BuildOptions, type Metafile } from 'esbuild';

const substitute = (file: string) => fileURLToPath(new URL(`../lambdas/bundle-substitutes/${file}`, import.meta.url));

/** Module specifier -> absolute path of the module the Lambda bundles use instead. */
export const BUNDLE_SUBSTITUTES: Readonly<Record<string, string>> = {
  '@aws-sdk/credential-provider-node': substitute('env-credential-provider.ts'),
  '@smithy/core/event-streams': substitute('no-event-streams.ts'),
};

/** The esbuild settings of every Lambda bundle (esbuild's own option names). */
export const LAMBDA_ESBUILD_OPTIONS = {
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node24',
  minify: true,
  mainFields: ['module', 'main'],
  external: [],
  alias: BUNDLE_SUBSTITUTES,
  sourcemap: 'external',
  sourcesContent: false,
  supported: { arrow: false, 'dynamic-import': false },
} satisfies BuildOptions;

/** Node options of every function (its NODE_OPTIONS): stack traces point at the TypeScript sources. */
export const LAMBDA_NODE_OPTIONS: readonly string[] = ['--enable-source-maps'];

/**
 * The authorizer's lazy modules, as its handler imports them: the AWS SDK adapters and logger (loaded on
 * the first invocation) and jose (loaded only when JWT verification is configured).
 */
export const AUTHORIZER_LAZY_MODULES: readonly string[] = ['./first-invocation-modules', './jose-functions'];

/**
 * The authorizer's ES-module entry beside its handler source, copied beside `index.js`; the function's
 * handler is then `lambda-entry.handler`. It awaits the internal extension's registration during init
 * (lambdas/authorizer/lambda-extension-client.ts), which a CommonJS module cannot do.
 */
export const AUTHORIZER_ESM_ENTRY = 'lambda-entry.mjs';

/** Lambda's handler setting for a function whose entry is the ES module `file` (or index.js). */
export function handlerSetting(esmEntry?: string): string {
  return esmEntry === undefined ? 'index.handler' : `${esmEntry.replace(/\.mjs$/, '')}.handler`;
}

/** The name of a lazy module (`./jose-functions` -> `jose-functions`): its file's name without extension. */
function lazyModuleName(specifier: string): string {
  if (!/^\.\/[a-z0-9-]+$/.test(specifier)) throw new Error(`lazy module ${specifier}: expected ./kebab-case-name beside the handler`);
  return specifier.slice(2);
}

/** The file a lazy module becomes beside `index.js`: `./jose-functions` -> `jose-functions.js`. */
export function lazyModuleFile(specifier: string): string {
  return `${lazyModuleName(specifier)}.js`;
}

/** The source file of a lazy module of the handler at `entry` (TypeScript, beside the handler). */
export function lazyModuleSource(entry: string, specifier: string): string {
  return join(dirname(entry), `${lazyModuleName(specifier)}.ts`);
}

/**
 * The settings NodejsFunction has no property for, as its `esbuildArgs` (repeated flags as arrays of
 * values): the substitutes and the lowered syntax.
 */
export const ESBUILD_EXTRA_ARGS: Readonly<Record<string, readonly string[]>> = {
  '--alias': Object.entries(LAMBDA_ESBUILD_OPTIONS.alias).map(([from, to]) => `${from}=${to}`),
  '--supported': Object.entries(LAMBDA_ESBUILD_OPTIONS.supported).map(([feature, on]) => `${feature}=${String(on)}`),
};

/** esbuild's command-line flags for the settings above (for CDK's shell hooks), plus `outfile`. */
export function esbuildCliFlags(outfile: string): string[] {
  const o = LAMBDA_ESBUILD_OPTIONS;
  return [
    '--bundle',
    `--platform=${o.platform}`,
    `--format=${o.format}`,
    `--target=${o.target}`,
    ...(o.minify ? ['--minify'] : []),
    `--main-fields=${o.mainFields.join(',')}`,
    `--sourcemap=${o.sourcemap}`,
    `--sources-content=${String(o.sourcesContent)}`,
    ...Object.entries(ESBUILD_EXTRA_ARGS).flatMap(([flag, values]) => values.map((value) => `${flag}:${value}`)),
    '--log-level=warning',
    `--outfile=${outfile}`,
  ];
}

export interface LambdaBundle {
  /** `index.js` in `outdir`. */
  readonly main: string;
  /** Lazy module specifier -> its file in `outdir`. */
  readonly lazyFiles: Readonly<Record<string, string>>;
  /** The ES-module entry copied beside `index.js`, when the function has one. */
  readonly esmEntry?: string;
  /** esbuild's metafile of each output, keyed by file path. */
  readonly metafiles: Readonly<Record<string, Metafile>>;
}

/**
 * Bundles the handler at `entry` into `outdir` exactly as the stack does: `index.js` plus one file per
 * lazy module. Extra esbuild options (`overrides`) are for the benchmark's comparisons only.
 */
export async function bundleLambda(
  entry: string,
  outdir: string,
  lazyModules: readonly string[] = [],
  overrides: BuildOptions = {},
  esmEntry?: string,
): Promise<LambdaBundle> {
  const main = join(outdir, 'index.js');
  const metafiles: Record<string, Metafile> = {};
  const options = { ...LAMBDA_ESBUILD_OPTIONS, logLevel: 'warning', ...overrides, metafile: true } as const satisfies BuildOptions;
  const mainResult = await build({ ...options, entryPoints: [entry], outfile: main, external: [...LAMBDA_ESBUILD_OPTIONS.external, ...lazyModules] });
  metafiles[main] = mainResult.metafile;
  const lazyFiles: Record<string, string> = {};
  for (const specifier of lazyModules) {
    const file = join(outdir, lazyModuleFile(specifier));
    const result = await build({ ...options, entryPoints: [lazyModuleSource(entry, specifier)], outfile: file });
    metafiles[file] = result.metafile;
    lazyFiles[specifier] = file;
  }
  let esmEntryFile: string | undefined;
  if (esmEntry !== undefined) {
    esmEntryFile = join(outdir, esmEntry);
    copyFileSync(join(dirname(entry), esmEntry), esmEntryFile);
  }
  return { main, lazyFiles, metafiles, ...(esmEntryFile === undefined ? {} : { esmEntry: esmEntryFile }) };
}
