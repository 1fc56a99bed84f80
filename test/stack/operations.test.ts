import { Annotations, Match, type Template } from 'aws-cdk-lib/assertions';
import { Secret } from 'aws-cdk-lib/aws-secretsmanager';
import { AwsSolutionsChecks } from 'cdk-nag';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildStack, resourceIdStartingWith, synthesize } from '../../harness/stack-fixture';

type Resource = { Properties: Record<string, unknown>; Metadata?: Record<string, unknown> };

let template: Template;
let stackOfTemplate: ReturnType<typeof synthesize>['stack'];
let queueId: string;
let dlqId: string;
let authorizerId: string;
let consumerId: string;

beforeAll(() => {
  ({ template, stack: stackOfTemplate } = synthesize({ alarmEmail: 'ops@example.com', dashboard: true }));
  queueId = resourceIdStartingWith(template, 'AWS::SQS::Queue', 'TrackingPageViewQueue');
  dlqId = resourceIdStartingWith(template, 'AWS::SQS::Queue', 'TrackingDeadLetterQueue');
  authorizerId = resourceIdStartingWith(template, 'AWS::Lambda::Function', 'TrackingAuthorizerFunction');
  consumerId = resourceIdStartingWith(template, 'AWS::Lambda::Function', 'TrackingAggregatorFunction');
});

function fn(id: string): Resource {
  return template.findResources('AWS::Lambda::Function')[id] as Resource;
}

describe('both functions', () => {
  it('run Node.js 24 on arm64 with Powertools settings, their own log group and retention', () => {
    for (const id of [authorizerId, consumerId]) {
      const props = fn(id).Properties;
      expect(props.Runtime).toBe('nodejs24.x');
      expect(props.Architectures).toEqual(['arm64']);
      // The authorizer's entry is the ES module that registers its after-response extension.
      expect(props.Handler).toBe(id === authorizerId ? 'lambda-entry.handler' : 'index.handler');
      expect((props.Environment as { Variables: Record<string, unknown> }).Variables).toMatchObject({
        POWERTOOLS_SERVICE_NAME: 'visitor-gate',
        POWERTOOLS_METRICS_NAMESPACE: 'VisitorGate',
        POWERTOOLS_LOG_LEVEL: 'INFO',
      });
      // JSON logs filtered by level: no START/END/REPORT lines; INFO keeps the EMF metric lines.
      expect(props.LoggingConfig).toMatchObject({ LogFormat: 'JSON', SystemLogLevel: 'WARN', ApplicationLogLevel: 'INFO' });
      const logGroupRef = (props.LoggingConfig as { LogGroup: { Ref: string } }).LogGroup.Ref;
      expect(template.findResources('AWS::Logs::LogGroup')[logGroupRef]).toMatchObject({ Properties: { RetentionInDays: 30 } });
    }
  });

  it('carry the asset metadata SAM CLI uses to find their bundles', () => {
    for (const id of [authorizerId, consumerId]) {
      expect(fn(id).Metadata).toMatchObject({
        'aws:asset:path': expect.stringMatching(/^asset\.[0-9a-f]{64}$/),
        'aws:asset:property': 'Code',
        'aws:asset:is-bundled': true,
      });
    }
  });

  it('get the contract environment variables', () => {
    const authorizerEnv = (fn(authorizerId).Properties.Environment as { Variables: Record<string, unknown> }).Variables;
    expect(authorizerEnv).toMatchObject({
      QUEUE_URL: { Ref: queueId },
      COOKIE_NAME: '__Host-device_fp',
      COOKIE_MAX_AGE_SECONDS: '2592000',
      COOKIE_RENEWAL: 'sliding',
      SKIP_PREFIXES: '/static/,/media/,/health/,/favicon.ico,/robots.txt',
      UNTRACKED_PREFIXES: '/api/',
      SESSION_TIMEOUT_SECONDS: '1800',
      SESSION_MAX_SECONDS: '86400',
      HONOR_PRIVACY_SIGNALS: 'true',
    });
    expect(authorizerEnv.COOKIE_DOMAIN).toBeUndefined();
    const consumerEnv = (fn(consumerId).Properties.Environment as { Variables: Record<string, unknown> }).Variables;
    expect(consumerEnv).toMatchObject({
      TABLE_NAME: { Ref: resourceIdStartingWith(template, 'AWS::DynamoDB::Table', 'TrackingTable') },
      RETENTION_DAYS: '30',
    });
  });
});

