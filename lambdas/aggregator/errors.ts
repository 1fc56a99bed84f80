/** Typed errors of the aggregator, mapped to outcomes in one place (`batch-aggregator.ts`). */

/** Invalid configuration at cold start. */
export class AggregatorConfigError extends Error {
  override name = 'AggregatorConfigError';
}

/** A device or session write that still failed after the SDK's retries. Its records are reported failed. */
export class StoreWriteError extends Error {
  override name = 'StoreWriteError';
  constructor(
    message: string,
    readonly key: { pk: string; sk: string },
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** An item read from the table does not have the shape this code writes. */
export class CorruptItemError extends Error {
  override name = 'CorruptItemError';
}

/**
 * Statistics items a batch could not update (after retries). The sessions they describe are counted,
 * so the records succeed; the error is logged with these deltas (anonymous counts) and counted.
 */
export class StatisticsWriteError extends Error {
  override name = 'StatisticsWriteError';
  constructor(
    readonly unapplied: ReadonlyArray<{ pk: string; sk: string; counters: Record<string, number> }>,
    options?: { cause?: unknown },
  ) {
    super(`${unapplied.length} statistics item updates failed`, options);
  }
}

/** The device was erased (its item is a tombstone): its views are dropped and counted, never retried. */
export class DeviceErasedError extends Error {
  override name = 'DeviceErasedError';
  constructor(readonly deviceId: string) {
    super(`device ${deviceId} was erased`);
  }
}
