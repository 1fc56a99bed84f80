/**
 * Sessions live in the cookie: a tracked page view continues the cookie's session unless it has been
 * idle for `timeoutSeconds` or has lasted `maxSeconds`; otherwise it opens a new one. No database read.
 */
import type { CookieSession } from './cookie-codec';

export interface SessionLimits {
  readonly timeoutSeconds: number;
  readonly maxSeconds: number;
}

/** True when `session` can take a page view at `nowSeconds`. */
export function isSessionLive(session: CookieSession | undefined, nowSeconds: number, limits: SessionLimits): session is CookieSession {
  if (session === undefined) return false;
  return nowSeconds - session.lastActivitySeconds < limits.timeoutSeconds && nowSeconds - session.startSeconds < limits.maxSeconds;
}

export interface SessionStep {
  readonly session: CookieSession;
  /** True when this page view opened the session. */
  readonly started: boolean;
}

/** Assigns a tracked page view at `nowSeconds` to the live session, or opens a new one with `newId()`. */
export function advanceSession(
  session: CookieSession | undefined,
  nowSeconds: number,
  limits: SessionLimits,
  newId: () => string,
): SessionStep {
  if (isSessionLive(session, nowSeconds, limits)) {
    // max(): a page view served by an instance whose clock is slightly behind must not move activity back.
    const lastActivitySeconds = Math.max(session.lastActivitySeconds, nowSeconds);
    return { session: { id: session.id, startSeconds: session.startSeconds, lastActivitySeconds }, started: false };
  }
  return { session: { id: newId(), startSeconds: nowSeconds, lastActivitySeconds: nowSeconds }, started: true };
}
