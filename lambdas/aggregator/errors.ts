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
