/**
 * `AnonymousTracking`: the whole visitor-gate pipeline as one L3 construct that users can put in
 * their own CDK app:
 *
 *   HTTP API ($default -> origin) --authorizer--> SQS (+DLQ) --consumer--> DynamoDB (TTL)
 *
 * plus the cookie signing keys (Secrets Manager, generated at deploy time), alarms and an optional dashboard.
 *
 * ```ts
 * const tracking = new AnonymousTracking(this, 'Tracking', { originUrl: 'https://origin.example.com' });
 * tracking.grantRead(myBackendFunction); // read devices and sessions (lambdas/read-api/device-reader.ts)
 * ```
 */
import { fileURLToPath } from 'node:url';
import { Duration } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import type * as iam from 'aws-cdk-lib/aws-iam';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { DEAD_LETTER_RETENTION_DAYS } from '../lambdas/aggregation/erasure';
import { FIXED_CHOICES, SETTINGS } from '../lambdas/contract/settings';
import { TABLE_KEYS } from '../lambdas/contract/table-layout';
import { AUTHORIZER_ESM_ENTRY, AUTHORIZER_LAZY_MODULES } from './lambda-bundling';
import { FrontDoor } from './front-door';
import { TrackedFunction } from './tracked-function';
import { TrackingAlarms } from './tracking-alarms';
import { TrackingDashboard } from './tracking-dashboard';
import { FORGET_ENDPOINT } from '../lambdas/visitor-rights/forget-endpoint';
import { forgetEnvironment, functionEnvironment, resolveTrackingSettings, type AnonymousTrackingProps, type TrackingSettings } from './tracking-settings';

export type { AnonymousTrackingProps } from './tracking-settings';

const repoRoot = fileURLToPath(new URL('..', import.meta.url));
export const AUTHORIZER_ENTRY = `${repoRoot}lambdas/authorizer/handler.ts`;
export const AGGREGATOR_ENTRY = `${repoRoot}lambdas/aggregator/handler.ts`;
export const FORGET_ENTRY = `${repoRoot}lambdas/visitor-rights/forget-handler.ts`;

/** Consumer Lambda timeout (`npm start`'s default too); the queue's visibility timeout is derived from it. */
export const CONSUMER_TIMEOUT = Duration.seconds(SETTINGS.consumerTimeoutSeconds.default);
/** Authorizer Lambda timeout (see FIXED_CHOICES). */
export const AUTHORIZER_TIMEOUT = Duration.seconds(FIXED_CHOICES.authorizerTimeoutSeconds);
export const MAX_RECEIVE_COUNT = FIXED_CHOICES.maxReceiveCount;
/** Provisioned table (`tableCapacity: provisioned`): the floor and the utilization auto scaling aims at. */
export const MIN_WRITE_CAPACITY = 5;
export const TARGET_WRITE_UTILIZATION_PERCENT = 70;

export class AnonymousTracking extends Construct {
  readonly settings: TrackingSettings;
  readonly table: dynamodb.Table;
  readonly queue: sqs.Queue;
  readonly deadLetterQueue: sqs.Queue;
  readonly signingKeys: secretsmanager.Secret;
  readonly authorizer: TrackedFunction;
  readonly consumer: TrackedFunction;
  /** The "forget me" endpoint's function (`{reservedPrefix}forget`). */
  readonly forget: TrackedFunction;
  readonly frontDoor: FrontDoor;
  readonly alarms: TrackingAlarms;
  /** Present when `dashboard: true`. */
  readonly dashboard?: TrackingDashboard;

