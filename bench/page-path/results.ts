/** What `npm run bench:page-path` writes to bench/results/page-path.json (and docs/benchmarks.md renders). */

/** Milliseconds over the measured requests (nearest-rank percentiles). */
export interface Distribution {
  readonly p50: number;
  readonly p99: number;
  readonly max: number;
}

export interface EnvironmentResult {
  readonly key: 'before' | 'new' | 'empty';
  /** Lambda's handler setting. */
  readonly handler: string;
  /** Measured by the runtime client in the function's process: event read to response handed to the socket. */
  readonly inFunction: Distribution;
  /** The Runtime API server's own clock: event written to response read (adds the loopback transport). */
  readonly atRuntimeApi: Distribution;
  /** HTTP requests to SQS the function made while a page waited, over the measured requests. */
  readonly sqsRequestsWhilePageWaited: number;
  /** Tracked views over all requests, warm-up included (as the proxy counts). */
  readonly trackedViews: number;
  /** SQS requests by API action, counted at the proxy (warm-up and the shutdown flush included). */
  readonly sqsRequestsByAction: Record<string, number>;
  readonly replayRecords: number;
}

export interface ColdStart {
  /** Loading the function, to the runtime's first request for an event. */
  readonly loadWallMs: number;
  readonly loadCpuMs: number;
  /** Loading plus the first tracked request's time in the function. */
  readonly firstResponseMs: number;
}

export interface PagePathResults {
  readonly requests: number;
  readonly warmup: number;
  readonly visitors: number;
  readonly sqs: { readonly delayMs: number; readonly slowDelayMs: number; readonly slowShare: number };
  /** before, new and the empty handler, in that order. */
  readonly environments: readonly EnvironmentResult[];
  readonly coldStart: { readonly starts: number; readonly before: ColdStart; readonly new: ColdStart };
}

export function environment(results: PagePathResults, key: EnvironmentResult['key']): EnvironmentResult {
  const found = results.environments.find((candidate) => candidate.key === key);
  if (found === undefined) throw new Error(`page-path results have no ${key} environment`);
  return found;
}
