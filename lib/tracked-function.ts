/**
 * The one way this project builds a Lambda function: Node.js 24 on arm64, bundled locally with esbuild
 * (never Docker, so `cdk synth` works offline) into CommonJS with the AWS SDK v3 inside (settings in
 * `lambda-bundling.ts`: `index.js`, plus one file per lazy module), its own log group with retention,
 * Powertools environment, and a role that starts with nothing but writing to that log group.
 *
 * Access is added only through `bind*` helpers, each setting the environment variable the handler
 * reads AND the matching least-privilege grant, so a function never has an env var without the
 * permission to use it, or a permission it has no env var for.
 */
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import type { ITable } from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import { NodejsFunction, OutputFormat, SourceMapMode, type ICommandHooks } from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import type { ISecret } from 'aws-cdk-lib/aws-secretsmanager';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { SETTINGS } from '../lambdas/contract/settings';
import {
  ESBUILD_EXTRA_ARGS,
  LAMBDA_ESBUILD_OPTIONS,
  LAMBDA_NODE_OPTIONS,
  esbuildCliFlags,
  handlerSetting,
  lazyModuleFile,
  lazyModuleSource,
} from './lambda-bundling';
import { METRICS_NAMESPACE, SERVICE_NAME } from '../lambdas/observability/names';


export interface TrackedFunctionProps {
  /** Absolute path of the handler module (exports `handler`). */
  readonly entry: string;
  readonly description: string;
  readonly memorySize: number;
  readonly timeout: Duration;
  readonly logRetentionDays: number;
  readonly logLevel: 'DEBUG' | 'INFO' | 'WARN' | 'ERROR';
  readonly tracing: boolean;
  /** Removal policy of the log group; logs are operational data, so DESTROY by default. */
  readonly logRemovalPolicy?: RemovalPolicy;
  /** Modules the handler imports dynamically that ship as separate files (see `lambda-bundling.ts`). */
  readonly lazyModules?: readonly string[];
  /** An ES module beside `entry` that is copied beside index.js and becomes the handler's file. */
  readonly esmEntry?: string;
}

export interface QueueConsumerOptions {
  readonly batchSize: number;
  readonly maxBatchingWindow: Duration;
  readonly maxConcurrency?: number;
}

