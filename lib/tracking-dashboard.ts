/**
 * One CloudWatch dashboard for the whole pipeline: traffic, latency, new devices, skips by reason,
 * queue depth and errors, so an operator sees the flow from front door to table on one page.
 */
import { Aws, Duration } from 'aws-cdk-lib';
import type { HttpApi } from 'aws-cdk-lib/aws-apigatewayv2';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { SKIP_REASONS, visitorGateMetric } from './tracking-metrics';

export interface TrackingDashboardProps {
  readonly api: HttpApi;
  readonly authorizer: IFunction;
  readonly consumer: IFunction;
  readonly queue: IQueue;
  readonly deadLetterQueue: IQueue;
  readonly alarms: readonly cloudwatch.IAlarm[];
}

export class TrackingDashboard extends Construct {
  readonly dashboard: cloudwatch.Dashboard;

  constructor(scope: Construct, id: string, props: TrackingDashboardProps) {
    super(scope, id);
    const period = Duration.minutes(5);
    const graph = (title: string, left: cloudwatch.IMetric[], width = 8) =>
      new cloudwatch.GraphWidget({ title, left, width, height: 6, period });

    this.dashboard = new cloudwatch.Dashboard(this, 'Dashboard', {
      defaultInterval: Duration.hours(24),
    });
    this.dashboard.addWidgets(
      graph('Traffic', [
        props.api.metricCount({ period, label: 'Front-door requests' }),
        visitorGateMetric('TrackedPageViews', { label: 'Tracked page views' }),
        visitorGateMetric('AggregatedPageViews', { label: 'Aggregated page views' }),
      ]),
      graph('New devices and sessions', [
        visitorGateMetric('NewDevices', { label: 'New devices' }),
        visitorGateMetric('NewSessions', { label: 'New sessions' }),
      ]),
      graph(
        'Skipped requests by reason',
        SKIP_REASONS.map((reason) => visitorGateMetric('SkippedRequests', { dimensions: { reason }, label: reason })),
      ),
    );
    this.dashboard.addWidgets(
      graph('Front-door latency (ms)', [
        props.api.metricLatency({ period, statistic: 'p50', label: 'API p50' }),
        props.api.metricLatency({ period, statistic: 'p99', label: 'API p99' }),
        props.api.metricIntegrationLatency({ period, statistic: 'p99', label: 'Origin p99' }),
      ]),
      graph('Authorizer duration (ms)', [
        props.authorizer.metricDuration({ period, statistic: 'p50', label: 'p50' }),
        props.authorizer.metricDuration({ period, statistic: 'p99', label: 'p99' }),
      ]),
      graph('Queue depth', [
        props.queue.metricApproximateNumberOfMessagesVisible({ period, statistic: 'Maximum', label: 'Queued' }),
        props.deadLetterQueue.metricApproximateNumberOfMessagesVisible({ period, statistic: 'Maximum', label: 'Dead letters' }),
        props.queue.metricApproximateAgeOfOldestMessage({ period, statistic: 'Maximum', label: 'Oldest (s)' }),
      ]),
    );
    this.dashboard.addWidgets(
      graph('Errors', [
        props.authorizer.metricErrors({ period, label: 'Authorizer errors' }),
        visitorGateMetric('AuthorizerErrors', { label: 'Authorizer caught errors' }),
        props.authorizer.metricThrottles({ period, label: 'Authorizer throttles' }),
        props.consumer.metricErrors({ period, label: 'Consumer errors' }),
        props.api.metricServerError({ period, label: 'Front-door 5xx' }),
        visitorGateMetric('PublishFailures', { label: 'Publish failures' }),
        visitorGateMetric('FailedRecords', { label: 'Failed records' }),
      ], 12),
      graph('Bad input', [
        visitorGateMetric('InvalidCookies', { label: 'Invalid cookies' }),
        visitorGateMetric('InvalidMessages', { label: 'Invalid messages' }),
        visitorGateMetric('RejectedMessages', { label: 'Rejected messages (timestamp, session limit)' }),
        visitorGateMetric('DuplicatePageViews', { label: 'Duplicates dropped' }),
      ], 6),
      new cloudwatch.AlarmStatusWidget({ title: 'Alarms', alarms: [...props.alarms], width: 6, height: 6 }),
    );
  }

  /** Console link for the stack output. */
  get url(): string {
    return `https://${Aws.REGION}.console.aws.amazon.com/cloudwatch/home?region=${Aws.REGION}#dashboards:name=${this.dashboard.dashboardName}`;
  }
}
