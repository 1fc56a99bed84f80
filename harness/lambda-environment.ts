/**
 * One Lambda execution environment on this machine: the authorizer bundle as the stack deploys it
 * (index.js, lazy modules, lambda-entry.mjs), run by a runtime interface client in a child process
 * against the loopback Runtime/Extensions API of `lambda-runtime-api.ts`. `stop()` sends SIGTERM, as
 * Lambda does before it shuts an environment down, and waits for the process to exit.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AUTHORIZER_ENTRY } from '../lib/anonymous-tracking';
import { AUTHORIZER_ESM_ENTRY, AUTHORIZER_LAZY_MODULES, bundleLambda, handlerSetting } from '../lib/lambda-bundling';
import { startRuntimeApi, type RuntimeApiServer } from './lambda-runtime-api';

const RUNTIME_CLIENT = join(import.meta.dirname, 'runtime-client.mjs');

export interface AuthorizerBundle {
  readonly dir: string;
  remove(): void;
}

export async function bundleAuthorizer(): Promise<AuthorizerBundle> {
  const dir = mkdtempSync(join(tmpdir(), 'visitor-gate-authorizer-'));
  await bundleLambda(AUTHORIZER_ENTRY, dir, AUTHORIZER_LAZY_MODULES, {}, AUTHORIZER_ESM_ENTRY);
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

export interface LambdaEnvironment {
  readonly api: RuntimeApiServer;
  readonly child: ChildProcess;
  /** Everything the function printed (stdout and stderr), line by line. */
  lines(): string[];
  /** SIGTERM, then waits for the exit (at most `graceMs`, then SIGKILL as Lambda does). */
  stop(graceMs?: number): Promise<number | null>;
}

/** `lambda-entry.mjs` (the deployed handler, with the extension) or `index.js` (no extension: the old design). */
export type AuthorizerEntry = 'esm-entry' | 'index';

export interface EnvironmentOptions {
  readonly bundleDir: string;
  /** An entry of the authorizer bundle, or another bundle's handler setting (`file.export`). */
  readonly entry: AuthorizerEntry | { readonly handler: string };
  readonly env: Record<string, string>;
}

/** Lambda's handler setting for `entry`. */
export function handlerFor(entry: EnvironmentOptions['entry']): string {
  return typeof entry === 'object' ? entry.handler : handlerSetting(entry === 'esm-entry' ? AUTHORIZER_ESM_ENTRY : undefined);
}

export async function startLambdaEnvironment(options: EnvironmentOptions): Promise<LambdaEnvironment> {
  const api = await startRuntimeApi();
  const handler = handlerFor(options.entry);
  const child = spawn(process.execPath, ['--enable-source-maps', RUNTIME_CLIENT, options.bundleDir, handler], {
    env: { PATH: process.env.PATH ?? '', AWS_LAMBDA_RUNTIME_API: api.address, ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout?.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  await Promise.race([
    api.ready,
    exited.then((code) => {
      throw new Error(`runtime exited during init (${code}): ${output.slice(0, 2000)}`);
    }),
  ]);
  return {
    api,
    child,
    lines: () => output.split('\n').filter((line) => line !== ''),
    async stop(graceMs = 500) {
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
      const code = await exited;
      clearTimeout(timer);
      await api.close();
      return code;
    },
  };
}
