/**
 * The aggregator's storage port: what the batch aggregator needs from the table, nothing more. A
 * `signal` aborts the write (the batch deadline); the write then throws StoreWriteError.
 */
import type { SessionGroup, ViewFact } from '../aggregation/batch-plan';
import type { DeviceDelta } from '../aggregation/device-merge';
import type { SessionState } from '../aggregation/session-merge';
import type { VisitorTransition } from '../statistics/stats-delta';

/**
 * Told of every item write the store made, as soon as it is acknowledged (also when a later write of
 * the same group fails): the statistics follow exactly the writes that happened.
 */
export interface WriteObserver {
  sessionWritten(before: SessionState | undefined, after: SessionState): void;
  deviceWritten(transition: VisitorTransition): void;
}

export interface SessionWriteOutcome {
  /** Views this write counted. */
  added: number;
  /** Views the session had already counted (redeliveries). */
  duplicates: number;
  /** Views past the session's last part (SESSION_LIMITS): not counted, their records are rejected. */
  rejected: ViewFact[];
  /** A device TTL extension the session needs (it ran past the device's headroom). */
  coverage?: DeviceDelta;
}

export interface SessionStore {
  /** The retention the store writes TTLs with; the consumer rejects views older than it. */
  readonly retentionDays: number;
  /** Applies a device delta (idempotent: min/max/latest-wins rules). Throws StoreWriteError. */
  writeDevice(delta: DeviceDelta, signal?: AbortSignal, observer?: WriteObserver): Promise<void>;
  /** Counts the group's views into its session item exactly once. Throws StoreWriteError. */
  writeSession(group: SessionGroup, signal?: AbortSignal, observer?: WriteObserver): Promise<SessionWriteOutcome>;
}