  constructor(scope: Construct, id: string, props: AnonymousTrackingProps) {
    super(scope, id);
    const settings = resolveTrackingSettings(props);
    this.settings = settings;

    this.table = new dynamodb.Table(this, 'Table', {
      partitionKey: { name: TABLE_KEYS.partitionKey, type: dynamodb.AttributeType.STRING },
      sortKey: { name: TABLE_KEYS.sortKey, type: dynamodb.AttributeType.STRING },
      timeToLiveAttribute: TABLE_KEYS.ttlAttribute,
      ...(settings.tableCapacity === 'provisioned'
        ? { billingMode: dynamodb.BillingMode.PROVISIONED, readCapacity: 1, writeCapacity: MIN_WRITE_CAPACITY }
        : { billingMode: dynamodb.BillingMode.PAY_PER_REQUEST }),
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      encryption: dynamodb.TableEncryption.AWS_MANAGED,
      removalPolicy: settings.dataRemovalPolicy,
    });

    if (settings.tableCapacity === 'provisioned') {
      // Only the consumer writes, through the queue: a burst above the scaled capacity is throttled,
      // retried by the SDK and, failing that, by the queue, so no page view is lost while scaling catches up.
      this.table
        .autoScaleWriteCapacity({ minCapacity: MIN_WRITE_CAPACITY, maxCapacity: settings.tableMaxWriteCapacity })
        .scaleOnUtilization({ targetUtilizationPercent: TARGET_WRITE_UTILIZATION_PERCENT });
      this.table.autoScaleReadCapacity({ minCapacity: 1, maxCapacity: 100 }).scaleOnUtilization({ targetUtilizationPercent: 70 });
    }

    // Standard queues keep a message's original enqueue time when it moves to the DLQ, so the DLQ
    // keeps messages for the maximum (14 days) to leave time to fix the cause and redrive.
    this.deadLetterQueue = new sqs.Queue(this, 'DeadLetterQueue', {
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(DEAD_LETTER_RETENTION_DAYS),
    });
    const batchingWindow = Duration.seconds(settings.consumerMaxBatchingWindowSeconds);
    this.queue = new sqs.Queue(this, 'PageViewQueue', {
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(4),
      // AWS guidance for Lambda event sources: at least 6x the function timeout plus the batching
      // window, so a message is never redelivered while a retried invocation still holds it.
      visibilityTimeout: Duration.seconds(6 * CONSUMER_TIMEOUT.toSeconds() + batchingWindow.toSeconds()),
      deadLetterQueue: { queue: this.deadLetterQueue, maxReceiveCount: MAX_RECEIVE_COUNT },
    });

    // The key ring the authorizer signs cookies with: {"current":"k1","k1":"<64 random chars>"},
    // generated by Secrets Manager at deploy time, so no key ever appears in the template.
    this.signingKeys = new secretsmanager.Secret(this, 'SigningKeys', {
      description: 'visitor-gate cookie signing key ring: {"current": "<key id>", "<key id>": "<secret>", ...}',
      generateSecretString: {
        secretStringTemplate: JSON.stringify({ current: 'k1' }),
        generateStringKey: 'k1',
        passwordLength: 64,
        excludePunctuation: true,
      },
      removalPolicy: settings.dataRemovalPolicy,
    });

    const common = {
      logRetentionDays: settings.logRetentionDays,
      logLevel: settings.logLevel,
      tracing: settings.tracing,
    };
    this.authorizer = new TrackedFunction(this, 'Authorizer', {
      ...common,
      entry: AUTHORIZER_ENTRY,
      lazyModules: AUTHORIZER_LAZY_MODULES,
      esmEntry: AUTHORIZER_ESM_ENTRY,
      description: 'visitor-gate authorizer: resolves the visitor from the signed cookie and queues page views',
      memorySize: settings.authorizerMemoryMb,
      timeout: AUTHORIZER_TIMEOUT,
    })
      .bindQueueSender(this.queue, SETTINGS.queueUrl.env)
      .bindSecretReader(this.signingKeys, SETTINGS.signingKeysSecretArn.env)
      .setEnvironment(functionEnvironment(settings, 'authorizer'));
    this.bindJwtSecret(settings);

    this.consumer = new TrackedFunction(this, 'Aggregator', {
      ...common,
      entry: AGGREGATOR_ENTRY,
      description: 'visitor-gate aggregator: folds queued page views into devices and sessions',
      memorySize: settings.consumerMemoryMb,
      timeout: CONSUMER_TIMEOUT,
    })
      .bindTableWriter(this.table, SETTINGS.tableName.env)
      .setEnvironment(functionEnvironment(settings, 'consumer'))
      .bindQueueConsumer(this.queue, {
        batchSize: settings.consumerBatchSize,
        maxBatchingWindow: batchingWindow,
        maxConcurrency: settings.consumerMaxConcurrency,
      });

    // Before creating a session no device write vouches for, the consumer reads the device item: an
    // erased device's tombstone refuses it (lambdas/aggregator/dynamodb-session-store.ts).
    this.table.grant(this.consumer.function, 'dynamodb:GetItem');

    // Its own function: the authorizer stays database-free; this one reads the key ring and erases.
    this.forget = new TrackedFunction(this, 'Forget', {
      ...common,
      entry: FORGET_ENTRY,
      description: 'visitor-gate forget endpoint: erases the device of the visitor who asks, and deletes the cookie',
      memorySize: 256,
      timeout: Duration.seconds(FIXED_CHOICES.forgetTimeoutSeconds),
    })
      .bindSecretReader(this.signingKeys, SETTINGS.signingKeysSecretArn.env)
      .bindTableEraser(this.table, SETTINGS.tableName.env)
      .setEnvironment(forgetEnvironment(settings));

    this.frontDoor = new FrontDoor(this, 'FrontDoor', {
      originUrl: settings.originUrl,
      skipPrefixes: settings.skipPrefixes,
      forget: { path: `${settings.reservedPrefix}${FORGET_ENDPOINT}`, handler: this.forget.function },
      authorizer: this.authorizer.function,
      reservedPrefix: settings.reservedPrefix,
      customDomain: settings.customDomain,
      logRetentionDays: settings.logRetentionDays,
    });

    this.alarms = new TrackingAlarms(this, 'Alarms', {
      authorizer: this.authorizer.function,
      consumer: this.consumer.function,
      queue: this.queue,
      deadLetterQueue: this.deadLetterQueue,
      maxMessageAge: Duration.seconds(settings.maxMessageAgeSeconds),
      alarmEmail: settings.alarmEmail,
    });

    if (!settings.dashboard) return;
    this.dashboard = new TrackingDashboard(this, 'Dashboard', {
      api: this.frontDoor.api,
      authorizer: this.authorizer.function,
      consumer: this.consumer.function,
      queue: this.queue,
      deadLetterQueue: this.deadLetterQueue,
      alarms: this.alarms.all,
    });
  }

