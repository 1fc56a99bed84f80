/**
 * The pipeline's custom CloudWatch metrics (emitted by Powertools as EMF log lines, so publishing them
 * needs no IAM permission). Names: lambdas/observability/metric-names.ts.
 */
import { Duration } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import { REASON_CODES } from '../lambdas/contract/gateway-context';
import type { MetricName } from '../lambdas/observability/metric-names';
import { METRICS_NAMESPACE, SERVICE_NAME } from '../lambdas/observability/names';

/** Reasons the authorizer reports with `SkippedRequests` (every reason code except `tracked`). */
export const SKIP_REASONS = REASON_CODES.filter((reason) => reason !== 'tracked');

/** A VisitorGate metric with the default `service` dimension (plus any extra dimensions). */
export function visitorGateMetric(
  metricName: MetricName,
  options: { dimensions?: Record<string, string>; label?: string; period?: Duration } = {},
): cloudwatch.Metric {
  return new cloudwatch.Metric({
    namespace: METRICS_NAMESPACE,
    metricName,
    dimensionsMap: { service: SERVICE_NAME, ...options.dimensions },
    statistic: cloudwatch.Stats.SUM,
    period: options.period ?? Duration.minutes(5),
    label: options.label,
  });
}
