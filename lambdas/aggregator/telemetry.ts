/** The aggregator's metrics (names: observability/metric-names.ts), behind a port so tests can read them. */
import { MetricUnit, type Metrics } from '@aws-lambda-powertools/metrics';

import { AGGREGATOR_METRICS, type AggregatorMetricName } from '../observability/metric-names';

export type AggregatorCounts = Record<AggregatorMetricName, number>;

export interface AggregatorMetrics {
  /** Records one invocation's counts (the handler's `logMetrics` middleware flushes them). */
  publish(counts: AggregatorCounts): void;
}

export function emptyCounts(): AggregatorCounts {
  return { AggregatedPageViews: 0, DuplicatePageViews: 0, InvalidMessages: 0, RejectedMessages: 0, FailedRecords: 0, StatisticsWriteFailures: 0, ErasedDeviceMessages: 0, CookielessPageViews: 0 };
}

/**
 * CloudWatch through Powertools (embedded metric format on stdout). The rare counts are written only
 * when not zero: a custom metric is billed for every hour it receives data, so one that is always
 * written costs $0.30 a month even when nothing happens. AggregatedPageViews is always written, so
 * every invocation flushes exactly one EMF line (an empty flush would log a warning instead).
 */
export function powertoolsMetrics(metrics: Metrics): AggregatorMetrics {
  return {
    publish(counts) {
      for (const name of AGGREGATOR_METRICS) {
        if (name === 'AggregatedPageViews' || counts[name] !== 0) metrics.addMetric(name, MetricUnit.Count, counts[name]);
      }
    },
  };
}
