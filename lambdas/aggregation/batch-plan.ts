/**
 * Turns one SQS batch into write groups: records grouped by device, then by session, with in-batch
 * duplicates (the same message id delivered twice in one batch) folded away. Each group remembers the
 * SQS record ids it stands for, so a failed write reports exactly those records.
 */
import type { DeviceClass, DeviceMessage, Utm } from '../contract/page-view-message';

export interface ViewFact {
  id: string;
  ts: number;
  path: string;
  sessionStarted: boolean;
  referrer?: { origin: string; path: string };
  utm?: Utm;
  device: DeviceClass;
}

export interface SessionGroup {
  deviceId: string;
  sessionId: string;
  /** Distinct views, in view order (see `compareViews`). */
  views: ViewFact[];
  recordIds: string[];
}

export interface IdentifyFact {
  id: string;
  userId: string;
  ts: number;
}

export interface DeviceGroup {
  deviceId: string;
  sessions: SessionGroup[];
  /** The latest identify of this device in the batch, if any. */
  identify?: IdentifyFact;
  identifyRecordIds: string[];
}

export interface BatchPlan {
  devices: DeviceGroup[];
  /** Messages whose id already appeared earlier in the same batch. */
  duplicatesInBatch: number;
}

export interface PlannedRecord {
  recordId: string;
  message: DeviceMessage;
}

/** View order: by timestamp, ties broken by id, so the result never depends on arrival order. */
export function compareViews(a: { ts: number; id: string }, b: { ts: number; id: string }): number {
  if (a.ts !== b.ts) return a.ts - b.ts;
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}

/** Identify order: the latest link wins; same rule for ties as views. */
function laterIdentify(a: IdentifyFact, b: IdentifyFact): IdentifyFact {
  return compareViews(a, b) >= 0 ? a : b;
}

export function planBatch(records: readonly PlannedRecord[]): BatchPlan {
  const devices = new Map<string, DeviceGroup>();
  const sessions = new Map<string, SessionGroup>();
  const seenIds = new Set<string>();
  let duplicatesInBatch = 0;

  const deviceGroup = (deviceId: string): DeviceGroup => {
    let group = devices.get(deviceId);
    if (!group) {
      group = { deviceId, sessions: [], identifyRecordIds: [] };
      devices.set(deviceId, group);
    }
    return group;
  };

  for (const { recordId, message } of records) {
    const duplicate = seenIds.has(message.id);
    seenIds.add(message.id);
    if (duplicate) duplicatesInBatch += 1;
    const device = deviceGroup(message.deviceId);

    if (message.type === 'identify') {
      if (!device.identifyRecordIds.includes(recordId)) device.identifyRecordIds.push(recordId);
      const fact: IdentifyFact = { id: message.id, userId: message.userId, ts: message.ts };
      device.identify = device.identify ? laterIdentify(device.identify, fact) : fact;
      continue;
    }

    const key = `${message.deviceId}\u0000${message.sessionId}`;
    let session = sessions.get(key);
    if (!session) {
      session = { deviceId: message.deviceId, sessionId: message.sessionId, views: [], recordIds: [] };
      sessions.set(key, session);
      device.sessions.push(session);
    }
    // A version 2 body puts several views in one record; the record is listed once.
    if (session.recordIds.at(-1) !== recordId && !session.recordIds.includes(recordId)) session.recordIds.push(recordId);
    if (duplicate) continue;
    session.views.push({
      id: message.id,
      ts: message.ts,
      path: message.path,
      sessionStarted: message.sessionStarted,
      ...(message.referrer ? { referrer: message.referrer } : {}),
      ...(message.utm ? { utm: message.utm } : {}),
      device: message.device,
    });
  }

  for (const session of sessions.values()) session.views.sort(compareViews);
  return { devices: [...devices.values()], duplicatesInBatch };
}
