/**
 * The read model: a device and its sessions as the read API returns them, combined from the stored
 * items. Totals are derived from the live session items (see `device-merge.ts` for why), so they are
 * exact by construction: `pageViews` is the sum of the sessions shown and `sessionCount` their number,
 * both over the retention window.
 */
import type { DeviceState } from './device-merge';
import { isExpired } from './retention';
import type { SessionState } from './session-merge';

export interface DeviceSummary {
  deviceId: string;
  /** Epoch ms: the earliest session start seen while the device stayed active. */
  firstSeen: number;
  /** Epoch ms of the latest page view. */
  lastSeen: number;
  pageViews: number;
  sessionCount: number;
  /** Path of the latest page view ('' for a device known only from an identify message). */
  lastPath: string;
  userId?: string;
}

/** A session as the read API shows it: the stored state without its bookkeeping. */
export type SessionSummary = Omit<SessionState, 'deviceId' | 'viewIds' | 'version' | 'expiresAt'>;

export interface DeviceRecord {
  device: DeviceSummary;
  /** Newest first. */
  sessions: SessionSummary[];
}

function toSummary(session: SessionState): SessionSummary {
  return {
    sessionId: session.sessionId,
    start: session.start,
    lastActivity: session.lastActivity,
    pageViews: session.pageViews,
    entryPath: session.entryPath,
    exitPath: session.exitPath,
    ...(session.referrer ? { referrer: session.referrer } : {}),
    ...(session.utm ? { utm: session.utm } : {}),
    device: session.device,
    pages: session.pages,
  };
}

/**
 * Combines one device's items, dropping any whose TTL is past at `nowMs`. Undefined when nothing live
 * remains (or the device item holds no user link and there is no live session).
 */
export function combineDeviceRecord(
  deviceId: string,
  deviceItem: DeviceState | undefined,
  sessionItems: readonly SessionState[],
  nowMs: number,
): DeviceRecord | undefined {
  const device = deviceItem && !isExpired(deviceItem.expiresAt, nowMs) ? deviceItem : undefined;
  const sessions = sessionItems
    .filter((session) => !isExpired(session.expiresAt, nowMs))
    .sort((a, b) => b.start - a.start || b.lastActivity - a.lastActivity || (a.sessionId < b.sessionId ? 1 : -1));
  if (sessions.length === 0 && device?.userId === undefined) return undefined;

  let latest: SessionState | undefined;
  for (const session of sessions) {
    if (!latest || session.lastActivity > latest.lastActivity) latest = session;
  }
  const starts = sessions.map((session) => session.start);
  const firstSeenCandidates = [...starts, ...(device?.firstSeen !== undefined ? [device.firstSeen] : [])];
  const identifiedAt = device?.userLinkedAt ?? 0;
  const firstSeen = firstSeenCandidates.length > 0 ? Math.min(...firstSeenCandidates) : identifiedAt;

  return {
    device: {
      deviceId,
      firstSeen,
      lastSeen: latest ? latest.lastActivity : identifiedAt,
      pageViews: sessions.reduce((sum, session) => sum + session.pageViews, 0),
      sessionCount: sessions.length,
      lastPath: latest ? latest.exitPath : '',
      ...(device?.userId !== undefined ? { userId: device.userId } : {}),
    },
    sessions: sessions.map(toSummary),
  };
}
