/**
 * The site's front door: an API Gateway HTTP API whose `$default` route proxies every request to the
 * origin behind the Lambda authorizer, plus authorizer-free routes for the skip prefixes so static
 * assets cost no Lambda invocation.
 *
 * Mapping syntax and limits checked against AWS docs ("Transform API requests and responses for HTTP
 * APIs", "Create routes for HTTP APIs", "Quotas for HTTP APIs"); see docs/deploying.md, "API Gateway mapping limits".
 */
import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import * as apigw from 'aws-cdk-lib/aws-apigateway';
import * as apigwv2 from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpLambdaAuthorizer, HttpLambdaResponseType } from 'aws-cdk-lib/aws-apigatewayv2-authorizers';
import { HttpLambdaIntegration, HttpUrlIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import * as acm from 'aws-cdk-lib/aws-certificatemanager';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { skipRoutePath } from '../lambdas/identity/request-path';
import { FORBIDDEN_CLIENT_HEADERS, IDENTITY_HEADERS, SET_COOKIE_STATUS_CODES } from './identity-headers';

export interface FrontDoorProps {
  /** Origin without a path, e.g. https://origin.example.com. */
  readonly originUrl: string;
  /** Paths routed straight to the origin without the authorizer (trailing `/` = prefix). */
  readonly skipPrefixes: readonly string[];
  /** Also the integration of the reserved prefix's route (lambdas/authorizer/beacon-handler.ts). */
  readonly authorizer: IFunction;
  /** The front door's own paths (beacon, script), answered by `authorizer` and never sent to the origin. */
  readonly reservedPrefix: string;
  /** The "forget me" endpoint: GET (confirmation page) and POST (erase) on `path`, to `handler` (Lambda proxy 2.0). */
  readonly forget?: { readonly path: string; readonly handler: IFunction };
  readonly customDomain?: { readonly domainName: string; readonly certificateArn: string };
  readonly logRetentionDays: number;
}

/**
 * One short line per request (about 60 bytes instead of about 330 for the earlier JSON object; logs are
 * billed per byte ingested): request id, status, latency, the authorizer's reason, then the two error
 * messages, quoted, which are `-` unless something failed. The time is the log event's own timestamp.
 */
export const ACCESS_LOG_FORMAT =
  '$context.requestId $context.status $context.responseLatency $context.authorizer.reason "$context.integrationErrorMessage" "$context.authorizer.error"';

export class FrontDoor extends Construct {
  readonly api: apigwv2.HttpApi;
  readonly stage: apigwv2.HttpStage;
  readonly accessLogs: logs.LogGroup;
  readonly domainName?: apigwv2.DomainName;
  private readonly customDomainName?: string;
  /** The default route (authorizer in front). */
  readonly defaultRoute: apigwv2.HttpRoute;
  /** `ANY {reservedPrefix}{proxy+}`: the identity function as a Lambda proxy integration, no authorizer. */
  readonly reservedRoutes: apigwv2.HttpRoute[];
  /** Authorizer-free routes for the skip prefixes. */
  readonly skipRoutes: apigwv2.HttpRoute[] = [];
  /** The forget endpoint's routes (more specific than `$default`, so they win; no authorizer). */
  readonly forgetRoutes: apigwv2.HttpRoute[] = [];

  constructor(scope: Construct, id: string, props: FrontDoorProps) {
    super(scope, id);

    this.api = new apigwv2.HttpApi(this, 'HttpApi', {
      description: `visitor-gate front door for ${props.originUrl}`,
      createDefaultStage: false,
    });

    this.accessLogs = new logs.LogGroup(this, 'AccessLogs', {
      retention: props.logRetentionDays as logs.RetentionDays,
      removalPolicy: RemovalPolicy.DESTROY,
    });

    if (props.customDomain) {
      this.customDomainName = props.customDomain.domainName;
      this.domainName = new apigwv2.DomainName(this, 'Domain', {
        domainName: props.customDomain.domainName,
        certificate: acm.Certificate.fromCertificateArn(this, 'Certificate', props.customDomain.certificateArn),
      });
    }

    this.stage = new apigwv2.HttpStage(this, 'Stage', {
      httpApi: this.api,
      stageName: '$default',
      autoDeploy: true,
      domainMapping: this.domainName ? { domainName: this.domainName } : undefined,
      accessLogSettings: {
        destination: new apigwv2.LogGroupLogDestination(this.accessLogs),
        // No source IP, user agent, path or query string: access logs must not hold personal data.
        format: apigw.AccessLogFormat.custom(ACCESS_LOG_FORMAT),
      },
    });

    // Our headers are overwritten from the authorizer; every other spelling a CGI/WSGI origin would read
    // as the same variable (`x_device_id` -> HTTP_X_DEVICE_ID) is removed, so none reaches the origin.
    const identityMapping = new apigwv2.ParameterMapping();
    for (const [header, contextKey] of Object.entries(IDENTITY_HEADERS)) {
      identityMapping.overwriteHeader(header, apigwv2.MappingValue.custom(`$context.authorizer.${contextKey}`));
    }
    for (const header of FORBIDDEN_CLIENT_HEADERS) if (!Object.hasOwn(IDENTITY_HEADERS, header)) identityMapping.removeHeader(header);

    // Authorizer: payload 2.0 with simple responses ({isAuthorized, context}).
    // NO identity source: with one, API Gateway answers 401 itself whenever the source is missing,
    // i.e. to every first-time visitor (no cookie yet), without ever calling the authorizer.
    // Result caching OFF (TTL 0): a cached result would skip the authorizer, and with it page views,
    // new sessions and fresh cookies. (The identity source is also the cache key; none = no caching.)
    const authorizer = new HttpLambdaAuthorizer('VisitorAuthorizer', props.authorizer, {
      responseTypes: [HttpLambdaResponseType.SIMPLE],
      resultsCacheTtl: Duration.seconds(0),
      identitySource: [],
    });

    // $default: API Gateway forwards the full request path (and query string) to the integration URI.
    this.defaultRoute = new apigwv2.HttpRoute(this, 'DefaultRoute', {
      httpApi: this.api,
      routeKey: apigwv2.HttpRouteKey.DEFAULT,
      integration: new HttpUrlIntegration('OriginIntegration', props.originUrl, {
        parameterMapping: identityMapping,
      }),
      authorizer,
    });
    this.addSetCookieResponseMapping(this.defaultRoute);
    this.dropIdentitySource();

    // The reserved prefix: the identity function answers (beacon 204 + cookie, script) with one
    // invocation and no authorizer in front: the function applies the authorizer's rules itself.
    this.reservedRoutes = this.api.addRoutes({
      path: skipRoutePath(props.reservedPrefix),
      methods: [apigwv2.HttpMethod.ANY],
      integration: new HttpLambdaIntegration('ReservedPathIntegration', props.authorizer, {
        payloadFormatVersion: apigwv2.PayloadFormatVersion.VERSION_2_0,
      }),
    });
    if (props.forget) {
      this.forgetRoutes.push(
        ...this.api.addRoutes({
          path: props.forget.path,
          methods: [apigwv2.HttpMethod.GET, apigwv2.HttpMethod.POST],
          integration: new HttpLambdaIntegration('ForgetIntegration', props.forget.handler),
        }),
      );
    }

    // Skip prefixes: straight to the origin, no authorizer, identity headers removed (nobody vouches
    // for them on these routes, so a client must not be able to smuggle them to the origin).
    const stripIdentity = new apigwv2.ParameterMapping();
    for (const header of FORBIDDEN_CLIENT_HEADERS) stripIdentity.removeHeader(header);
    props.skipPrefixes.forEach((prefix, index) => {
      const isPrefix = prefix.endsWith('/');
      const routes = this.api.addRoutes({
        path: skipRoutePath(prefix),
        methods: [apigwv2.HttpMethod.ANY],
        integration: new HttpUrlIntegration(
          `SkipIntegration${index}`,
          isPrefix ? `${props.originUrl}${prefix}{proxy}` : `${props.originUrl}${prefix}`,
          { parameterMapping: stripIdentity },
        ),
      });
      this.skipRoutes.push(...routes);
    });
  }

  /** The front door's URL: the custom domain when set, else the execute-api endpoint. */
  get url(): string {
    return this.customDomainName ? `https://${this.customDomainName}/` : `${this.api.apiEndpoint}/`;
  }

  /**
   * The L2 integration has no response-parameter support, so set it on the L1 resource: append the
   * authorizer's cookie to the origin's response (append keeps the origin's own Set-Cookie headers).
   */
  private addSetCookieResponseMapping(route: apigwv2.HttpRoute): void {
    const integration = route.node.tryFindChild('OriginIntegration');
    const cfn = integration?.node.defaultChild;
    if (!(cfn instanceof apigwv2.CfnIntegration)) {
      throw new Error('visitor-gate: expected the default route to own its HTTP integration (aws-cdk-lib changed?)');
    }
    const responseParameters: Record<string, { ResponseParameters: { Destination: string; Source: string }[] }> = {};
    for (const status of SET_COOKIE_STATUS_CODES) {
      responseParameters[String(status)] = {
        ResponseParameters: [{ Destination: 'append:header.Set-Cookie', Source: '$context.authorizer.setCookie' }],
      };
    }
    cfn.addPropertyOverride('ResponseParameters', responseParameters);
  }

  /** HttpLambdaAuthorizer renders an empty list for "no identity source"; omit the property instead. */
  private dropIdentitySource(): void {
    for (const child of this.api.node.findAll()) {
      if (child instanceof apigwv2.CfnAuthorizer) child.addPropertyDeletionOverride('IdentitySource');
    }
  }
}
