/**
 * Merge rules for one session item. Pure: the store adapter feeds it the stored state and a group of
 * views and writes what it returns.
 *
 * Exactly-once rests on `viewIds`, the ids of every view the session has counted: a view whose id is in
 * it is a duplicate and changes nothing. Out-of-order views are merged by time: an earlier view than the
 * entry becomes the entry (with its referrer, UTM and device class), a later view than the last
 * activity becomes the exit; nothing ever moves backwards.
 */
import type { DeviceClass, Utm } from '../shared/page-view-message';
import type { ViewFact } from './batch-plan';
import { compareViews } from './batch-plan';
import { expiresAtSeconds } from './retention';

export interface SessionState {
  deviceId: string;
  sessionId: string;
  /** Epoch ms of the entry view. */
  start: number;
  /** Epoch ms of the latest view. */
  lastActivity: number;
  pageViews: number;
  entryPath: string;
  exitPath: string;
  referrer?: { origin: string; path: string };
  utm?: Utm;
  device: DeviceClass;
  viewIds: string[];
  /** Optimistic-concurrency counter, bumped by every write. */
  version: number;
  expiresAt: number;
}

export interface SessionMergeResult {
  state: SessionState;
  /** Views counted by this merge. */
  added: number;
  /** Views of the group that the session had already counted. */
  duplicates: number;
}

function withEntry(state: SessionState, view: ViewFact): SessionState {
  const { referrer: _referrer, utm: _utm, ...rest } = state;
  return {
    ...rest,
    start: view.ts,
    entryPath: view.path,
    device: view.device,
    ...(view.referrer ? { referrer: view.referrer } : {}),
    ...(view.utm ? { utm: view.utm } : {}),
  };
}

/** The session as its first write creates it from a group of distinct views (sorted, non-empty). */
export function newSession(
  deviceId: string,
  sessionId: string,
  views: readonly ViewFact[],
  retentionDays: number,
): SessionState {
  const sorted = [...views].sort(compareViews);
  const entry = sorted[0];
  const exit = sorted[sorted.length - 1];
  if (!entry || !exit) throw new RangeError('a session needs at least one view');
  const base: SessionState = {
    deviceId,
    sessionId,
    start: entry.ts,
    lastActivity: exit.ts,
    pageViews: sorted.length,
    entryPath: entry.path,
    exitPath: exit.path,
    device: entry.device,
    viewIds: sorted.map((view) => view.id),
    version: 1,
    expiresAt: expiresAtSeconds(exit.ts, retentionDays),
  };
  return withEntry(base, entry);
}

/**
 * Merges `views` (distinct ids) into `existing` (undefined when the item does not exist yet). Returns
 * `added: 0` and the unchanged state when every view was already counted.
 */
export function mergeSession(
  existing: SessionState | undefined,
  deviceId: string,
  sessionId: string,
  views: readonly ViewFact[],
  retentionDays: number,
): SessionMergeResult {
  if (!existing) {
    return { state: newSession(deviceId, sessionId, views, retentionDays), added: views.length, duplicates: 0 };
  }
  const counted = new Set(existing.viewIds);
  const fresh = views.filter((view) => !counted.has(view.id)).sort(compareViews);
  const duplicates = views.length - fresh.length;
  if (fresh.length === 0) return { state: existing, added: 0, duplicates };

  let state: SessionState = { ...existing };
  for (const view of fresh) {
    // Strict comparisons: on an exact tie the view already stored keeps its role.
    if (view.ts < state.start) state = withEntry(state, view);
    if (view.ts > state.lastActivity) state = { ...state, lastActivity: view.ts, exitPath: view.path };
  }
  state = {
    ...state,
    pageViews: existing.pageViews + fresh.length,
    viewIds: [...existing.viewIds, ...fresh.map((view) => view.id)],
    version: existing.version + 1,
    expiresAt: expiresAtSeconds(state.lastActivity, retentionDays),
  };
  return { state, added: fresh.length, duplicates };
}

/**
 * The values of the cheap single-request append (the common case: every view of the group is later
 * than anything the session holds, so none can be a duplicate and start/entry stay as they are).
 */
export interface SessionAppend {
  /** Condition: the stored `lastActivity` is strictly below this. */
  minTs: number;
  lastActivity: number;
  exitPath: string;
  pageViews: number;
  viewIds: string[];
  expiresAt: number;
}

export function sessionAppend(views: readonly ViewFact[], retentionDays: number): SessionAppend {
  const sorted = [...views].sort(compareViews);
  const first = sorted[0];
  const last = sorted[sorted.length - 1];
  if (!first || !last) throw new RangeError('an append needs at least one view');
  return {
    minTs: first.ts,
    lastActivity: last.ts,
    exitPath: last.path,
    pageViews: sorted.length,
    viewIds: sorted.map((view) => view.id),
    expiresAt: expiresAtSeconds(last.ts, retentionDays),
  };
}
