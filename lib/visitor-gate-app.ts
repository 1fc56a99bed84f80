/**
 * Builds the CDK app `cdk.json` runs (bin/app.ts) and the tests synthesize: the stack configured from
 * CDK context, CDK's asset metadata kept on (so `sam local invoke` finds each function's bundle), and
 * cdk-nag's AwsSolutions checks applied to everything.
 */
import { App, Validations, type AppProps } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { SETTINGS } from '../lambdas/contract/settings';
import { TrackingSettingsError, readAppContext, resolveTrackingSettings, type AnonymousTrackingProps } from './tracking-settings';
import { VisitorGateStack } from './visitor-gate-stack';

/**
 * `aws:asset:path` / `aws:asset:property` metadata on each function is how SAM CLI maps a function to
 * its bundle in cdk.out. The CDK CLI turns it on by default (`--asset-metadata`); a plain `new App()`
 * (tests, other runners) does not, so the app sets it as a default too.
 */
export const ASSET_METADATA_CONTEXT = 'aws:cdk:enable-asset-metadata';

export const DEFAULT_STACK_NAME = SETTINGS.stackName.default;

export interface VisitorGateAppOptions extends AppProps {
  /** Explicit props win over CDK context (tests use this instead of `-c`). */
  readonly tracking?: AnonymousTrackingProps;
}

/**
 * Every problem with the app's settings is reported together before anything is built: context keys
 * that are neither ours nor CDK's (with a "did you mean" hint), values that do not parse, and what
 * `resolveTrackingSettings` refuses. Throws `TrackingSettingsError` (bin/app.ts prints it and exits 1).
 */
export function createVisitorGateApp(options: VisitorGateAppOptions = {}): { app: App; stack: VisitorGateStack } {
  const { tracking, ...appProps } = options;
  const app = new App({ ...appProps, context: { [ASSET_METADATA_CONTEXT]: true, ...appProps.context } });
  const context = readAppContext(app.node.getAllContext() as Record<string, unknown>);
  const props = { ...context.props, ...tracking };
  const problems = [...context.problems];
  try {
    resolveTrackingSettings(props);
  } catch (error) {
    if (!(error instanceof TrackingSettingsError)) throw error;
    problems.push(...error.problems);
  }
  if (problems.length > 0) throw new TrackingSettingsError(problems);
  const stack = new VisitorGateStack(app, context.stackName, {
    description: 'visitor-gate: anonymous first-party visitor tracking in front of a site (HTTP API, Lambda, SQS, DynamoDB)',
    // Environment-agnostic unless the CLI knows the target account/region (nothing here needs lookups).
    env:
      process.env.CDK_DEFAULT_ACCOUNT && process.env.CDK_DEFAULT_REGION
        ? { account: process.env.CDK_DEFAULT_ACCOUNT, region: process.env.CDK_DEFAULT_REGION }
        : undefined,
    tracking: props,
  });
  // cdk-nag v3 is a policy-validation plugin: any unacknowledged finding fails `cdk synth`.
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app, { verbose: true }));
  return { app, stack };
}
