/**
 * Retention arithmetic. Every item carries `expiresAt` (epoch seconds) = the activity it describes plus
 * the retention, so DynamoDB's TTL forgets a visitor the way the original Redis `expire` did.
 */
export const DAY_MS = 86_400_000;

/**
 * The device item must outlive every session item of the device (its user link and first-seen would
 * otherwise vanish while sessions are still shown). It is written when a session starts, so it is kept
 * this much longer than the session's start: the authorizer caps a session at 24 hours, and a longer
 * session triggers an extension write (see `deviceCoverageFor`).
 */
export const DEVICE_TTL_HEADROOM_MS = 2 * DAY_MS;

/** `expiresAt` for an item whose latest activity is `activityMs`. */
export function expiresAtSeconds(activityMs: number, retentionDays: number): number {
  return Math.ceil((activityMs + retentionDays * DAY_MS) / 1000);
}

/** `expiresAt` for a device item that must cover activity up to `coverMs`. */
export function deviceExpiresAtSeconds(coverMs: number, retentionDays: number): number {
  return expiresAtSeconds(coverMs + DEVICE_TTL_HEADROOM_MS, retentionDays);
}

/** An item is gone once its TTL is past, even if DynamoDB has not deleted it yet (best effort, often late). */
export function isExpired(expiresAt: number, nowMs: number): boolean {
  return expiresAt * 1000 <= nowMs;
}

/**
 * How far ahead of the consumer's clock a message's `ts` may be: the authorizer's clock may run a
 * little ahead (Lambda hosts are NTP-synced, well within seconds); more is a bug or a forged message,
 * and accepting it would move a session's last activity, exit and expiry into the future.
 */
export const MAX_CLOCK_AHEAD_MS = 5 * 60_000;

export type TimestampVerdict = 'ok' | 'too_old' | 'too_far_ahead';

/**
 * Whether a message's `ts` is one the consumer counts at `nowMs`: not so old that its item would already
 * be past retention (it would be written expired), not more than `maxAheadMs` ahead.
 */
export function timestampVerdict(ts: number, nowMs: number, retentionDays: number, maxAheadMs: number = MAX_CLOCK_AHEAD_MS): TimestampVerdict {
  if (ts > nowMs + maxAheadMs) return 'too_far_ahead';
  if (isExpired(expiresAtSeconds(ts, retentionDays), nowMs)) return 'too_old';
  return 'ok';
}
