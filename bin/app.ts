/**
 * The CDK app `cdk.json` runs: `npx cdk deploy -c originUrl=https://origin.example.com`.
 * Settings come from CDK context: docs/configuration.md lists every key and its default.
 */
import { TrackingSettingsError } from '../lib/tracking-settings';
import { createVisitorGateApp } from '../lib/visitor-gate-app';

try {
  const { app } = createVisitorGateApp();
  app.synth();
} catch (error) {
  if (error instanceof TrackingSettingsError) {
    // A configuration mistake: say what to fix, without a stack trace.
    console.error(error.message);
    process.exit(1);
  }
  throw error;
}