  /** The URL visitors use (custom domain when configured). */
  get url(): string {
    return this.frontDoor.url;
  }

  /**
   * Lets a user's backend read devices and sessions (`getDevice`, `listRecentDevices` in
   * lambdas/read-api/device-reader.ts): read-only on this one table. Pass the table name yourself.
   */
  grantRead(grantee: iam.IGrantable): iam.Grant {
    return this.table.grantReadData(grantee);
  }

  /**
   * Lets a user's backend serve visitors' rights (lambdas/visitor-rights/device-rights.ts: forgetDevice,
   * forgetUser, exportDevice, exportUser) on this one table; the user variants Scan it.
   */
  grantVisitorRights(grantee: iam.IGrantable): iam.Grant {
    return this.table.grant(grantee, 'dynamodb:Query', 'dynamodb:Scan', 'dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:BatchWriteItem');
  }

  /** The authorizer may read the JWT secret, when one is configured (its other settings are plain variables). */
  private bindJwtSecret(settings: TrackingSettings): void {
    const arn = settings.jwt?.secretArn;
    if (!arn) return;
    // A complete ARN ends in Secrets Manager's 6-character suffix; a partial one needs a wildcard grant.
    const secret = /-[A-Za-z0-9]{6}$/.test(arn)
      ? secretsmanager.Secret.fromSecretCompleteArn(this, 'JwtSecret', arn)
      : secretsmanager.Secret.fromSecretPartialArn(this, 'JwtSecret', arn);
    this.authorizer.bindSecretReader(secret, SETTINGS.jwtSecretArn.env);
  }
}
