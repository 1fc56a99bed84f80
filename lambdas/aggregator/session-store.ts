/**
 * The aggregator's storage port: what the batch aggregator needs from the table, nothing more. A
 * `signal` aborts the write (the batch deadline); the write then throws StoreWriteError.
 */
import type { SessionGroup, ViewFact } from '../aggregation/batch-plan';
import type { DeviceDelta } from '../aggregation/device-merge';

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
  writeDevice(delta: DeviceDelta, signal?: AbortSignal): Promise<void>;
  /** Counts the group's views into its session item exactly once. Throws StoreWriteError. */
  writeSession(group: SessionGroup, signal?: AbortSignal): Promise<SessionWriteOutcome>;
}
