/**
 * A visitor who comes back after the inactivity timeout starts a new session. The authorizer accepts
 * 60 s as the shortest timeout, so this test waits just over a minute (in its own file, so it runs in
 * parallel with the others).
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { cookiePair, eventually, newDataDir, removeDataDir, startLocalProcess, testEnv, visit, type LocalProcess } from './local-runtime-process';

const TIMEOUT_SECONDS = 60;
let local: LocalProcess;
let dataDir: string;

beforeAll(async () => {
  dataDir = newDataDir();
  local = await startLocalProcess(testEnv(dataDir, { SESSION_TIMEOUT_SECONDS: String(TIMEOUT_SECONDS) }));
});

afterAll(async () => {
  await local?.stop();
  removeDataDir(dataDir);
});

it('starts a new session after the inactivity timeout', async () => {
  const first = await visit(local.frontDoorUrl, '/');
  let cookie = cookiePair(first.setCookies) ?? '';
  const deviceId = first.receivedDeviceId;
  const second = await visit(local.frontDoorUrl, '/products', { cookie });
  cookie = cookiePair(second.setCookies) ?? cookie;
  const firstSessionId = second.receivedSessionId;
  expect(first.receivedSessionId).toBe(firstSessionId);

  await new Promise((resolveWait) => setTimeout(resolveWait, (TIMEOUT_SECONDS + 2) * 1000));
  const later = await visit(local.frontDoorUrl, '/pricing', { cookie });
  expect(later.receivedDeviceId).toBe(deviceId);
  expect(later.receivedSessionId).not.toBe(firstSessionId);

  const record = await eventually('two sessions', async () => {
    const stored = await local.device(deviceId);
    return stored && stored.sessions.length === 2 && stored.device.pageViews === 3 ? stored : undefined;
  });
  expect(record.device.sessionCount).toBe(2);
  // Newest first.
  expect(record.sessions[0]).toMatchObject({ sessionId: later.receivedSessionId, pageViews: 1, entryPath: '/pricing', exitPath: '/pricing' });
  expect(record.sessions[1]).toMatchObject({ sessionId: firstSessionId, pageViews: 2, entryPath: '/', exitPath: '/products' });
}, 150_000);
