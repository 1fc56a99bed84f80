/**
 * The aggregator's storage port: what the batch aggregator needs from the table, nothing more. A
 * `signal` aborts the write (the batch deadline); the write then throws StoreWriteError.
 */
import type { SessionGroup } from '../aggregation/batch-plan';
import type { DeviceDelta } from '../aggregation/device-merge';
import type { SessionState } from '../aggregation/session-merge';

export interface SessionWriteOutcome {
  /**
   * The session as stored after the write, when the write knows it (a creation or a merge); undefined
   * after the cheap append, which by its condition never needs a device TTL extension.
   */
  state: SessionState | undefined;
  /** Views this write counted. */
  added: number;
  /** Views the session had already counted (redeliveries). */
  duplicates: number;
}

export interface SessionStore {
  /** Applies a device delta (idempotent: min/max/latest-wins rules). Throws StoreWriteError. */
  writeDevice(delta: DeviceDelta, signal?: AbortSignal): Promise<void>;
  /** Counts the group's views into its session item exactly once. Throws StoreWriteError. */
  writeSession(group: SessionGroup, signal?: AbortSignal): Promise<SessionWriteOutcome>;
}
