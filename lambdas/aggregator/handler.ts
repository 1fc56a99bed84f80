/**
 * The consumer Lambda: SQS event source mapping batches in, partial batch response out
 * (`ReportBatchItemFailures`). Thin: it adapts the event and delegates to `aggregateBatch`.
 */
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import middy from '@middy/core';
import type { Context, SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { aggregateBatch, type BatchAggregatorDeps } from './batch-aggregator';
import { loadAggregatorConfig } from './config';
import { createDynamoClient, documentClientOf } from './dynamodb-client';
import { createDynamoSessionStore } from './dynamodb-session-store';
import { createDynamoStatisticsStore } from './dynamodb-statistics-store';
import { observabilityNames } from '../observability/names';
import { createLogger, createMetrics } from '../observability/powertools';
import { powertoolsMetrics, type AggregatorMetrics } from './telemetry';

export interface AggregatorDeps extends BatchAggregatorDeps {
  metrics: AggregatorMetrics;
}

export type AggregatorHandler = (event: SQSEvent, context?: Context) => Promise<SQSBatchResponse>;

/**
 * Time kept back from the function timeout: writes still running then are aborted and their records
 * reported failed, so the invocation answers (and flushes its metrics) instead of timing out, which
 * would make SQS retry the whole batch.
 */
export const DEADLINE_MARGIN_MS = 2_000;

/** The statistics update, after the item writes, may use this much of the margin. */
const STATISTICS_MARGIN_MS = 1_500;

/** Aborts at the Lambda deadline less `margin`; undefined without a Lambda context (tests, scripts). */
function deadlineSignal(context: Context | undefined, margin: number): AbortSignal | undefined {
  if (typeof context?.getRemainingTimeInMillis !== 'function') return undefined;
  return AbortSignal.timeout(Math.max(0, context.getRemainingTimeInMillis() - margin));
}

export function createAggregatorHandler(deps: AggregatorDeps): AggregatorHandler {
  return async (event, context) => {
    const records = event.Records.map((record) => ({ recordId: record.messageId, body: record.body }));
    const outcome = await aggregateBatch(records, deps, deadlineSignal(context, DEADLINE_MARGIN_MS), deadlineSignal(context, DEADLINE_MARGIN_MS - STATISTICS_MARGIN_MS));
    deps.metrics.publish(outcome.counts);
    if (outcome.failedRecordIds.length > 0) {
      deps.logger.warn('batch partly failed', { records: records.length, failed: outcome.failedRecordIds.length });
    }
    return { batchItemFailures: outcome.failedRecordIds.map((itemIdentifier) => ({ itemIdentifier })) };
  };
}

// Created once per execution environment (timeouts and retries: see dynamodb-client.ts).
const documentClient = documentClientOf(createDynamoClient());

let defaultHandler: AggregatorHandler | undefined;

/** Reads and validates the configuration on the first invocation (a bad setting fails the cold start). */
function buildDefaultHandler(): AggregatorHandler {
  const config = loadAggregatorConfig(process.env);
  const names = observabilityNames(process.env);
  const logger = createLogger(names);
  const metrics = createMetrics(names);
  const store = createDynamoSessionStore({
    client: documentClient,
    tableName: config.tableName,
    retentionDays: config.retentionDays,
    timeZone: config.statsTimeZone,
  });
  const statistics = {
    store: createDynamoStatisticsStore({ client: documentClient, tableName: config.tableName, retentionMonths: config.statsRetentionMonths }),
    timeZone: config.statsTimeZone,
  };
  // Powertools' middlewares add the Lambda context to every log record and flush the metrics after
  // each invocation, also when it throws. No cold-start metric: Powertools writes it as a second EMF
  // line, and Lambda's own Init Duration already shows cold starts; one metric line per invocation.
  const wrapped = middy(createAggregatorHandler({ store, statistics, logger, metrics: powertoolsMetrics(metrics) }))
    .use(injectLambdaContext(logger))
    .use(logMetrics(metrics));
  // Lambda always passes a context; direct callers (tests, scripts) may not, and middy defaults it to {}.
  return (event, context) => wrapped(event, context ?? ({} as Context));
}

export const handler: AggregatorHandler = async (event, context) => {
  defaultHandler ??= buildDefaultHandler();
  return defaultHandler(event, context);
};
