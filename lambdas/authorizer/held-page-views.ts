/**
 * The page views an execution environment holds between its invocations, and when to send them: a pure
 * structure (time and the expected gap to the next invocation are arguments), used by
 * `BatchingPageViewPublisher` after each response.
 *
 * Lambda runs one invocation at a time per environment, so views can only share a `SendMessageBatch`
 * when the environment keeps them across invocations; while it waits for the next one it is frozen and
 * nothing runs. Views are therefore held only when the next invocation is expected soon enough for the
 * oldest one to leave within `maxHoldMs` (a small fraction of the consumer's 5 s batching window, so a
 * late view does not land in a later consumer batch than its neighbours); otherwise they leave at once.
 */
import type { QueueMessage } from '../contract/page-view-message';

export interface HoldLimits {
  /** Entries per `SendMessageBatch` (SQS allows 10). */
  readonly maxEntries: number;
  /** Bytes of message bodies per request: SQS bills each 64 KiB of a request as one request. */
  readonly maxBatchBytes: number;
  /** Longest a view should wait for companions, milliseconds. */
  readonly maxHoldMs: number;
}

export const HOLD_LIMITS: HoldLimits = { maxEntries: 10, maxBatchBytes: 64 * 1024, maxHoldMs: 250 };

export interface HeldView {
  readonly message: QueueMessage;
  readonly body: string;
  /** UTF-8 bytes of `body`. */
  readonly bytes: number;
  /** Epoch milliseconds when it was accepted. */
  readonly heldSince: number;
}

export class HeldPageViews {
  private views: HeldView[] = [];
  private bytes = 0;

  constructor(private readonly limits: HoldLimits = HOLD_LIMITS) {}

  get count(): number {
    return this.views.length;
  }

  add(message: QueueMessage, nowMillis: number): void {
    const body = JSON.stringify(message);
    const bytes = Buffer.byteLength(body);
    this.views.push({ message, body, bytes, heldSince: nowMillis });
    this.bytes += bytes;
  }

  /**
   * True when the held views should leave now: a full batch (entries or bytes), or the oldest would
   * exceed `maxHoldMs` before the next invocation is expected (`expectedGapMs`, undefined when unknown).
   */
  due(nowMillis: number, expectedGapMs: number | undefined): boolean {
    const oldest = this.views[0];
    if (oldest === undefined) return false;
    if (this.views.length >= this.limits.maxEntries || this.bytes >= this.limits.maxBatchBytes) return true;
    if (expectedGapMs === undefined) return true;
    return nowMillis - oldest.heldSince + expectedGapMs > this.limits.maxHoldMs;
  }

  /** Removes and returns the oldest views that fit one request (at least one view, whatever its size). */
  takeBatch(): HeldView[] {
    let bytes = 0;
    let end = 0;
    while (end < this.views.length && end < this.limits.maxEntries) {
      const size = this.views[end]?.bytes ?? 0;
      if (end > 0 && bytes + size > this.limits.maxBatchBytes) break;
      bytes += size;
      end++;
    }
    const batch = this.views.slice(0, end);
    this.views = this.views.slice(end);
    this.bytes -= bytes;
    return batch;
  }

  /** Removes and returns everything held. */
  takeAll(): HeldView[] {
    const all = this.views;
    this.views = [];
    this.bytes = 0;
    return all;
  }
}
