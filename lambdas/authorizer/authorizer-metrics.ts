/**
 * The authorizer's metrics: counted in memory on every invocation and written with Powertools Metrics
 * (lambdas/observability/powertools.ts) at most once per interval per execution environment.
 *
 * Why not Powertools on every invocation: its addMetric + publishStoredMetrics measured ~6 µs per
 * invocation on Node 24, more than verifying the cookie, and one EMF line per page view costs about
 * 220 bytes of logs ($0.11 per million views). Counting here is a few array increments; Powertools
 * writes the sums once a minute. Counts not yet written when Lambda shuts the environment down are lost:
 * metrics only, at most one interval's worth (the page views themselves are counted in DynamoDB).
 */
import type { MetricCounts } from '../observability/metric-counts';
import { SKIPPED_REQUESTS, SKIP_REASON_DIMENSION, type AuthorizerCounter } from '../observability/metric-names';

export type CounterName = AuthorizerCounter;

/** Counters whose alarms must not wait for the interval: written at once. */
const URGENT: ReadonlySet<CounterName> = new Set(['PublishFailures', 'AuthorizerErrors']);

/** Metrics of one invocation; concurrent invocations (the local runtime) add to the same sums. */
export interface InvocationMetrics {
  count(name: CounterName): void;
  /** Counts a request that was not a tracked page view, under the dimension `reason`. */
  countSkipped(reason: string): void;
  /** Hands the invocation's counts over; they are written when the interval has passed. */
  flush(): void;
}

export interface AuthorizerMetrics {
  begin(): InvocationMetrics;
}

/** Writes gathered counts (Powertools in the function; a collector in tests). */
export type CountsWriter = (counts: MetricCounts) => void;

export interface AuthorizerMetricsOptions {
  readonly write: CountsWriter;
  /** True: nothing is counted or written. */
  readonly disabled?: boolean;
  readonly clock?: () => number;
  /** 0: write after every invocation that counted something. Above 0: at most once per `intervalMs`. */
  readonly intervalMs?: number;
}

const REASON_PATTERN = /^[a-z_]{1,32}$/;

/** What a disabled writer hands every invocation: counting and flushing do nothing. */
const DISABLED_INVOCATION: InvocationMetrics = Object.freeze({ count() {}, countSkipped() {}, flush() {} });
const DISABLED: AuthorizerMetrics = Object.freeze({ begin: () => DISABLED_INVOCATION });

export function createAuthorizerMetrics(options: AuthorizerMetricsOptions): AuthorizerMetrics {
  if (options.disabled === true) return DISABLED;
  const clock = options.clock ?? Date.now;
  const intervalMs = options.intervalMs ?? 0;
  let counters: Partial<Record<CounterName, number>> = {};
  let skipped = new Map<string, number>();
  let pending = false;
  let lastWrite = Number.NEGATIVE_INFINITY;

  const write = () => {
    const counts: MetricCounts = { counters, byDimension: { metric: SKIPPED_REQUESTS, dimension: SKIP_REASON_DIMENSION, values: skipped } };
    counters = {};
    skipped = new Map();
    pending = false;
    lastWrite = clock();
    options.write(counts);
  };

  return {
    begin: () => {
      let urgent = false;
      return {
        count(name) {
          counters[name] = (counters[name] ?? 0) + 1;
          pending = true;
          if (URGENT.has(name)) urgent = true;
        },
        countSkipped(reason) {
          const key = REASON_PATTERN.test(reason) ? reason : 'other';
          skipped.set(key, (skipped.get(key) ?? 0) + 1);
          pending = true;
        },
        flush() {
          if (!pending) return;
          if (urgent || intervalMs <= 0 || clock() - lastWrite >= intervalMs) write();
          urgent = false;
        },
      };
    },
  };
}