describe('alarms', () => {
  const alarm = (props: Record<string, unknown>) =>
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      ...props,
      TreatMissingData: 'notBreaching',
      AlarmActions: [Match.objectLike({ Ref: Match.stringLikeRegexp('AlarmTopic') })],
    });

  it('fire on any dead-letter message', () => {
    alarm({
      Namespace: 'AWS/SQS',
      MetricName: 'ApproximateNumberOfMessagesVisible',
      Dimensions: [{ Name: 'QueueName', Value: { 'Fn::GetAtt': [dlqId, 'QueueName'] } }],
      ComparisonOperator: 'GreaterThanThreshold',
      Threshold: 0,
    });
  });

  it('fire when the oldest queued page view is too old', () => {
    alarm({
      Namespace: 'AWS/SQS',
      MetricName: 'ApproximateAgeOfOldestMessage',
      Dimensions: [{ Name: 'QueueName', Value: { 'Fn::GetAtt': [queueId, 'QueueName'] } }],
      ComparisonOperator: 'GreaterThanThreshold',
      Threshold: 900,
    });
  });

  it('fire on consumer errors, authorizer errors and authorizer throttles', () => {
    for (const [functionId, metricName] of [
      [consumerId, 'Errors'],
      [authorizerId, 'Errors'],
      [authorizerId, 'Throttles'],
    ] as const) {
      alarm({
        Namespace: 'AWS/Lambda',
        MetricName: metricName,
        Dimensions: [{ Name: 'FunctionName', Value: { Ref: functionId } }],
        ComparisonOperator: 'GreaterThanOrEqualToThreshold',
        Threshold: 1,
      });
    }
  });

  it('fire on the PublishFailures, caught AuthorizerErrors and StatisticsWriteFailures metrics of the visitor-gate service', () => {
    for (const metricName of ['PublishFailures', 'AuthorizerErrors', 'StatisticsWriteFailures']) {
      alarm({
        Namespace: 'VisitorGate',
        MetricName: metricName,
        Dimensions: [{ Name: 'service', Value: 'visitor-gate' }],
        Statistic: 'Sum',
        ComparisonOperator: 'GreaterThanOrEqualToThreshold',
        Threshold: 1,
      });
    }
  });

  it('notify an e-mail subscription over a TLS-only topic when alarmEmail is set', () => {
    template.hasResourceProperties('AWS::SNS::Subscription', { Protocol: 'email', Endpoint: 'ops@example.com' });
    template.hasResourceProperties('AWS::SNS::TopicPolicy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
        ]),
      },
    });
  });
});

describe('the dashboard', () => {
  it('shows traffic, latency, new devices, skips by reason, queue depth and errors', () => {
    const dashboard = Object.values(template.findResources('AWS::CloudWatch::Dashboard'))[0] as Resource;
    const body = JSON.stringify(dashboard.Properties.DashboardBody);
    for (const title of ['Traffic', 'latency', 'New devices', 'Skipped requests by reason', 'Queue depth', 'Errors']) {
      expect(body).toContain(title);
    }
    for (const metric of ['NewDevices', 'SkippedRequests', 'ApproximateNumberOfMessagesVisible', 'PublishFailures', 'Latency', 'Count']) {
      expect(body).toContain(metric);
    }
    for (const reason of ['bot', 'privacy_signal', 'skip_path', 'untracked_path']) expect(body).toContain(reason);
  });
});

describe('outputs', () => {
  it('give the front-door URL, table name, queue URLs and dashboard URL', () => {
    template.hasOutput('FrontDoorUrl', { Value: { 'Fn::Join': ['', [{ 'Fn::GetAtt': [Match.stringLikeRegexp('HttpApi'), 'ApiEndpoint'] }, '/']] } });
    template.hasOutput('TableName', { Value: { Ref: Match.stringLikeRegexp('^TrackingTable') } });
    template.hasOutput('QueueUrl', { Value: { Ref: queueId } });
    template.hasOutput('DeadLetterQueueUrl', { Value: { Ref: dlqId } });
    template.hasOutput('AuthorizerFunctionName', { Value: { Ref: authorizerId } });
    template.hasOutput('DashboardUrl', { Value: { 'Fn::Join': ['', Match.arrayWith([Match.stringLikeRegexp('cloudwatch/home')])] } });
  });
});

describe('cdk-nag AwsSolutions checks', () => {
  it('leave no CDK warning or error annotation on the stack', () => {
    const annotations = Annotations.fromStack(stackOfTemplate);
    expect([...annotations.findWarning('*', Match.anyValue()), ...annotations.findError('*', Match.anyValue())]).toEqual([]);
  });

  it('report no unacknowledged finding, with every optional feature on', () => {
    const { app } = buildStack({
      alarmEmail: 'ops@example.com',
      tracing: true,
      domainName: 'www.example.com',
      certificateArn: 'arn:aws:acm:us-east-1:123456789012:certificate/1234abcd-12ab-34cd-56ef-1234567890ab',
      jwtSecretArn: 'arn:aws:secretsmanager:us-east-1:123456789012:secret:jwt-signing',
      jwtIssuer: 'https://id.example.com/',
      cookieDomain: '.example.com',
    });
    const report = new AwsSolutionsChecks().validateScope(app);
    expect(report.violations.map((v) => `${v.ruleName}: ${v.violatingResources.map((r) => r.constructPath).join(', ')}`)).toEqual([]);
    expect(report.success).toBe(true);
  });

  it('do find problems (the check is live): an unacknowledged secret without rotation is reported', () => {
    const { app, stack } = buildStack();
    // A second secret that nobody acknowledged.
    new Secret(stack, 'Stray');
    const report = new AwsSolutionsChecks().validateScope(app);
    expect(report.violations.map((v) => v.ruleName)).toContain('AwsSolutions-SMG4');
  });
});
