/**
 * Runs `bin/local.ts` as a child process, as a user runs `npm start`, on free ports and a temporary
 * data folder, plus the `sessions` command against it. A child process per configuration because the
 * handlers read their settings once, at cold start.
 */
import { getStats, type StatsReport } from '../../lambdas/read-api/stats-reader';
import { addDays, calendarDay } from '../../lambdas/statistics/calendar-day';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { DOCUMENT_NAVIGATION_HEADERS } from '../../harness/browser-requests';
import { getDevice } from '../../lambdas/read-api/device-reader';
import type { DeviceRecord } from '../../lambdas/read-api/device-reader';
import { localDocumentClient } from '../../local-runtime/aws-clients';
import type { RuntimeInfo } from '../../local-runtime/runtime-file';

export const REPO_ROOT = resolve(import.meta.dirname, '../..');

/** A desktop Chrome: tracked (the fixtures' HTTPie agent counts as a bot). */
export const BROWSER_UA =
  'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36';

export interface LocalProcess {
  frontDoorUrl: string;
  originUrl: string;
  dataDir: string;
  env: Record<string, string>;
  output(): string;
  /** SIGTERM, as Ctrl-C would; resolves with the exit code. */
  stop(): Promise<number | null>;
  /** SIGKILL, as `kill -9` or a stop that outlives its grace period would; resolves when it is gone. */
  kill(): Promise<void>;
  /** getDevice against this runtime's table (fast, for polling). */
  device(deviceId: string): Promise<DeviceRecord | undefined>;
  /** getStats against this runtime's table, from yesterday to tomorrow (UTC, the default time zone). */
  statsAroundToday(): Promise<StatsReport>;
}

export function newDataDir(): string {
  return mkdtempSync(join(tmpdir(), 'visitor-gate-e2e-'));
}

export function removeDataDir(dataDir: string): void {
  rmSync(dataDir, { recursive: true, force: true });
}

/** Fast settings for tests: free ports, a 1-second batching window. */
export function testEnv(dataDir: string, extra: Record<string, string> = {}): Record<string, string> {
  return {
    PORT: '0',
    SQS_PORT: '0',
    DYNAMODB_PORT: '0',
    DATA_DIR: dataDir,
    BATCH_SIZE: '10',
    BATCH_WINDOW_SECONDS: '1',
    POWERTOOLS_LOG_LEVEL: 'WARN',
    ...extra,
  };
}

function tsxNode(script: string, args: string[], env: Record<string, string>): ChildProcess {
  return spawn(process.execPath, ['--import', 'tsx', join(REPO_ROOT, script), ...args], {
    cwd: REPO_ROOT,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}

export async function startLocalProcess(env: Record<string, string>, args: string[] = []): Promise<LocalProcess> {
  const child = tsxNode('bin/local.ts', args, env);
  let output = '';
  const exited = new Promise<number | null>((resolveExit) => child.once('exit', (code) => resolveExit(code)));
  const ready = new Promise<{ frontDoorUrl: string; originUrl: string }>((resolveReady, rejectReady) => {
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      const match = /ready: front door (\S+) -> origin (\S+)/.exec(output);
      if (match?.[1] && match[2]) resolveReady({ frontDoorUrl: match[1], originUrl: match[2] });
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    void exited.then((code) => rejectReady(new Error(`npm start exited (${code}) before it was ready:\n${output}`)));
    setTimeout(() => rejectReady(new Error(`npm start was not ready in time:\n${output}`)), 90_000).unref();
  });
  let urls: { frontDoorUrl: string; originUrl: string };
  try {
    urls = await ready;
  } catch (error) {
    child.kill('SIGKILL');
    throw error;
  }
  const dataDir = env.DATA_DIR ?? '';
  const info = JSON.parse(readFileSync(join(dataDir, 'runtime.json'), 'utf8')) as RuntimeInfo;
  const documents = localDocumentClient(info.dynamoDbEndpoint);
  return {
    ...urls,
    dataDir,
    env,
    output: () => output,
    async stop() {
      documents.destroy();
      if (child.exitCode !== null) return child.exitCode;
      child.kill('SIGTERM');
      return exited;
    },
    async kill() {
      documents.destroy();
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      await exited;
    },
    device: (deviceId) => getDevice(deviceId, { client: documents, tableName: info.tableName }),
    statsAroundToday: () => {
      const today = calendarDay(Date.now(), 'UTC');
      return getStats({ from: addDays(today, -1), to: addDays(today, 1) }, { client: documents, tableName: info.tableName, consistentRead: true });
    },
  };
}

export interface CommandResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

export async function runCommand(script: string, args: string[], env: Record<string, string>): Promise<CommandResult> {
  const child = tsxNode(script, args, env);
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const code = await new Promise<number | null>((resolveExit) => child.once('exit', (exitCode) => resolveExit(exitCode)));
  return { code, stdout, stderr };
}

/** Polls until `check` returns a value (not undefined), or fails after `timeoutMs`. */
export async function eventually<T>(what: string, check: () => Promise<T | undefined>, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      const value = await check();
      if (value !== undefined) return value;
    } catch (error) {
      last = error;
    }
    await new Promise((resolveWait) => setTimeout(resolveWait, 250));
  }
  throw new Error(`Timed out waiting for ${what}${last ? `: ${String(last)}` : ''}`);
}

export interface Visit {
  status: number;
  /** The identity the demo origin received. */
  receivedDeviceId: string;
  receivedSessionId: string;
  setCookies: string[];
  headers: Headers;
  body: string;
}

export interface VisitOptions {
  cookie?: string;
  userAgent?: string;
  headers?: Record<string, string>;
  method?: string;
  body?: string;
}

/**
 * One request as a browser's navigation (DOCUMENT_NAVIGATION_HEADERS) unless `headers` say otherwise.
 * node:http rather than fetch(): Node's fetch() always sends `Sec-Fetch-Mode: cors`, which no
 * navigation carries. Redirects are not followed.
 */
export async function visit(baseUrl: string, path: string, options: VisitOptions = {}): Promise<Visit> {
  const headers: Record<string, string> = { ...DOCUMENT_NAVIGATION_HEADERS, 'user-agent': options.userAgent ?? BROWSER_UA, ...options.headers };
  if (options.cookie) headers.cookie = options.cookie;
  const response = await new Promise<IncomingMessage>((resolveResponse, rejectResponse) => {
    const req = httpRequest(new URL(path, baseUrl), { method: options.method ?? 'GET', headers }, resolveResponse);
    req.once('error', rejectResponse);
    req.end(options.body);
  });
  const chunks: Buffer[] = [];
  for await (const chunk of response) chunks.push(chunk as Buffer);
  const received = new Headers();
  for (let i = 0; i + 1 < response.rawHeaders.length; i += 2) received.append(response.rawHeaders[i] ?? '', response.rawHeaders[i + 1] ?? '');
  return {
    status: response.statusCode ?? 0,
    receivedDeviceId: received.get('x-demo-received-device-id') ?? '',
    receivedSessionId: received.get('x-demo-received-session-id') ?? '',
    setCookies: received.getSetCookie(),
    headers: received,
    body: Buffer.concat(chunks).toString('utf8'),
  };
}

/** The `name=value` pair of the Set-Cookie that sets `name` to a non-empty value, if any. */
export function cookiePair(setCookies: readonly string[], name = '__Host-device_fp'): string | undefined {
  return setCookies.map((cookie) => cookie.split(';')[0]?.trim() ?? '').find((pair) => pair.startsWith(`${name}=`) && pair.length > name.length + 1);
}
