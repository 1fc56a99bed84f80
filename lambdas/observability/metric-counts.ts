/** Counts gathered before they are written (powertools.ts writes them); no dependencies. */
export interface MetricCounts {
  readonly counters: Readonly<Record<string, number | undefined>>;
  /** `SkippedRequests` by reason. */
  readonly skipped: ReadonlyMap<string, number>;
}
