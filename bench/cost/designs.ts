/**
 * The two designs `bench:cost` prices side by side.
 *
 * - `before`: the previous design (one awaited SendMessage per view inside the request), modelled explicitly so the column stays
 *   available whatever the code on main becomes: one awaited SendMessage per page view, 256 MB
 *   functions, batches of 100 with a 5 s window and a maximum concurrency of 5, text logs with Lambda's
 *   START/END/REPORT lines, an authorizer metric line per invocation, the 12-field JSON access log,
 *   five aggregator metrics written on every invocation, 7 alarms, a dashboard and an on-demand table.
 * - `current`: what this repository deploys now, read from the synthesized stack (memory, batching,
 *   concurrency, log settings, access-log format, alarms, dashboards) and the code's own default wiring
 *   (the authorizer's publisher from `createDefaultDeps`, the aggregator's telemetry).
 */
import type { Template } from 'aws-cdk-lib/assertions';
import { MetricUnit, type Metrics } from '@aws-lambda-powertools/metrics';
import { powertoolsMetrics, type AggregatorMetrics } from '../../lambdas/aggregator/telemetry';
import type { AggregatorMetricName } from '../../lambdas/observability/metric-names';

export interface Design {
  readonly name: 'before' | 'current';
  readonly authorizerMemoryMb: number;
  readonly consumerMemoryMb: number;
  readonly batchSize: number;
  readonly windowSeconds: number;
  readonly maxConcurrency?: number;
  /** Lambda writes START/END/REPORT for every invocation (text format, or system level INFO/DEBUG). */
  readonly platformLines: boolean;
  readonly accessLogFormat: string;
  readonly alarms: number;
  readonly dashboards: number;
  readonly secrets: number;
  /** The publisher: `one-send-per-view` (the old design) or `default` (what createDefaultDeps wires). */
  readonly publisher: 'one-send-per-view' | 'default';
  /** Longest hold of a view in an execution environment (HOLD_LIMITS.maxHoldMs unless tried otherwise). */
  readonly holdMs?: number;
  readonly consumerMetrics: (metrics: Metrics) => AggregatorMetrics;
  /** Environment variables the stack gives the authorizer (cookie and session settings). */
  readonly authorizerEnvironment: Record<string, string>;
  /** The consumer also writes the daily statistics (the previous design had none). */
  readonly statistics: boolean;
}

/** The consumer metrics the previous design wrote (the statistics and visitors' rights came later). */
const BEFORE_AGGREGATOR_METRICS = ['AggregatedPageViews', 'DuplicatePageViews', 'InvalidMessages', 'RejectedMessages', 'FailedRecords'] as const satisfies readonly AggregatorMetricName[];

/** The access-log format of the base commit (one JSON object per request). */
const BEFORE_ACCESS_LOG_FORMAT = JSON.stringify({
  requestId: '$context.requestId',
  time: '$context.requestTimeEpoch',
  method: '$context.httpMethod',
  path: '$context.path',
  routeKey: '$context.routeKey',
  status: '$context.status',
  latencyMs: '$context.responseLatency',
  integrationLatencyMs: '$context.integrationLatency',
  integrationError: '$context.integrationErrorMessage',
  authorizerError: '$context.authorizer.error',
  reason: '$context.authorizer.reason',
  tracked: '$context.authorizer.tracked',
});

export const BEFORE: Design = {
  name: 'before',
  authorizerMemoryMb: 256,
  consumerMemoryMb: 256,
  batchSize: 100,
  windowSeconds: 5,
  maxConcurrency: 5,
  platformLines: true,
  accessLogFormat: BEFORE_ACCESS_LOG_FORMAT,
  alarms: 7,
  dashboards: 1,
  secrets: 1,
  publisher: 'one-send-per-view',
  // Every count it had on every invocation, zeros included.
  consumerMetrics: (metrics) => ({
    publish(counts) {
      for (const name of BEFORE_AGGREGATOR_METRICS) metrics.addMetric(name, MetricUnit.Count, counts[name]);
    },
  }),
  authorizerEnvironment: {},
  statistics: false,
};

type Resource = { Properties: Record<string, unknown> };

function only(template: Template, type: string, idPrefix: string): Resource {
  const matches = Object.entries(template.findResources(type)).filter(([id]) => id.startsWith(idPrefix));
  if (matches.length !== 1) throw new Error(`expected one ${type} ${idPrefix}*, found ${matches.length}`);
  return (matches[0] as [string, Resource])[1];
}

/** The current design, read from the synthesized stack. */
export function currentDesign(template: Template): Design {
  const authorizer = only(template, 'AWS::Lambda::Function', 'TrackingAuthorizerFunction').Properties;
  const consumer = only(template, 'AWS::Lambda::Function', 'TrackingAggregatorFunction').Properties;
  const mapping = only(template, 'AWS::Lambda::EventSourceMapping', 'TrackingAggregatorFunction').Properties;
  const stage = only(template, 'AWS::ApiGatewayV2::Stage', 'TrackingFrontDoorStage').Properties;
  const logging = (fn: Record<string, unknown>) => (fn.LoggingConfig ?? {}) as { LogFormat?: string; SystemLogLevel?: string };
  const platformLines = [authorizer, consumer].some((fn) => logging(fn).LogFormat !== 'JSON' || !['WARN', 'ERROR'].includes(logging(fn).SystemLogLevel ?? 'INFO'));
  const variables = ((authorizer.Environment as { Variables: Record<string, unknown> }).Variables ?? {}) as Record<string, unknown>;
  const authorizerEnvironment = Object.fromEntries(Object.entries(variables).filter((entry): entry is [string, string] => typeof entry[1] === 'string'));
  const maxConcurrency = (mapping.ScalingConfig as { MaximumConcurrency?: number } | undefined)?.MaximumConcurrency;
  return {
    name: 'current',
    authorizerMemoryMb: authorizer.MemorySize as number,
    consumerMemoryMb: consumer.MemorySize as number,
    batchSize: mapping.BatchSize as number,
    windowSeconds: (mapping.MaximumBatchingWindowInSeconds as number | undefined) ?? 0,
    ...(maxConcurrency === undefined ? {} : { maxConcurrency }),
    platformLines,
    accessLogFormat: (stage.AccessLogSettings as { Format: string }).Format,
    alarms: Object.keys(template.findResources('AWS::CloudWatch::Alarm')).length,
    dashboards: Object.keys(template.findResources('AWS::CloudWatch::Dashboard')).length,
    secrets: Object.keys(template.findResources('AWS::SecretsManager::Secret')).length,
    publisher: 'default',
    consumerMetrics: powertoolsMetrics,
    authorizerEnvironment,
    // The consumer's handler always writes them (lambdas/aggregator/handler.ts).
    statistics: true,
  };
}
