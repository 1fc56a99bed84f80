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
