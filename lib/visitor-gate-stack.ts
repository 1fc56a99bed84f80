/**
 * The deployable stack: one `AnonymousTracking`, its outputs, and the cdk-nag suppressions (each with
 * the reason the finding does not apply).
 */
import { CfnOutput, Stack, Validations, type StackProps } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import { AnonymousTracking, type AnonymousTrackingProps } from './anonymous-tracking';

export interface VisitorGateStackProps extends StackProps {
  readonly tracking: AnonymousTrackingProps;
}

export class VisitorGateStack extends Stack {
  readonly tracking: AnonymousTracking;

  constructor(scope: Construct, id: string, props: VisitorGateStackProps) {
    super(scope, id, props);
    this.tracking = new AnonymousTracking(this, 'Tracking', props.tracking);
    const t = this.tracking;

    new CfnOutput(this, 'FrontDoorUrl', {
      value: t.url,
      description: 'Point your domain here (or open it to try the pipeline)',
    });
    if (t.frontDoor.domainName) {
      new CfnOutput(this, 'CustomDomainTarget', {
        value: t.frontDoor.domainName.regionalDomainName,
        description: `CNAME (or Route 53 alias) target for ${t.settings.customDomain?.domainName}`,
      });
      new CfnOutput(this, 'ExecuteApiUrl', {
        value: `${t.frontDoor.api.apiEndpoint}/`,
        description: 'API Gateway default endpoint (works before DNS points at the custom domain)',
      });
    }
    new CfnOutput(this, 'TableName', { value: t.table.tableName, description: 'Devices and sessions' });
    new CfnOutput(this, 'QueueUrl', { value: t.queue.queueUrl, description: 'Page-view queue' });
    new CfnOutput(this, 'DeadLetterQueueUrl', {
      value: t.deadLetterQueue.queueUrl,
      description: 'Messages the consumer failed 5 times (redrive after fixing the cause)',
    });
    if (t.dashboard) new CfnOutput(this, 'DashboardUrl', { value: t.dashboard.url, description: 'CloudWatch dashboard' });
    new CfnOutput(this, 'AuthorizerFunctionName', {
      value: t.authorizer.function.functionName,
      description: 'Refresh its cached key ring after a key rotation (see docs/operations.md)',
    });
    new CfnOutput(this, 'SigningKeysSecretArn', {
      value: t.signingKeys.secretArn,
      description: 'Cookie signing key ring (rotate as documented in docs/operations.md)',
    });

    this.suppressNagFindings();
  }

  /** cdk-nag v3 acknowledgments (`Validations.acknowledge`), each scoped to one construct and finding. */
  private suppressNagFindings(): void {
    const t = this.tracking;
    Validations.of(t.signingKeys).acknowledge({
      id: 'AwsSolutions-SMG4',
      reason:
        'Cookie signing keys rotate by a documented multi-step procedure (add key, deploy, switch, retire after the cookie max-age); a rotation Lambda replacing the value would invalidate every visitor cookie at once.',
    });
    // Routes without the authorizer in front, each for its own reason.
    const routesWithoutAuthorizer = [
      {
        routes: t.frontDoor.skipRoutes,
        reason:
          'Skip-prefix routes (static assets, health checks, robots.txt) are public pages of the site served by the origin; they deliberately bypass the authorizer so they cost no Lambda invocation. Identity headers are removed on them.',
      },
      {
        routes: t.frontDoor.reservedRoutes,
        reason:
          "The reserved prefix's route (page-view beacon, its script) is answered by the identity function itself, which applies the authorizer's rules to each request; an authorizer in front would be a second invocation for the same decision.",
      },
      {
        routes: t.frontDoor.forgetRoutes,
        reason:
          'The "forget me" endpoint authenticates the visitor itself: it erases only the device named by the signed first-party cookie the request carries (HMAC-verified with the key ring), and refuses cross-site POSTs.',
      },
    ];
    for (const { routes, reason } of routesWithoutAuthorizer) {
      for (const route of routes) Validations.of(route).acknowledge({ id: 'AwsSolutions-APIG4', reason });
    }
    Validations.of(t.alarms.topic).acknowledge({
      id: 'AwsSolutions-SNS2',
      reason:
        'The topic carries CloudWatch alarm state changes only (no personal data or secrets). CloudWatch cannot publish to a topic encrypted with the AWS managed SNS key, and a customer managed key would add cost for no protected data.',
    });
    if (t.settings.tracing) {
      for (const fn of [t.authorizer, t.consumer, t.forget]) {
        // On the function construct: CDK puts the X-Ray statement in a policy under the function.
        Validations.of(fn).acknowledge({
          id: 'AwsSolutions-IAM5[Resource::*]',
          reason: 'X-Ray PutTraceSegments/PutTelemetryRecords do not support resource-level permissions.',
        });
      }
    }
    const jwtSecretArn = t.settings.jwt?.secretArn;
    if (jwtSecretArn && !/-[A-Za-z0-9]{6}$/.test(jwtSecretArn)) {
      Validations.of(t.authorizer.role).acknowledge({
        id: `AwsSolutions-IAM5[Resource::${jwtSecretArn}-??????]`,
        reason: 'A partial secret ARN (no random suffix) can only be granted with the "-??????" suffix wildcard.',
      });
    }
  }
}
