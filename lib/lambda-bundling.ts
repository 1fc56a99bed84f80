/**
 * How every Lambda function of this project is bundled, in one place: `tracked-function.ts` hands these
 * settings to CDK's NodejsFunction (local esbuild), and `npm run bench:authorizer` builds with the same
 * settings through esbuild's API, so the benchmarked bundle is the deployed one.
 *
 * - CommonJS, not ESM: ES-module imports of `node:http`/`node:https` make Node build their ESM facades,
 *   which load the fetch stack (undici) at startup (the benchmark's ESM comparison line: ~2x the empty
 *   bundle's module load, against ~1.5x as CommonJS).
 *   esbuild converts the ESM-only dependencies (jose v6); no top-level await anywhere.
 * - Everything bundled, the AWS SDK v3 included (pinned, tree-shaken), minified, `module` before `main`
 *   (ESM sources tree-shake better).
 * - Two SDK modules are substituted (`BUNDLE_SUBSTITUTES`): the default credential chain by the
 *   environment provider (Lambda puts the role's credentials in the environment) and the event-stream
 *   codec by a stub that throws; together ~150 KB less to parse on every cold start.
 * - Arrow functions written as `function` expressions (`supported: { arrow: false }`). esbuild wraps each
 *   module reached through a dynamic import in `init(() => {...})`; V8 guesses that an arrow passed as an
 *   argument is called at once and fully parses it, so every such module (the whole AWS SDK) was parsed
 *   at module load although none of it runs then. As `function` expressions V8 only pre-parses them.
 *   Measured: module load ~1.66x -> ~1.47x the empty bundle's CPU, and the first invocation cheaper too.
 * - External source map without sources content, read with `--enable-source-maps` (LAMBDA_NODE_OPTIONS):
 *   measured, it adds no module-load cost (Node reads the map only when a stack trace needs it).
 */
import { fileURLToPath } from 'node:url';
import type { BuildOptions } from 'esbuild';

const substitute = (file: string) => fileURLToPath(new URL(`../lambdas/shared/bundle-substitutes/${file}`, import.meta.url));

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
  supported: { arrow: false },
} satisfies BuildOptions;

/** Node options of every function (its NODE_OPTIONS): stack traces point at the TypeScript sources. */
export const LAMBDA_NODE_OPTIONS: readonly string[] = ['--enable-source-maps'];
