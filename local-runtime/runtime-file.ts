/**
 * While `npm start` runs it writes where its servers listen to `<data folder>/runtime.json`, so the
 * `sessions` and `replay` commands find them whatever ports were chosen.
 */
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export interface RuntimeInfo {
  pid: number;
  startedAt: string;
  frontDoorUrl: string;
  originUrl: string;
  sqsEndpoint: string;
  queueUrl: string;
  deadLetterQueueUrl: string;
  dynamoDbEndpoint: string;
  tableName: string;
  /** The statistics dashboard (127.0.0.1). */
  dashboardUrl: string;
}

export function runtimeFilePath(dataDir: string): string {
  return join(dataDir, 'runtime.json');
}

/** Whether a process with this id exists (EPERM: it exists but belongs to someone else). */
export function isProcessAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export function writeRuntimeInfo(dataDir: string, info: RuntimeInfo): void {
  writeFileSync(runtimeFilePath(dataDir), `${JSON.stringify(info, null, 2)}\n`);
}

export function removeRuntimeInfo(dataDir: string): void {
  rmSync(runtimeFilePath(dataDir), { force: true });
}

/** The running `npm start` on this data folder, or undefined (a stale file from a crash is ignored). */
export function readRuntimeInfo(dataDir: string): RuntimeInfo | undefined {
  const path = runtimeFilePath(dataDir);
  if (!existsSync(path)) return undefined;
  try {
    const info = JSON.parse(readFileSync(path, 'utf8')) as RuntimeInfo;
    return typeof info.pid === 'number' && isProcessAlive(info.pid) ? info : undefined;
  } catch {
    return undefined;
  }
}
