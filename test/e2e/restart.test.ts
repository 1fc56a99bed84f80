/**
 * `npm start` as a process: data and cookies survive a restart, a stop loses no accepted page view,
 * `--fresh` starts empty, a port in use is a clear error, and `replay` re-enqueues logged messages once.
 */
import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPLAY_MARKER } from '../../lambdas/contract/replay-record';
import type { PageViewMessage } from '../../lambdas/contract/page-view-message';
import {
  cookiePair,
  eventually,
  newDataDir,
  removeDataDir,
  runCommand,
  startLocalProcess,
  testEnv,
  visit,
  type LocalProcess,
} from './local-runtime-process';

let dataDir: string;
const running: LocalProcess[] = [];

beforeAll(() => {
  dataDir = newDataDir();
});

afterAll(async () => {
  for (const local of running) await local.stop();
  removeDataDir(dataDir);
});

async function start(args: string[] = []): Promise<LocalProcess> {
  const local = await startLocalProcess(testEnv(dataDir), args);
  running.push(local);
  return local;
}

function id(): string {
  return randomBytes(16).toString('base64url');
}

describe('npm start across restarts', () => {
  it('keeps data and cookies across a restart and loses no view accepted just before stopping', async () => {
    const before = await start();
    const first = await visit(before.frontDoorUrl, '/');
    const cookie = cookiePair(first.setCookies) ?? '';
    const deviceId = first.receivedDeviceId;
    await visit(before.frontDoorUrl, '/products', { cookie });
    await eventually('2 views', async () => ((await before.device(deviceId))?.device.pageViews === 2 ? true : undefined));
    // Accepted right before the stop, in quick succession: the authorizer holds the last ones for a batch
    // and sends them on stop (as on Lambda's SIGTERM); then drained by the consumer or saved for the next start.
    const lastPaths = ['/pricing', '/team', '/contact', '/jobs', '/blog', '/press', '/legal', '/faq'];
    for (const path of lastPaths) await visit(before.frontDoorUrl, path, { cookie });
    expect(await before.stop()).toBe(0);
    expect(before.output()).toContain('stopped');
    const held = /authorizer {2}shutdown: sending (\d+) held page view/.exec(before.output());
    expect(Number(held?.[1] ?? 0)).toBeGreaterThan(0);

    const after = await start();
    const again = await visit(after.frontDoorUrl, '/about', { cookie });
    // Same key ring from the data folder: the cookie still verifies.
    expect(again.receivedDeviceId).toBe(deviceId);
    const total = 2 + lastPaths.length + 1;
    const record = await eventually(`${total} views after the restart`, async () => {
      const stored = await after.device(deviceId);
      return stored && stored.device.pageViews >= total ? stored : undefined;
    });
    // Exactly once: none lost at the stop, none counted twice after the restart.
    expect(record.device.pageViews).toBe(total);
    expect(record.sessions[0]?.exitPath).toBe('/about');
    expect(await after.stop()).toBe(0);

    // With npm start stopped, the sessions command reads the data folder with its own DynamoDB Local.
    const offline = await runCommand('bin/sessions.ts', [deviceId], testEnv(dataDir));
    expect(offline.code).toBe(0);
    expect(offline.stderr).toContain('own DynamoDB Local');
    expect((JSON.parse(offline.stdout) as { device: { pageViews: number } }).device.pageViews).toBe(total);
  }, 150_000);

  it('replays logged unpublished messages once, however often they appear', async () => {
    const local = await start();
    const deviceId = id();
    const sessionId = id();
    const now = Date.now();
    const views: PageViewMessage[] = ['/a', '/b'].map((path, index) => ({
      type: 'page_view',
      v: 1,
      id: id(),
      deviceId,
      sessionId,
      sessionStarted: index === 0,
      ts: now + index,
      path,
      device: { browser: 'chrome', os: 'linux', type: 'desktop' },
    }));
    const record = (message: PageViewMessage) =>
      JSON.stringify({ level: 'ERROR', message: 'page view not published', replayMarker: REPLAY_MARKER, queueMessage: message });
    const log = join(dataDir, 'authorizer.log');
    writeFileSync(
      log,
      [
        '{"level":"INFO","message":"unrelated"}',
        `2026-01-01T00:00:00.000Z\tsome-request-id\t${record(views[0] as PageViewMessage)}`,
        record(views[1] as PageViewMessage),
        record(views[0] as PageViewMessage),
        'not json at all',
      ].join('\n'),
    );

    const replayed = await runCommand('bin/replay.ts', [log], { DATA_DIR: dataDir });
    expect(replayed.code).toBe(0);
    expect(replayed.stdout).toContain('found 3 unpublished message(s)');
    expect(replayed.stdout).toContain('2 to send, 1 duplicate(s) within the file skipped');
    expect(replayed.stdout).toContain('sent 2');
    await eventually('2 replayed views', async () => ((await local.device(deviceId))?.device.pageViews === 2 ? true : undefined));

    // Replaying the same file again sends them again; the consumer counts each id once.
    expect((await runCommand('bin/replay.ts', [log], { DATA_DIR: dataDir })).code).toBe(0);
    const marker = { ...views[1], id: id(), path: '/c', ts: now + 10, sessionStarted: false } as PageViewMessage;
    writeFileSync(`${log}.marker`, record(marker));
    expect((await runCommand('bin/replay.ts', [`${log}.marker`], { DATA_DIR: dataDir })).code).toBe(0);
    const stored = await eventually('the marker view', async () => {
      const device = await local.device(deviceId);
      return device && device.sessions[0]?.exitPath === '/c' ? device : undefined;
    });
    expect(stored.device.pageViews).toBe(3);
    expect(await local.stop()).toBe(0);
  }, 120_000);

  it('keeps replayed messages for the next start when npm start is not running', async () => {
    const view: PageViewMessage = {
      type: 'page_view',
      v: 1,
      id: id(),
      deviceId: id(),
      sessionId: id(),
      sessionStarted: true,
      ts: Date.now(),
      path: '/later',
      device: { browser: 'firefox', os: 'windows', type: 'desktop' },
    };
    const log = join(dataDir, 'offline.log');
    writeFileSync(log, JSON.stringify({ replayMarker: REPLAY_MARKER, queueMessage: view }));
    const replayed = await runCommand('bin/replay.ts', [log], { DATA_DIR: dataDir });
    expect(replayed.code).toBe(0);
    expect(replayed.stdout).toContain('npm start is not running: queued 1');

    const local = await start();
    const stored = await eventually('the view queued while stopped', () => local.device(view.deviceId));
    expect(stored.device.pageViews).toBe(1);
    expect(stored.sessions[0]?.entryPath).toBe('/later');

    // A second runtime on the same data folder is refused, clearly.
    const second = await runCommand('bin/local.ts', [], testEnv(dataDir));
    expect(second.code).toBe(1);
    expect(second.stderr).toContain('already runs on the data folder');
    expect(await local.stop()).toBe(0);
  }, 90_000);

  it('starts empty with --fresh', async () => {
    const local = await start(['--fresh']);
    const recent = await runCommand('bin/sessions.ts', ['--recent'], { DATA_DIR: dataDir });
    expect(recent.code).toBe(0);
    expect(JSON.parse(recent.stdout)).toEqual([]);
    expect(await local.stop()).toBe(0);
  }, 90_000);

  it('says clearly that Java is missing, with no stack trace', async () => {
    const result = await runCommand('bin/local.ts', [], testEnv(dataDir, { PATH: join(dataDir, 'no-java-here') }));
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('DynamoDB Local needs Java 17 or newer');
    expect(result.stderr).not.toMatch(/^\s+at /m);
  });

  it("stops with the handler's own message when a setting fails its cold start", async () => {
    const result = await runCommand('bin/local.ts', [], testEnv(dataDir, { SESSION_TIMEOUT_SECONDS: '5' }));
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('The authorizer handler failed its cold start');
    expect(result.stderr).toContain('SESSION_TIMEOUT_SECONDS');
    expect(result.stderr).not.toMatch(/^\s+at /m);
  }, 90_000);

  it('refuses a port in use with a clear message and no stack trace', async () => {
    const blocker: Server = createServer();
    await new Promise<void>((resolveListen) => blocker.listen(0, '127.0.0.1', () => resolveListen()));
    const address = blocker.address();
    const port = typeof address === 'object' && address ? address.port : 0;
    try {
      const result = await runCommand('bin/local.ts', [], testEnv(dataDir, { PORT: String(port) }));
      expect(result.code).toBe(1);
      expect(result.stderr).toContain(`Port ${port}`);
      expect(result.stderr).toContain('already in use');
      expect(result.stderr).not.toMatch(/^\s+at /m);
    } finally {
      blocker.close();
    }
  }, 60_000);
});
