/** What `npm run bench:aggregator` writes to bench/results/aggregator.json (and docs/benchmarks.md renders). */

export interface StatisticsCost {
  /** Write units per distinct view (2 per item per KB: a transactional write). */
  readonly wcuPerView: number;
  readonly transactions: number;
  readonly itemUpdates: number;
}

export interface CostRun {
  readonly key: 'ours-100' | 'naive-100' | 'ours-window' | 'naive-window' | 'ours-deployed';
  readonly design: 'ours' | 'naive';
  readonly batches: number;
  /** Share of views that share their batch with another view of their session. */
  readonly sharedShare: number;
  readonly viewsPerSecond: number;
  /** Device and session writes (the naive design's writes), per distinct view. */
  readonly wcuPerView: number;
  readonly writes: number;
  readonly deviceWrites: number;
  readonly failedConditions: number;
  readonly failedRecords: number;
  /** Ours only. */
  readonly statistics?: StatisticsCost;
  /** Ours only: every device and statistics item equal to the truth. */
  readonly exact?: boolean;
}

export interface AggregatorResults {
  readonly node: string;
  readonly seed: number;
  readonly stream: { readonly views: number; readonly devices: number; readonly sessions: number; readonly minutes: number };
  /** The cost runs' redelivery: this share of messages delivered twice. */
  readonly duplicateShare: number;
  readonly deliveries: number;
  readonly deployed: { readonly holdSeconds: number; readonly windowSeconds: number; readonly batchSize: number; readonly messages: number };
  readonly runs: readonly CostRun[];
  readonly stress: {
    readonly deliveries: number;
    readonly inFlight: number;
    readonly viewsPerSecond: number;
    readonly wcuPerView: number;
    readonly counted: number;
    readonly failedRecords: number;
    readonly devicesDiffering: number;
    readonly statisticsDiffering: number;
  };
  /** Every run of ours and the stress run matched the truth. */
  readonly exact: boolean;
  /** The benchmark's last two lines, as printed. */
  readonly lastLines: readonly string[];
}

export function costRun(results: AggregatorResults, key: CostRun['key']): CostRun {
  const found = results.runs.find((candidate) => candidate.key === key);
  if (found === undefined) throw new Error(`aggregator results have no ${key} run`);
  return found;
}
