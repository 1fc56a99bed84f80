/**
 * Logs and metrics for both functions: Powertools Logger and Metrics, created here from the same
 * variables (POWERTOOLS_SERVICE_NAME, POWERTOOLS_METRICS_NAMESPACE; the stack and the local runtime set
 * them, these defaults serve bare handlers in tests and scripts). The authorizer loads this module on
 * its first invocation (first-invocation-modules.ts), not at cold start.
 */
import { Logger } from '@aws-lambda-powertools/logger';
import { MetricUnit, Metrics } from '@aws-lambda-powertools/metrics';
import type { MetricCounts } from './metric-counts';
import { METRICS_NAMESPACE, SERVICE_NAME } from './names';

type Env = Readonly<Record<string, string | undefined>>;

export function createLogger(env: Env = process.env): Logger {
  return new Logger({ serviceName: env.POWERTOOLS_SERVICE_NAME ?? SERVICE_NAME });
}

export function createMetrics(env: Env = process.env): Metrics {
  return new Metrics({ namespace: env.POWERTOOLS_METRICS_NAMESPACE ?? METRICS_NAMESPACE, serviceName: env.POWERTOOLS_SERVICE_NAME ?? SERVICE_NAME });
}

/** The dimension `SkippedRequests` is written under, beside `service`. */
export const SKIP_REASON_DIMENSION = 'reason';

/**
 * Writes counts with Powertools: the counters in one EMF line (dimension `service`), and each skip
 * reason's `SkippedRequests` in a line of its own (dimensions `service` and `reason`; a second dimension
 * set in the first line would apply to every counter in it). Zero counts are left out: a custom metric is
 * billed for every hour it receives data.
 */
export function publishCounts(metrics: Metrics, counts: MetricCounts): void {
  let added = false;
  for (const [name, value] of Object.entries(counts.counters)) {
    if (value === undefined || value === 0) continue;
    metrics.addMetric(name, MetricUnit.Count, value);
    added = true;
  }
  if (added) metrics.publishStoredMetrics();
  for (const [reason, value] of counts.skipped) {
    const single = metrics.singleMetric();
    single.addDimension(SKIP_REASON_DIMENSION, reason);
    single.addMetric('SkippedRequests', MetricUnit.Count, value);
  }
}
