/**
 * Merge rules for one session item. Pure: the store adapter feeds it the stored state and a group of
 * views and writes what it returns.
 *
 * Exactly-once rests on `viewIds`, the ids of every view the session has counted: a view whose id is in
 * it is a duplicate and changes nothing, whatever else its message says. Out-of-order views are merged
 * by time: an earlier view than the entry becomes the entry (with its referrer, UTM and device class),
 * a later view than the last activity becomes the exit; nothing ever moves backwards.
 *
 * An item holds at most `maxViewsPerItem` view ids (DynamoDB refuses items over 400 KB, and every write
 * is billed by the item's size): the views that do not fit are the merge's `overflow`, and the store
 * counts them in the session's next part (`sessionPartId`), which the read API shows as a session of
 * its own. A view id is looked up in every full part before a later part counts it, so it still counts
 * once.
 */
import type { DeviceClass, Utm } from '../contract/page-view-message';
import { OTHER_PAGES } from '../contract/statistics-layout';
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
  /**
   * Views per path (the path as the view's `path`), at most `MAX_PAGES_PER_SESSION` distinct paths; the
   * views of further paths count under `(other)`. Empty on items written before layout 2.
   */
  pages: Record<string, number>;
  viewIds: string[];
  /** Optimistic-concurrency counter, bumped by every write. */
  version: number;
  expiresAt: number;
}

/**
 * Distinct paths one session item keeps counts for: the map is part of the item's size (and so of
 * every write's cost); a session that wanders over more paths is a crawler more often than a person.
 */
export const MAX_PAGES_PER_SESSION = 100;

/** `pages` with `views` counted in (a copy); past the cap, new paths count under `(other)`. */
export function withPages(pages: Readonly<Record<string, number>>, views: readonly Pick<ViewFact, 'path'>[]): Record<string, number> {
  const next: Record<string, number> = { ...pages };
  let distinct = Object.keys(next).length;
  for (const { path } of views) {
    if (next[path] !== undefined) {
      next[path] += 1;
      continue;
    }
    if (distinct < MAX_PAGES_PER_SESSION) {
      next[path] = 1;
      distinct += 1;
      continue;
    }
    if (next[OTHER_PAGES] === undefined) distinct += 1;
    next[OTHER_PAGES] = (next[OTHER_PAGES] ?? 0) + 1;
  }
  return next;
}

export interface SessionLimits {
  /** View ids one session item keeps; the views past it are counted in the session's next part. */
  maxViewsPerItem: number;
  /** Parts of one session id; views past the last part are rejected (see docs/data-model.md, "Limits"). */
  maxParts: number;
}

/**
 * 1,000 ids of at most 64 characters plus the largest entry, exit, referrer and UTM the schema allows
 * stay far below DynamoDB's 400 KB item limit (a test checks the worst case); with the authorizer's
 * 22-character ids a full part is about 24 KB. 50 parts: a view every 1.7 s for the authorizer's
 * longest session (24 hours).
 */
export const SESSION_LIMITS: Readonly<SessionLimits> = { maxViewsPerItem: 1_000, maxParts: 50 };

/** The id of a session's part: the session id itself, then `<sessionId>~2`, `~3`... (`~` is not in ids). */
export function sessionPartId(sessionId: string, part: number): string {
  return part === 1 ? sessionId : `${sessionId}~${part}`;
}

export interface SessionMergeResult {
  state: SessionState;
  /** Views counted by this merge. */
  added: number;
  /** Views of the group that the session had already counted. */
  duplicates: number;
  /** Views not counted here because the item is full (in view order): they belong to a later part. */
  overflow: ViewFact[];
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
    pages: withPages({}, sorted),
    viewIds: sorted.map((view) => view.id),
    version: 1,
    expiresAt: expiresAtSeconds(exit.ts, retentionDays),
  };
  return withEntry(base, entry);
}

/**
 * Merges `views` (distinct ids) into `existing` (undefined when the item does not exist yet), up to
 * `maxViews` ids in the item. Returns `added: 0` and the unchanged state when no view was counted.
 */
export function mergeSession(
  existing: SessionState | undefined,
  deviceId: string,
  sessionId: string,
  views: readonly ViewFact[],
  retentionDays: number,
  maxViews: number = SESSION_LIMITS.maxViewsPerItem,
): SessionMergeResult {
  const counted = new Set(existing?.viewIds);
  const sorted = views.filter((view) => !counted.has(view.id)).sort(compareViews);
  const duplicates = views.length - sorted.length;
  const room = Math.max(0, maxViews - (existing?.viewIds.length ?? 0));
  const fresh = sorted.slice(0, room);
  const overflow = sorted.slice(room);
  if (fresh.length === 0) {
    if (!existing) throw new RangeError('a session needs at least one view');
    return { state: existing, added: 0, duplicates, overflow };
  }
  if (!existing) return { state: newSession(deviceId, sessionId, fresh, retentionDays), added: fresh.length, duplicates, overflow };

  let state: SessionState = { ...existing };
  for (const view of fresh) {
    // Strict comparisons: on an exact tie the view already stored keeps its role.
    if (view.ts < state.start) state = withEntry(state, view);
    if (view.ts > state.lastActivity) state = { ...state, lastActivity: view.ts, exitPath: view.path };
  }
  state = {
    ...state,
    pageViews: existing.pageViews + fresh.length,
    pages: withPages(existing.pages, fresh),
    viewIds: [...existing.viewIds, ...fresh.map((view) => view.id)],
    version: existing.version + 1,
    expiresAt: expiresAtSeconds(state.lastActivity, retentionDays),
  };
  return { state, added: fresh.length, duplicates, overflow };
}

/**
 * The values of the cheap single-request append (the common case: every view of the group is later
 * than anything the session holds, so start and entry stay as they are; the write's condition also
 * checks that none of the ids is already counted and that the item has room for them).
 */
export interface SessionAppend {
  /** Condition: the stored `lastActivity` is strictly below this. */
  minTs: number;
  lastActivity: number;
  exitPath: string;
  pageViews: number;
  /** Views per path of the appended views. */
  pages: Record<string, number>;
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
    pages: withPages({}, sorted),
    viewIds: sorted.map((view) => view.id),
    expiresAt: expiresAtSeconds(last.ts, retentionDays),
  };
}

/**
 * The state an append leaves (what the UpdateItem's expression does, for the statistics): a pure mirror
 * of `sessionFastPath` in the DynamoDB store, whose condition guarantees the entry stays and the paths
 * fit under the cap.
 */
export function appliedAppend(before: SessionState, append: SessionAppend): SessionState {
  const pages = { ...before.pages };
  for (const [path, count] of Object.entries(append.pages)) pages[path] = (pages[path] ?? 0) + count;
  return {
    ...before,
    lastActivity: append.lastActivity,
    exitPath: append.exitPath,
    pageViews: before.pageViews + append.pageViews,
    pages,
    viewIds: [...before.viewIds, ...append.viewIds],
    version: before.version + 1,
    expiresAt: append.expiresAt,
  };
}
