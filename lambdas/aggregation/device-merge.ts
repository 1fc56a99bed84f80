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
  /**
   * Days (statistics time zone) on which the device opened a session, recent ones only (see
   * `VISIT_DAYS_KEPT`), each with the token of the write that added it: the statistics count the device
   * as a visitor of that day exactly when its own write added the day.
   */
  visitDays: Record<string, string>;
  /** Token of the write that set `firstSeen` (the device became a new visitor then). */
  firstSeenBy?: string;
  version: number;
  expiresAt: number;
}

/**
 * How many days back from a write's earliest new visit day the device keeps its visit days: a session
 * opened later than that after another one of the same day (a replay, a long outage) would count the
 * device twice as that day's visitor; nothing else arrives that late.
 */
export const VISIT_DAYS_KEPT = 8;

/** What a device write adds for the statistics: the visit days of the sessions it opens, and its token. */
export interface VisitWrite {
  token: string;
  days: readonly string[];
  /** Visit days before this one are dropped (the earliest of `days` less VISIT_DAYS_KEPT). */
  keepFrom?: string;
}

export interface DeviceDelta {
  deviceId: string;
  /** Earliest and latest start of sessions that started in this batch. */
  firstStart?: number;
  lastStart?: number;
  /** Start of every session opened in this batch (the statistics' visit days). */
  starts?: number[];
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
    ...(starts.length > 0 ? { starts } : {}),
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

export function mergeDevice(existing: DeviceState | undefined, delta: DeviceDelta, retentionDays: number, visit?: VisitWrite): DeviceMergeResult {
  const base: DeviceState = existing ?? { deviceId: delta.deviceId, version: 0, expiresAt: 0, visitDays: {} };
  const next: DeviceState = { ...base, visitDays: { ...base.visitDays } };
  if (delta.firstStart !== undefined && (next.firstSeen === undefined || delta.firstStart < next.firstSeen)) {
    if (next.firstSeen === undefined && visit) next.firstSeenBy = visit.token;
    next.firstSeen = delta.firstStart;
  }
  let daysChanged = false;
  if (visit) {
    for (const day of visit.days) {
      if (next.visitDays[day] === undefined) {
        next.visitDays[day] = visit.token;
        daysChanged = true;
      }
    }
    for (const day of Object.keys(next.visitDays)) {
      if (visit.keepFrom !== undefined && day < visit.keepFrom) {
        delete next.visitDays[day];
        daysChanged = true;
      }
    }
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
    next.expiresAt !== base.expiresAt ||
    daysChanged;
  if (!changed) return { state: base, changed: false };
  return { state: { ...next, version: base.version + 1 }, changed: true };
}
