/**
 * Merge rules for the device item. It holds only what sessions cannot tell: when the device was first
 * seen (kept while the device stays active, even after its oldest sessions expire), the linked user,
 * and a TTL that covers every session of the device. Totals (page views, session count, last seen, last
 * path) are derived from the session items when reading (see `device-record.ts`), so no page view ever
 * writes the device item: it is written once per new session, per identify, and when a session runs
 * past the device's TTL headroom. Every rule here is a min, a max or latest-wins, so applying the same
 * delta twice changes nothing (a retried batch cannot double anything).
 */
import type { DeviceGroup, IdentifyFact } from './batch-plan';
import { compareViews } from './batch-plan';
import { DEVICE_TTL_HEADROOM_MS, deviceExpiresAtSeconds } from './retention';
import type { SessionState } from './session-merge';

export interface DeviceState {
  deviceId: string;
  /** Epoch ms of the earliest session start seen. */
  firstSeen?: number;
  /** Epoch ms of the latest session start seen. */
  lastSessionStart?: number;
  userId?: string;
  /** Epoch ms of the identify message that set `userId` (latest wins). */
  userLinkedAt?: number;
  /** Id of that identify message, for a deterministic tie-break. */
  userLinkId?: string;
  version: number;
  expiresAt: number;
}

export interface DeviceDelta {
  deviceId: string;
  /** Earliest and latest start of sessions that started in this batch. */
  firstStart?: number;
  lastStart?: number;
  /** The device's TTL must cover activity up to this instant (epoch ms). */
  coverUntil: number;
  identify?: IdentifyFact;
}

/** What a batch asks of the device item, or undefined when it needs no device write. */
export function deviceDeltaFor(group: DeviceGroup): DeviceDelta | undefined {
  const starts = group.sessions.flatMap((session) =>
    session.views.filter((view) => view.sessionStarted).map((view) => view.ts),
  );
  if (starts.length === 0 && !group.identify) return undefined;
  const firstStart = starts.length > 0 ? Math.min(...starts) : undefined;
  const lastStart = starts.length > 0 ? Math.max(...starts) : undefined;
  const coverUntil = Math.max(lastStart ?? 0, group.identify?.ts ?? 0);
  return {
    deviceId: group.deviceId,
    ...(firstStart !== undefined ? { firstStart } : {}),
    ...(lastStart !== undefined ? { lastStart } : {}),
    coverUntil,
    ...(group.identify ? { identify: group.identify } : {}),
  };
}

/**
 * A session that has run longer than the headroom the device got when it started needs the device TTL
 * extended (not with the authorizer's default 24-hour session cap, but never assumed).
 */
export function deviceCoverageFor(session: Pick<SessionState, 'deviceId' | 'start' | 'lastActivity'>): DeviceDelta | undefined {
  if (session.lastActivity - session.start <= DEVICE_TTL_HEADROOM_MS) return undefined;
  return { deviceId: session.deviceId, coverUntil: session.lastActivity };
}

export interface DeviceMergeResult {
  state: DeviceState;
  changed: boolean;
}

function identifyWins(existing: DeviceState, identify: IdentifyFact): boolean {
  if (existing.userLinkedAt === undefined) return true;
  return compareViews(identify, { ts: existing.userLinkedAt, id: existing.userLinkId ?? '' }) > 0;
}

export function mergeDevice(existing: DeviceState | undefined, delta: DeviceDelta, retentionDays: number): DeviceMergeResult {
  const base: DeviceState = existing ?? { deviceId: delta.deviceId, version: 0, expiresAt: 0 };
  const next: DeviceState = { ...base };
  if (delta.firstStart !== undefined && (next.firstSeen === undefined || delta.firstStart < next.firstSeen)) {
    next.firstSeen = delta.firstStart;
  }
  if (delta.lastStart !== undefined && (next.lastSessionStart === undefined || delta.lastStart > next.lastSessionStart)) {
    next.lastSessionStart = delta.lastStart;
  }
  if (delta.identify && identifyWins(next, delta.identify)) {
    next.userId = delta.identify.userId;
    next.userLinkedAt = delta.identify.ts;
    next.userLinkId = delta.identify.id;
  }
  next.expiresAt = Math.max(next.expiresAt, deviceExpiresAtSeconds(delta.coverUntil, retentionDays));

  const changed =
    existing === undefined ||
    next.firstSeen !== base.firstSeen ||
    next.lastSessionStart !== base.lastSessionStart ||
    next.userId !== base.userId ||
    next.userLinkedAt !== base.userLinkedAt ||
    next.userLinkId !== base.userLinkId ||
    next.expiresAt !== base.expiresAt;
  if (!changed) return { state: base, changed: false };
  return { state: { ...next, version: base.version + 1 }, changed: true };
}
