/**
 * Every custom metric the functions write, for the functions, the stack's alarms and dashboard, and
 * the tests (no dependencies). Namespace and `service` dimension: names.ts.
 */

/** The authorizer's counters (dimension `service`). */
export const AUTHORIZER_COUNTERS = ['TrackedPageViews', 'NewDevices', 'NewSessions', 'PublishFailures', 'InvalidCookies', 'AuthorizerErrors'] as const;
export type AuthorizerCounter = (typeof AUTHORIZER_COUNTERS)[number];

/** Requests that were not tracked page views, by reason (dimensions `service` and SKIP_REASON_DIMENSION). */
export const SKIPPED_REQUESTS = 'SkippedRequests';
export const SKIP_REASON_DIMENSION = 'reason';

/** The consumer's counts (dimension `service`). */
export const AGGREGATOR_METRICS = [
  'AggregatedPageViews',
  'DuplicatePageViews',
  'InvalidMessages',
  'RejectedMessages',
  'FailedRecords',
  'StatisticsWriteFailures',
  /** Views and identifies of erased devices, dropped (docs/privacy.md). */
  'ErasedDeviceMessages',
  /** Consent-mode views without an identifier (`cookieless_view`). */
  'CookielessPageViews',
] as const;
export type AggregatorMetricName = (typeof AGGREGATOR_METRICS)[number];

export type MetricName = AuthorizerCounter | typeof SKIPPED_REQUESTS | AggregatorMetricName;
