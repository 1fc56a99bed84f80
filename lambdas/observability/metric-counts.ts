/** Counts gathered before they are written (powertools.ts writes them); no dependencies. */
export interface MetricCounts {
  readonly counters: Readonly<Record<string, number | undefined>>;
  /** One metric counted by the values of one dimension (the authorizer's SkippedRequests by reason). */
  readonly byDimension?: {
    readonly metric: string;
    readonly dimension: string;
    readonly values: ReadonlyMap<string, number>;
  };
}
