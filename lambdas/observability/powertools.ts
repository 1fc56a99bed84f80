/**
 * Logs and metrics for both functions: Powertools Logger and Metrics, created here with the names of
 * names.ts (`observabilityNames`). The authorizer loads this module on its first invocation
 * (first-invocation-modules.ts), not at cold start, and passes the names its configuration read, so
 * names.ts is not bundled twice.
 */
import { Logger } from '@aws-lambda-powertools/logger';
import { MetricUnit, Metrics } from '@aws-lambda-powertools/metrics';
import type { MetricCounts } from './metric-counts';
import type { ObservabilityNames } from './names';

export function createLogger(names: ObservabilityNames): Logger {
  return new Logger({ serviceName: names.service });
}

export function createMetrics(names: ObservabilityNames): Metrics {
  return new Metrics({ namespace: names.namespace, serviceName: names.service });
}

/**
 * Writes counts with Powertools: the counters in one EMF line (dimension `service`), and a metric
 * counted by dimension in a line per value (dimensions `service` and that one; a second dimension set in
 * the first line would apply to every counter in it). Zero counts are left out: a custom metric is
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
  const byDimension = counts.byDimension;
  if (byDimension === undefined) return;
  for (const [value, count] of byDimension.values) {
    const single = metrics.singleMetric();
    single.addDimension(byDimension.dimension, value);
    single.addMetric(byDimension.metric, MetricUnit.Count, count);
  }
}
