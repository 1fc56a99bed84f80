import { Match, type Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { CONSUMER_TIMEOUT, MAX_RECEIVE_COUNT, MIN_WRITE_CAPACITY, TARGET_WRITE_UTILIZATION_PERCENT } from '../../lib/anonymous-tracking';
import { TRACKING_DEFAULTS } from '../../lib/tracking-settings';
import { TABLE_KEYS } from '../../lambdas/contract/table-layout';
import { resourceIdStartingWith, synthesize } from '../../harness/stack-fixture';

type Resource = { Properties: Record<string, unknown>; DeletionPolicy?: string; UpdateReplacePolicy?: string };

let template: Template;
let queueId: string;
let dlqId: string;

beforeAll(() => {
  ({ template } = synthesize());
  queueId = resourceIdStartingWith(template, 'AWS::SQS::Queue', 'TrackingPageViewQueue');
  dlqId = resourceIdStartingWith(template, 'AWS::SQS::Queue', 'TrackingDeadLetterQueue');
});

function resource(type: string, id: string): Resource {
  return template.findResources(type)[id] as Resource;
}

describe('the page-view queue', () => {
  it('redrives to the dead-letter queue after 5 receives', () => {
    expect(MAX_RECEIVE_COUNT).toBe(5);
    expect(resource('AWS::SQS::Queue', queueId).Properties.RedrivePolicy).toEqual({
      deadLetterTargetArn: { 'Fn::GetAtt': [dlqId, 'Arn'] },
      maxReceiveCount: 5,
    });
  });

  it('keeps dead letters 14 days (the SQS maximum) so there is time to redrive', () => {
    expect(resource('AWS::SQS::Queue', dlqId).Properties.MessageRetentionPeriod).toBe(14 * 24 * 3600);
  });

  it('has a visibility timeout of at least 6x the consumer timeout', () => {
    const consumerId = resourceIdStartingWith(template, 'AWS::Lambda::Function', 'TrackingAggregatorFunction');
    const consumerTimeout = resource('AWS::Lambda::Function', consumerId).Properties.Timeout as number;
    expect(consumerTimeout).toBe(CONSUMER_TIMEOUT.toSeconds());
    const visibility = resource('AWS::SQS::Queue', queueId).Properties.VisibilityTimeout as number;
    expect(visibility).toBeGreaterThanOrEqual(6 * consumerTimeout);
  });

  it('both queues use server-side encryption and refuse non-TLS requests', () => {
    for (const id of [queueId, dlqId]) {
      expect(resource('AWS::SQS::Queue', id).Properties.SqsManagedSseEnabled, id).toBe(true);
      template.hasResourceProperties('AWS::SQS::QueuePolicy', {
        Queues: [{ Ref: id }],
        PolicyDocument: {
          Statement: Match.arrayWith([
            Match.objectLike({
              Effect: 'Deny',
              Action: 'sqs:*',
              Condition: { Bool: { 'aws:SecureTransport': 'false' } },
            }),
          ]),
        },
      });
    }
  });
});

describe('the consumer event source mapping', () => {
  it('reports partial batch failures, batches by a window of the default size and sets no maximum concurrency', () => {
    template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      EventSourceArn: { 'Fn::GetAtt': [queueId, 'Arn'] },
      FunctionResponseTypes: ['ReportBatchItemFailures'],
      BatchSize: TRACKING_DEFAULTS.consumerBatchSize,
      MaximumBatchingWindowInSeconds: TRACKING_DEFAULTS.consumerMaxBatchingWindowSeconds,
      // With a maximum concurrency Lambda keeps at least 5 pollers; without, it can go down to 2.
      ScalingConfig: Match.absent(),
    });
    // A window long enough that a session's views can share a batch, and a batch size it does not cap first.
    expect(TRACKING_DEFAULTS.consumerMaxBatchingWindowSeconds).toBeGreaterThanOrEqual(30);
    expect(TRACKING_DEFAULTS.consumerBatchSize).toBeGreaterThan(100);
  });

  it('follows consumerBatchSize, consumerMaxBatchingWindowSeconds and consumerMaxConcurrency', () => {
    const custom = synthesize({ consumerBatchSize: 500, consumerMaxBatchingWindowSeconds: 20, consumerMaxConcurrency: 12 }).template;
    custom.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      BatchSize: 500,
      MaximumBatchingWindowInSeconds: 20,
      ScalingConfig: { MaximumConcurrency: 12 },
      FunctionResponseTypes: ['ReportBatchItemFailures'],
    });
    // The batching window adds to the visibility timeout, so a full window never causes redelivery.
    const queue = Object.values(custom.findResources('AWS::SQS::Queue')).find(
      (q) => (q as Resource).Properties.RedrivePolicy !== undefined,
    ) as Resource;
    expect(queue.Properties.VisibilityTimeout).toBe(6 * CONSUMER_TIMEOUT.toSeconds() + 20);
  });

  it('lets the authorizer hold a view for a fifteenth of the batching window, 20 s by default', () => {
    const holdOf = (t: typeof template) =>
      Object.values(t.findResources('AWS::Lambda::Function'))
        .map((fn) => ((fn as Resource).Properties.Environment as { Variables?: Record<string, string> } | undefined)?.Variables?.PAGE_VIEW_HOLD_MS)
        .filter((value) => value !== undefined);
    expect(holdOf(template)).toEqual(['20000']);
    expect(holdOf(synthesize({ consumerMaxBatchingWindowSeconds: 30 }).template)).toEqual(['2000']);
  });
});

