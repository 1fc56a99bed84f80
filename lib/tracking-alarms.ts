/**
 * Alarms that say "page views are being lost or delayed", all sent to one SNS topic (optionally
 * with an e-mail subscription). Missing data is "not breaching": a quiet site is not an incident.
 */
import { Duration } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import * as sns from 'aws-cdk-lib/aws-sns';
import { EmailSubscription } from 'aws-cdk-lib/aws-sns-subscriptions';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { REPLAY_MARKER } from '../lambdas/contract/replay-record';
import { visitorGateMetric } from './tracking-metrics';

export interface TrackingAlarmsProps {
  readonly authorizer: IFunction;
  readonly consumer: IFunction;
  readonly queue: IQueue;
  readonly deadLetterQueue: IQueue;
  /** Alarm when the oldest queued page view waits longer than this. */
  readonly maxMessageAge: Duration;
  readonly alarmEmail?: string;
}

export class TrackingAlarms extends Construct {
  readonly topic: sns.Topic;
  readonly deadLetterMessages: cloudwatch.Alarm;
  readonly consumerErrors: cloudwatch.Alarm;
  readonly oldestMessageAge: cloudwatch.Alarm;
  readonly authorizerErrors: cloudwatch.Alarm;
  readonly authorizerHandledErrors: cloudwatch.Alarm;
  readonly authorizerThrottles: cloudwatch.Alarm;
  readonly publishFailures: cloudwatch.Alarm;
  readonly statisticsWriteFailures: cloudwatch.Alarm;

  constructor(scope: Construct, id: string, props: TrackingAlarmsProps) {
    super(scope, id);

    this.topic = new sns.Topic(this, 'AlarmTopic', {
      displayName: 'visitor-gate alarms',
      enforceSSL: true,
    });
    if (props.alarmEmail) this.topic.addSubscription(new EmailSubscription(props.alarmEmail));

    const fiveMinutes = Duration.minutes(5);
    const atLeastOne = (id: string, metric: cloudwatch.IMetric, description: string) =>
      this.alarm(id, metric, description, 1, cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD);

    this.deadLetterMessages = this.alarm(
      'DeadLetterMessages',
      props.deadLetterQueue.metricApproximateNumberOfMessagesVisible({ period: fiveMinutes, statistic: 'Maximum' }),
      'Messages in the dead-letter queue: the consumer failed them 5 times. Fix the cause, then redrive (they are kept 14 days).',
      0,
      cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
    );
    this.consumerErrors = atLeastOne(
      'ConsumerErrors',
      props.consumer.metricErrors({ period: fiveMinutes }),
      'The consumer Lambda failed invocations (whole batches return to the queue).',
    );
    this.oldestMessageAge = this.alarm(
      'OldestMessageAge',
      props.queue.metricApproximateAgeOfOldestMessage({ period: fiveMinutes, statistic: 'Maximum' }),
      `Page views wait in the queue longer than ${props.maxMessageAge.toSeconds()} s: the consumer is failing or too slow.`,
      props.maxMessageAge.toSeconds(),
      cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
    );
    this.authorizerErrors = atLeastOne(
      'AuthorizerErrors',
      props.authorizer.metricErrors({ period: fiveMinutes }),
      'The authorizer Lambda failed (visitors may have received 500s from the front door).',
    );
    // The authorizer catches its own errors (a visitor must never get a 500), so Lambda's Errors
    // metric only sees cold-start failures and timeouts; caught errors are counted here.
    this.authorizerHandledErrors = atLeastOne(
      'AuthorizerHandledErrors',
      visitorGateMetric('AuthorizerErrors', { period: fiveMinutes }),
      'The authorizer hit unexpected errors and let requests through without identity (see its logs).',
    );
    this.authorizerThrottles = atLeastOne(
      'AuthorizerThrottles',
      props.authorizer.metricThrottles({ period: fiveMinutes }),
      'The authorizer Lambda was throttled (account concurrency limit?): visitors received errors.',
    );
    this.publishFailures = atLeastOne(
      'PublishFailures',
      visitorGateMetric('PublishFailures', { period: fiveMinutes }),
      `The authorizer could not send page views to SQS. They are in its logs (replayMarker ${REPLAY_MARKER}): run \`npm run replay -- <log file>\`.`,
    );
    this.statisticsWriteFailures = atLeastOne(
      'StatisticsWriteFailures',
      visitorGateMetric('StatisticsWriteFailures', { period: fiveMinutes }),
      'The consumer could not update the daily statistics (the sessions are counted). The missing counts are in its logs ("statistics update failed").',
    );
  }

  /** Every alarm, for dashboards and tests. */
  get all(): cloudwatch.Alarm[] {
    return [
      this.deadLetterMessages,
      this.consumerErrors,
      this.oldestMessageAge,
      this.authorizerErrors,
      this.authorizerHandledErrors,
      this.authorizerThrottles,
      this.publishFailures,
      this.statisticsWriteFailures,
    ];
  }

  private alarm(
    id: string,
    metric: cloudwatch.IMetric,
    description: string,
    threshold: number,
    comparisonOperator: cloudwatch.ComparisonOperator,
  ): cloudwatch.Alarm {
    const alarm = new cloudwatch.Alarm(this, id, {
      metric,
      threshold,
      comparisonOperator,
      evaluationPeriods: 1,
      datapointsToAlarm: 1,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      alarmDescription: `visitor-gate: ${description}`,
    });
    const action = new SnsAction(this.topic);
    alarm.addAlarmAction(action);
    alarm.addOkAction(action);
    return alarm;
  }
}
