/**
 * Keeps the authorizer's module load lean: the AWS SDK, jose and the Powertools logger must be reachable
 * from `handler.ts` only through dynamic imports (loaded on the first invocation or when configured),
 * never through the static import graph that runs at module load. Checked on esbuild's real module graph.
 */
import { resolve } from 'node:path';
import { build } from 'esbuild';
import { describe, expect, it } from 'vitest';

const repoRoot = resolve(import.meta.dirname, '../..');

describe('authorizer module load', () => {
  it('statically imports neither the AWS SDK, jose nor Powertools', async () => {
    const result = await build({
      entryPoints: [resolve(repoRoot, 'lambdas/authorizer/handler.ts')],
      bundle: true,
      write: false,
      metafile: true,
      platform: 'node',
      target: 'node24',
      format: 'cjs',
      mainFields: ['module', 'main'],
      logLevel: 'silent',
      absWorkingDir: repoRoot,
    });
    const inputs = result.metafile.inputs;
    const statics = new Set<string>();
    const pending = ['lambdas/authorizer/handler.ts'];
    while (pending.length > 0) {
      const file = pending.pop() as string;
      if (statics.has(file)) continue;
      statics.add(file);
      for (const edge of inputs[file]?.imports ?? []) {
        if (edge.kind !== 'dynamic-import' && !edge.external) pending.push(edge.path);
      }
    }
    const heavy = [...statics].filter((file) => /node_modules\/(@aws-sdk|@smithy|@aws-lambda-powertools|jose)\//.test(file));
    expect(heavy).toEqual([]);
    // The dependencies are in the bundle all the same (loaded later): the SDK client is really there.
    expect(Object.keys(inputs).some((file) => file.includes('@aws-sdk/client-sqs'))).toBe(true);
    expect([...statics].some((file) => file.includes('node_modules/isbot/'))).toBe(true);
  });
});