const quote = (arg: string) => `'${arg.replaceAll("'", `'\\''`)}'`;

/** The esbuild executable NodejsFunction's local bundling uses too (this project's own dependency). */
const esbuildExecutable = () => join(dirname(createRequire(import.meta.url).resolve('esbuild/package.json')), 'bin', 'esbuild');

/**
 * After NodejsFunction has written index.js, bundle each lazy module beside it with the same settings,
 * and copy the ES-module entry if there is one.
 */
function afterBundlingHooks(entry: string, lazyModules: readonly string[], esmEntry: string | undefined): ICommandHooks {
  return {
    beforeBundling: () => [],
    beforeInstall: () => [],
    afterBundling: (_inputDir, outputDir) => [
      ...lazyModules.map((specifier) =>
        [esbuildExecutable(), lazyModuleSource(entry, specifier), ...esbuildCliFlags(join(outputDir, lazyModuleFile(specifier)))].map(quote).join(' '),
      ),
      ...(esmEntry === undefined ? [] : [['cp', join(dirname(entry), esmEntry), join(outputDir, esmEntry)].map(quote).join(' ')]),
    ],
  };
}

export class TrackedFunction extends Construct {
  readonly function: NodejsFunction;
  readonly role: iam.Role;
  readonly logGroup: logs.LogGroup;

  constructor(scope: Construct, id: string, props: TrackedFunctionProps) {
    super(scope, id);

    this.logGroup = new logs.LogGroup(this, 'Logs', {
      retention: props.logRetentionDays as logs.RetentionDays,
      removalPolicy: props.logRemovalPolicy ?? RemovalPolicy.DESTROY,
    });

    // An explicit role instead of AWSLambdaBasicExecutionRole: logs only to its own group.
    this.role = new iam.Role(this, 'Role', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: `${props.description} (least privilege)`,
    });
    this.logGroup.grantWrite(this.role);

    const lazyModules = props.lazyModules ?? [];
    this.function = new NodejsFunction(this, 'Function', {
      entry: props.entry,
      handler: handlerSetting(props.esmEntry),
      description: props.description,
      runtime: lambda.Runtime.NODEJS_24_X,
      architecture: lambda.Architecture.ARM_64,
      memorySize: props.memorySize,
      timeout: props.timeout,
      role: this.role,
      logGroup: this.logGroup,
      tracing: props.tracing ? lambda.Tracing.ACTIVE : lambda.Tracing.DISABLED,
      // Advanced logging controls: JSON, so Lambda filters by level. System level WARN drops the
      // START/END/REPORT lines of every invocation (about 250 bytes each); the application level keeps
      // INFO, so the EMF metric lines (JSON without a "level" key, which Lambda treats as INFO) survive.
      loggingFormat: lambda.LoggingFormat.JSON,
      systemLogLevelV2: lambda.SystemLogLevel.WARN,
      applicationLogLevelV2: lambda.ApplicationLogLevel[props.logLevel],
      // The handlers create their SDK clients with explicit keep-alive agents and timeouts.
      awsSdkConnectionReuse: false,
      environment: {
        [SETTINGS.serviceName.env]: SERVICE_NAME,
        [SETTINGS.metricsNamespace.env]: METRICS_NAMESPACE,
        // Stack traces point at the TypeScript sources (the bundle ships an external source map).
        NODE_OPTIONS: LAMBDA_NODE_OPTIONS.join(' '),
      },
      bundling: {
        // The settings live in lib/lambda-bundling.ts, shared with `npm run bench:authorizer`.
        forceDockerBundling: false,
        format: LAMBDA_ESBUILD_OPTIONS.format === 'cjs' ? OutputFormat.CJS : OutputFormat.ESM,
        minify: LAMBDA_ESBUILD_OPTIONS.minify,
        target: LAMBDA_ESBUILD_OPTIONS.target,
        mainFields: [...LAMBDA_ESBUILD_OPTIONS.mainFields],
        sourceMap: LAMBDA_ESBUILD_OPTIONS.sourcemap === 'external',
        sourceMapMode: SourceMapMode.EXTERNAL,
        sourcesContent: LAMBDA_ESBUILD_OPTIONS.sourcesContent,
        esbuildArgs: Object.fromEntries(Object.entries(ESBUILD_EXTRA_ARGS).map(([flag, values]) => [flag, [...values]])),
        // Bundle everything, the AWS SDK v3 included: pinned versions, smaller cold start than the runtime's copy.
        // Lazy modules stay `require('./name')` calls in index.js; the hook bundles each beside it.
        externalModules: [...LAMBDA_ESBUILD_OPTIONS.external, ...lazyModules],
        bundleAwsSDK: true,
        ...(lazyModules.length > 0 || props.esmEntry !== undefined ? { commandHooks: afterBundlingHooks(props.entry, lazyModules, props.esmEntry) } : {}),
      },
    });
  }

  /** Sets plain (non-secret) environment variables. */
  setEnvironment(variables: Readonly<Record<string, string>>): this {
    for (const [name, value] of Object.entries(variables)) this.function.addEnvironment(name, value);
    return this;
  }

  /** The queue URL + permission to send to exactly this queue. */
  bindQueueSender(queue: IQueue, envName: string): this {
    this.function.addEnvironment(envName, queue.queueUrl);
    queue.grantSendMessages(this.function);
    return this;
  }

  /** Secret ARN (never the value) + permission to read exactly this secret. */
  bindSecretReader(secret: ISecret, envName: string): this {
    this.function.addEnvironment(envName, secret.secretArn);
    secret.grantRead(this.function);
    return this;
  }

  /** The table name + permission to write items of exactly this table. */
  bindTableWriter(table: ITable, envName: string): this {
    this.function.addEnvironment(envName, table.tableName);
    table.grantWriteData(this.function);
    return this;
  }

  /**
   * The table name + permission to erase devices of exactly this table (lambdas/visitor-rights/): read a
   * device's partition, write its tombstone, delete its items. No Scan: a user's erasure runs from the
   * backend (`AnonymousTracking.grantVisitorRights`).
   */
  bindTableEraser(table: ITable, envName: string): this {
    this.function.addEnvironment(envName, table.tableName);
    table.grant(this.function, 'dynamodb:Query', 'dynamodb:PutItem', 'dynamodb:BatchWriteItem');
    return this;
  }

  /**
   * Event source mapping from the queue (grants receive/delete/change-visibility on exactly this
   * queue). Partial batch responses, so one bad message never makes a whole batch retry.
   */
  bindQueueConsumer(queue: IQueue, options: QueueConsumerOptions): this {
    this.function.addEventSource(
      new SqsEventSource(queue, {
        batchSize: options.batchSize,
        maxBatchingWindow: options.maxBatchingWindow.toSeconds() > 0 ? options.maxBatchingWindow : undefined,
        reportBatchItemFailures: true,
        maxConcurrency: options.maxConcurrency,
      }),
    );
    return this;
  }
}
