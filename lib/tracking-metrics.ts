/**
 * The pipeline's custom CloudWatch metrics (emitted by Powertools as EMF log lines, so publishing them
 * needs no IAM permission). Names and dimensions are the shared contract in CONTEXT.md.
 */
import { Duration } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import { METRICS_NAMESPACE, SERVICE_NAME } from '../lambdas/observability/names';

export type AuthorizerMetricName =
  | 'TrackedPageViews'
  | 'SkippedRequests'
  | 'NewDevices'
  | 'NewSessions'
  | 'PublishFailures'
  | 'InvalidCookies'
  /** Unexpected errors the authorizer caught (it still allowed the request, without identity). */
  | 'AuthorizerErrors';

export type AggregatorMetricName = 'AggregatedPageViews' | 'DuplicatePageViews' | 'InvalidMessages' | 'RejectedMessages' | 'FailedRecords';

/** Reasons the authorizer reports with `SkippedRequests` (every reason code except `tracked`). */
export const SKIP_REASONS = [
  'untracked_path',
  'not_page_view',
  'skip_path',
  'bot',
  'privacy_signal',
  'authenticated',
] as const;

/** A VisitorGate metric with the default `service` dimension (plus any extra dimensions). */
export function visitorGateMetric(
  metricName: AuthorizerMetricName | AggregatorMetricName,
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
