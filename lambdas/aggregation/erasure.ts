/**
 * Erasure rules shared by the consumer, the read API and the erasure API (lambdas/visitor-rights/).
 *
 * Forgetting a device replaces its device item with a tombstone (`erasedAt`, no other field) and deletes
 * its session items. Page views of that device still in flight (the queue, its dead-letter queue, a
 * replay record) must not bring it back: the consumer refuses to write a device whose item is a
 * tombstone, and checks the device item before creating a session item without a device write. The
 * tombstone lives as long as any such view could still be counted: the consumer refuses views older than
 * the retention (retention.ts), and the dead-letter queue keeps a message at most 14 days from its first
 * enqueue; a day is added for clock skew and the batching window.
 */
import { DAY_MS } from './retention';

/** The attribute that makes a device item a tombstone: when the device was erased, epoch ms. */
export const ERASED_ATTRIBUTE = 'erasedAt';

/** The dead-letter queue's retention (lib/anonymous-tracking.ts); a redriven view is at most this old. */
export const DEAD_LETTER_RETENTION_DAYS = 14;

/** `expiresAt` of a tombstone written at `nowMs`. */
export function tombstoneExpiresAtSeconds(nowMs: number, retentionDays: number): number {
  return Math.ceil((nowMs + (Math.max(retentionDays, DEAD_LETTER_RETENTION_DAYS) + 1) * DAY_MS) / 1000);
}

/** Whether a stored item is a tombstone. */
export function isErasedItem(item: Readonly<Record<string, unknown>>): boolean {
  return typeof item[ERASED_ATTRIBUTE] === 'number';
}
