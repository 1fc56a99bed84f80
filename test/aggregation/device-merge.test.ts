import { describe, expect, it } from 'vitest';
import { planBatch } from '../../lambdas/aggregation/batch-plan';
import { combineDeviceRecord } from '../../lambdas/aggregation/device-record';
import { deviceCoverageFor, deviceDeltaFor, mergeDevice, type DeviceState } from '../../lambdas/aggregation/device-merge';
import { DAY_MS, DEVICE_TTL_HEADROOM_MS, deviceExpiresAtSeconds, expiresAtSeconds, isExpired } from '../../lambdas/aggregation/retention';
import { newSession, type SessionState } from '../../lambdas/aggregation/session-merge';
import { identify, opaqueId, pageView } from '../../harness/queue-messages';

const RETENTION = 30;
const deviceId = opaqueId();

describe('device delta and merge', () => {
  it('asks for a device write only when a session starts or an identify arrives', () => {
    const continuing = planBatch([{ recordId: 'a', message: pageView({ deviceId, ts: 10 }) }]);
    expect(deviceDeltaFor(continuing.devices[0] ?? { deviceId, sessions: [], identifyRecordIds: [] })).toBeUndefined();
    const plan = planBatch([
      { recordId: 'a', message: pageView({ deviceId, ts: 50, sessionStarted: true }) },
      { recordId: 'b', message: pageView({ deviceId, ts: 20, sessionStarted: true }) },
      { recordId: 'c', message: identify({ deviceId, ts: 70, userId: 'u' }) },
    ]);
    const delta = plan.devices[0] && deviceDeltaFor(plan.devices[0]);
    expect(delta).toMatchObject({ firstStart: 20, lastStart: 50, coverUntil: 70, identify: { userId: 'u' } });
  });

  it('is idempotent and order-independent: min first seen, max TTL, latest identify wins', () => {
    const a = { deviceId, firstStart: 5_000, lastStart: 5_000, coverUntil: 5_000 };
    const b = { deviceId, firstStart: 1_000, lastStart: 1_000, coverUntil: 1_000, identify: { id: 'i2', userId: 'late', ts: 9_000 } };
    const c = { deviceId, coverUntil: 3_000, identify: { id: 'i1', userId: 'early', ts: 3_000 } };
    const apply = (deltas: (typeof a | typeof b | typeof c)[]) =>
      deltas.reduce<DeviceState | undefined>((state, delta) => mergeDevice(state, delta, RETENTION).state, undefined);
    const forward = apply([a, b, c]);
    const backward = apply([c, b, a, b, c]);
    expect({ ...forward, version: 0 }).toEqual({ ...backward, version: 0 });
    expect(forward).toMatchObject({
      firstSeen: 1_000,
      lastSessionStart: 5_000,
      userId: 'late',
      expiresAt: deviceExpiresAtSeconds(5_000, RETENTION),
    });
    const repeat = mergeDevice(forward, b, RETENTION);
    expect(repeat.changed).toBe(false);
  });

  it('keeps the device alive past every session it covers', () => {
    const start = Date.now();
    const session = { start, lastActivity: start + DAY_MS } as SessionState;
    expect(deviceExpiresAtSeconds(session.start, RETENTION)).toBeGreaterThanOrEqual(expiresAtSeconds(session.lastActivity, RETENTION));
    expect(deviceCoverageFor({ ...session, deviceId })).toBeUndefined();
    const long = { ...session, deviceId, lastActivity: start + DEVICE_TTL_HEADROOM_MS + 1 };
    expect(deviceCoverageFor(long)).toEqual({ deviceId, coverUntil: long.lastActivity });
  });
});

describe('device record (read model)', () => {
  const now = Date.now();
  const live = (sessionId: string, start: number, views: number, path: string): SessionState =>
    newSession(
      deviceId,
      sessionId,
      Array.from({ length: views }, (_, index) => ({
        id: `${sessionId}-${index}`,
        ts: start + index * 1_000,
        path: index === views - 1 ? path : '/x',
        sessionStarted: index === 0,
        device: { browser: 'chrome', os: 'android', type: 'mobile' as const },
      })),
      RETENTION,
    );

  it('sums live sessions, newest first, and filters items whose TTL is past', () => {
    const old = live('s-old', now - 40 * DAY_MS, 5, '/gone');
    const earlier = live('s-1', now - 3 * DAY_MS, 2, '/one');
    const latest = live('s-2', now - DAY_MS, 3, '/two');
    const device: DeviceState = { deviceId, firstSeen: now - 40 * DAY_MS, version: 1, expiresAt: deviceExpiresAtSeconds(now - DAY_MS, RETENTION), userId: 'u1', visitDays: {} };
    expect(isExpired(old.expiresAt, now)).toBe(true);
    const record = combineDeviceRecord(deviceId, device, [earlier, old, latest], now);
    expect(record?.sessions.map((session) => session.sessionId)).toEqual(['s-2', 's-1']);
    expect(record?.device).toEqual({
      deviceId,
      firstSeen: now - 40 * DAY_MS,
      lastSeen: latest.lastActivity,
      pageViews: 5,
      sessionCount: 2,
      lastPath: '/two',
      userId: 'u1',
    });
  });

  it('is undefined when everything expired, and shows an identified device without sessions', () => {
    const expiredDevice: DeviceState = { deviceId, version: 1, expiresAt: Math.floor(now / 1000), visitDays: {} };
    expect(combineDeviceRecord(deviceId, expiredDevice, [], now)).toBeUndefined();
    const identified: DeviceState = { deviceId, version: 1, expiresAt: Math.floor(now / 1000) + 60, userId: 'u', userLinkedAt: now - 5, visitDays: {} };
    expect(combineDeviceRecord(deviceId, identified, [], now)?.device).toEqual({
      deviceId,
      firstSeen: now - 5,
      lastSeen: now - 5,
      pageViews: 0,
      sessionCount: 0,
      lastPath: '',
      userId: 'u',
    });
  });
});
