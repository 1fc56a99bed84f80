/**
 * `npm start` killed with SIGKILL (issue 10, item 9): its DynamoDB Local, a JVM in its own process
 * group, outlives it and keeps the port and the database file. The next start must stop that JVM and
 * start normally, with the data the killed one stored.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../../local-runtime/free-port';
import { isProcessAlive } from '../../local-runtime/runtime-file';
import { eventually, newDataDir, removeDataDir, startLocalProcess, testEnv, visit, type LocalProcess } from './local-runtime-process';

let dataDir: string;
const running: LocalProcess[] = [];

/** DynamoDB Local JVMs on this data folder, from /proc (the test machine runs Linux). */
function jvmsOn(folder: string): number[] {
  return readdirSync('/proc')
    .filter((entry) => /^\d+$/.test(entry))
    .filter((pid) => {
      try {
        const command = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
        return command.includes('DynamoDBLocal.jar') && command.includes(folder);
      } catch {
        return false;
      }
    })
    .map(Number);
}

beforeAll(() => {
  dataDir = newDataDir();
});

afterAll(async () => {
  for (const local of running) await local.stop();
  // Whatever this test's runtimes left behind, by pid (a failed run must not leak a JVM).
  for (const pid of jvmsOn(dataDir)) process.kill(pid, 'SIGKILL');
  removeDataDir(dataDir);
});

describe('npm start after a SIGKILL', () => {
  it('stops the DynamoDB Local the killed runtime left running, and starts with its data', async () => {
    // A fixed DynamoDB port, as by default (8000): the orphan holds it.
    const env = testEnv(dataDir, { DYNAMODB_PORT: String(await freePort()), BATCH_WINDOW_SECONDS: '0' });
    const killed = await startLocalProcess(env);
    running.push(killed);
    const first = await visit(killed.frontDoorUrl, '/');
    const deviceId = first.receivedDeviceId;
    await eventually('the view stored', async () => ((await killed.device(deviceId))?.device.pageViews === 1 ? true : undefined));
    const [orphan] = jvmsOn(dataDir);
    expect(orphan).toBeDefined();

    await killed.kill();
    // The JVM outlived its parent: this is what used to make the next start fail on the port.
    expect(isProcessAlive(orphan ?? 0)).toBe(true);

    const next = await startLocalProcess(env);
    running.push(next);
    expect(next.output()).toContain(`stopped DynamoDB Local (pid ${orphan}) left running by an npm start that was killed`);
    expect(isProcessAlive(orphan ?? 0)).toBe(false);
    expect(jvmsOn(dataDir)).toHaveLength(1);
    expect((await next.device(deviceId))?.device.pageViews).toBe(1);

    expect(await next.stop()).toBe(0);
    // A clean stop leaves neither a JVM nor a pid file.
    expect(jvmsOn(dataDir)).toEqual([]);
    expect(existsSync(`${dataDir}/dynamodb-local.pid`)).toBe(false);
  }, 180_000);
});