describe('the table', () => {
  it('can use provisioned capacity with write auto scaling instead (tableCapacity: provisioned)', () => {
    const provisioned = synthesize({ tableCapacity: 'provisioned', tableMaxWriteCapacity: 300 }).template;
    provisioned.hasResourceProperties('AWS::DynamoDB::Table', {
      BillingMode: Match.absent(),
      ProvisionedThroughput: { ReadCapacityUnits: 1, WriteCapacityUnits: MIN_WRITE_CAPACITY },
    });
    provisioned.hasResourceProperties('AWS::ApplicationAutoScaling::ScalableTarget', {
      ScalableDimension: 'dynamodb:table:WriteCapacityUnits',
      MinCapacity: MIN_WRITE_CAPACITY,
      MaxCapacity: 300,
    });
    provisioned.hasResourceProperties('AWS::ApplicationAutoScaling::ScalingPolicy', {
      TargetTrackingScalingPolicyConfiguration: Match.objectLike({
        TargetValue: TARGET_WRITE_UTILIZATION_PERCENT,
        PredefinedMetricSpecification: { PredefinedMetricType: 'DynamoDBWriteCapacityUtilization' },
      }),
    });
    template.resourceCountIs('AWS::ApplicationAutoScaling::ScalableTarget', 0);
  });

  it('uses the shared key layout, on-demand billing, TTL, PITR and encryption', () => {
    template.hasResourceProperties('AWS::DynamoDB::Table', {
      KeySchema: [
        { AttributeName: TABLE_KEYS.partitionKey, KeyType: 'HASH' },
        { AttributeName: TABLE_KEYS.sortKey, KeyType: 'RANGE' },
      ],
      AttributeDefinitions: Match.arrayWith([
        { AttributeName: 'pk', AttributeType: 'S' },
        { AttributeName: 'sk', AttributeType: 'S' },
      ]),
      BillingMode: 'PAY_PER_REQUEST',
      TimeToLiveSpecification: { AttributeName: 'expiresAt', Enabled: true },
      PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
      SSESpecification: { SSEEnabled: true },
      GlobalSecondaryIndexes: Match.absent(),
    });
  });

  it('and the signing-key secret are retained on stack deletion by default, deleted with dataRemovalPolicy=destroy', () => {
    template.hasResource('AWS::DynamoDB::Table', { DeletionPolicy: 'Retain', UpdateReplacePolicy: 'Retain' });
    template.hasResource('AWS::SecretsManager::Secret', { DeletionPolicy: 'Retain' });
    const destroy = synthesize({ dataRemovalPolicy: 'destroy' }).template;
    destroy.hasResource('AWS::DynamoDB::Table', { DeletionPolicy: 'Delete' });
    destroy.hasResource('AWS::SecretsManager::Secret', { DeletionPolicy: 'Delete' });
  });
});

describe('operations extras', () => {
  it('add no dashboard ($3 a month each beyond 3 per account) unless dashboard: true', () => {
    template.resourceCountIs('AWS::CloudWatch::Dashboard', 0);
    expect(Object.keys(template.findOutputs('DashboardUrl'))).toEqual([]);
  });
});

describe('the signing keys', () => {
  it('are generated by Secrets Manager at deploy time in the flat key-ring shape, never written in the template', () => {
    template.hasResourceProperties('AWS::SecretsManager::Secret', {
      GenerateSecretString: {
        SecretStringTemplate: '{"current":"k1"}',
        GenerateStringKey: 'k1',
        PasswordLength: 64,
        ExcludePunctuation: true,
      },
      SecretString: Match.absent(),
    });
  });

  it('reach the authorizer only as an ARN', () => {
    const secretId = resourceIdStartingWith(template, 'AWS::SecretsManager::Secret', 'TrackingSigningKeys');
    template.hasResourceProperties('AWS::Lambda::Function', {
      Environment: { Variables: Match.objectLike({ SIGNING_KEYS_SECRET_ARN: { Ref: secretId }, SIGNING_KEYS: Match.absent() }) },
    });
  });
});
