/**
 * Beacons per device, per execution environment: a token bucket (BEACON_LIMITS: a burst, then one view
 * every `refillMs`) keyed by device id, in a bounded map. It stops a page whose script loops (a router
 * calling `history.replaceState` with a new path on every keystroke) from inflating a session; it is not
 * a global limit (each execution environment counts apart) and a client that drops its cookie is a new
 * device each time (docs/single-page-apps.md, "What a client can claim").
 */
export interface RateLimits {
  readonly burst: number;
  readonly refillMs: number;
  readonly trackedDevices: number;
}

export interface BeaconRate {
  /** Takes one view from `deviceId`'s bucket at `nowMillis`; false when it is empty. */
  take(deviceId: string, nowMillis: number): boolean;
}

export function createBeaconRate(limits: RateLimits): BeaconRate {
  // Insertion order is recency order (a device is re-inserted on each take): the first key is the oldest.
  const buckets = new Map<string, { tokens: number; atMillis: number }>();
  return {
    take(deviceId, nowMillis) {
      const bucket = buckets.get(deviceId);
      let tokens = limits.burst;
      if (bucket !== undefined) {
        buckets.delete(deviceId);
        // A clock that steps back refills nothing.
        tokens = Math.min(limits.burst, bucket.tokens + Math.max(0, nowMillis - bucket.atMillis) / limits.refillMs);
      } else if (buckets.size >= limits.trackedDevices) {
        const oldest = buckets.keys().next().value;
        if (oldest !== undefined) buckets.delete(oldest);
      }
      const allowed = tokens >= 1;
      buckets.set(deviceId, { tokens: allowed ? tokens - 1 : tokens, atMillis: nowMillis });
      return allowed;
    },
  };
}
