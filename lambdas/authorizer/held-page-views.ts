/**
 * The page views an execution environment holds between its invocations, and when to send them: a pure
 * structure (time and the expected gap to the next invocation are arguments), used by
 * `BatchingPageViewPublisher` after each response.
 *
 * Lambda runs one invocation at a time per environment, so views can only share an SQS message when
 * the environment keeps them across invocations; while it waits for the next one it is frozen and
 * nothing runs. Views are therefore held only when the next invocation is expected soon enough for the
 * oldest one to leave within `maxHoldMs`; otherwise they leave at once. Held views leave together in
 * one message body (queue-body.ts), so the queue's receives and deletes are shared too.
 */
import type { QueueMessage } from '../contract/page-view-message';
import { MAX_BODY_BYTES, MAX_MESSAGES_PER_BODY, bodyOverheadBytes } from '../contract/queue-body';
import { FUNCTION_SETTINGS } from '../contract/function-settings';

export interface HoldLimits {
  /** Views per message body (the consumer accepts MAX_MESSAGES_PER_BODY). */
  readonly maxViews: number;
  /** UTF-8 bytes of one message body: SQS bills each 64 KiB of a request as one request. */
  readonly maxBodyBytes: number;
  /** Longest a view should wait for companions, milliseconds. */
  readonly maxHoldMs: number;
}

/** At 100 views or 64 KiB a body is full; the hold is PAGE_VIEW_HOLD_MS's default (the stack's default window). */
export const HOLD_LIMITS: HoldLimits = { maxViews: MAX_MESSAGES_PER_BODY, maxBodyBytes: MAX_BODY_BYTES, maxHoldMs: FUNCTION_SETTINGS.pageViewHoldMs.default };

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
    if (this.views.length >= this.limits.maxViews || this.bodyBytes(this.views.length, this.bytes) >= this.limits.maxBodyBytes) return true;
    if (expectedGapMs === undefined) return true;
    return nowMillis - oldest.heldSince + expectedGapMs > this.limits.maxHoldMs;
  }

  /** Removes and returns the oldest views that fit one message body (at least one view, whatever its size). */
  takeBatch(): HeldView[] {
    let bytes = 0;
    let end = 0;
    while (end < this.views.length && end < this.limits.maxViews) {
      const size = this.views[end]?.bytes ?? 0;
      if (end > 0 && this.bodyBytes(end + 1, bytes + size) > this.limits.maxBodyBytes) break;
      bytes += size;
      end++;
    }
    const batch = this.views.slice(0, end);
    this.views = this.views.slice(end);
    this.bytes -= bytes;
    return batch;
  }

  private bodyBytes(count: number, messageBytes: number): number {
    return messageBytes + bodyOverheadBytes(count);
  }

  /** Removes and returns everything held. */
  takeAll(): HeldView[] {
    const all = this.views;
    this.views = [];
    this.bytes = 0;
    return all;
  }
}
