import { Match, type Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { ACCESS_LOG_FORMAT } from '../../lib/front-door';
import { SET_COOKIE_STATUS_CODES } from '../../lib/identity-headers';
import { DEFAULT_SKIP_PREFIXES } from '../../lib/tracking-settings';
import { TEST_ORIGIN, resourceIdStartingWith, synthesize } from '../../harness/stack-fixture';

type Resource = { Properties: Record<string, unknown> };

/** Written out rather than derived, so the test says exactly which names are removed. */
const REMOVED_SPELLINGS = Object.fromEntries(
  ['x_device_id', 'x_device-id', 'x-device_id', 'x_session_id', 'x_session-id', 'x-session_id', 'x_user_id', 'x_user-id', 'x-user_id'].map(
    (header) => [`remove:header.${header}`, ''],
  ),
);

let template: Template;

beforeAll(() => {
  ({ template } = synthesize());
});

function integrationOf(route: Resource): Resource {
  const target = JSON.stringify(route.Properties.Target);
  const integrations = template.findResources('AWS::ApiGatewayV2::Integration') as Record<string, Resource>;
  const match = Object.entries(integrations).find(([id]) => target.includes(`"${id}"`));
  if (!match) throw new Error(`no integration for route target ${target}`);
  return match[1];
}

function routesByKey(): Map<string, Resource> {
  const routes = template.findResources('AWS::ApiGatewayV2::Route') as Record<string, Resource>;
  return new Map(Object.values(routes).map((route) => [String(route.Properties.RouteKey), route]));
}

describe('the Lambda authorizer', () => {
  it('is a REQUEST authorizer with payload 2.0, simple responses, no identity source and no caching', () => {
    template.hasResourceProperties('AWS::ApiGatewayV2::Authorizer', {
      AuthorizerType: 'REQUEST',
      AuthorizerPayloadFormatVersion: '2.0',
      EnableSimpleResponses: true,
      AuthorizerResultTtlInSeconds: 0,
      IdentitySource: Match.absent(),
    });
  });

  it('guards the $default route', () => {
    const route = routesByKey().get('$default');
    expect(route?.Properties.AuthorizationType).toBe('CUSTOM');
    expect(route?.Properties.AuthorizerId).toBeDefined();
  });

  it('may be invoked by API Gateway only for this API authorizer', () => {
    template.hasResourceProperties('AWS::Lambda::Permission', {
      Action: 'lambda:InvokeFunction',
      Principal: 'apigateway.amazonaws.com',
      SourceArn: Match.objectLike({ 'Fn::Join': Match.arrayWith([Match.arrayWith([Match.stringLikeRegexp('/authorizers/')])]) }),
    });
  });
});

describe('the $default route to the origin', () => {
  it('is an HTTP proxy to the bare origin (API Gateway appends the full request path)', () => {
    const integration = integrationOf(routesByKey().get('$default') as Resource);
    expect(integration.Properties).toMatchObject({
      IntegrationType: 'HTTP_PROXY',
      IntegrationMethod: 'ANY',
      IntegrationUri: TEST_ORIGIN,
    });
  });

  it('overwrites the identity headers from the authorizer context and removes every spelling a CGI/WSGI origin confuses with them', () => {
    const integration = integrationOf(routesByKey().get('$default') as Resource);
    expect(integration.Properties.RequestParameters).toEqual({
      'overwrite:header.x-device-id': '$context.authorizer.deviceId',
      'overwrite:header.x-session-id': '$context.authorizer.sessionId',
      'overwrite:header.x-user-id': '$context.authorizer.userId',
      ...REMOVED_SPELLINGS,
    });
  });

  it("appends the authorizer's Set-Cookie to every common origin status code", () => {
    const integration = integrationOf(routesByKey().get('$default') as Resource);
    const responseParameters = integration.Properties.ResponseParameters as Record<string, unknown>;
    for (const status of [200, 204, 301, 302, 304, 307, 400, 401, 403, 404, 405, 410, 429, 500, 502, 503]) {
      expect(responseParameters[String(status)], `status ${status}`).toEqual({
        ResponseParameters: [{ Destination: 'append:header.Set-Cookie', Source: '$context.authorizer.setCookie' }],
      });
    }
    expect(Object.keys(responseParameters).sort()).toEqual(SET_COOKIE_STATUS_CODES.map(String).sort());
    // API Gateway accepts only 200-599 as response-mapping keys.
    for (const status of SET_COOKIE_STATUS_CODES) expect(status >= 200 && status <= 599).toBe(true);
  });
});

describe('skip prefixes', () => {
  it('route straight to the origin with no authorizer, keeping the path', () => {
    const routes = routesByKey();
    const expected: Record<string, string> = {
      'ANY /static/{proxy+}': `${TEST_ORIGIN}/static/{proxy}`,
      'ANY /media/{proxy+}': `${TEST_ORIGIN}/media/{proxy}`,
      'ANY /health/{proxy+}': `${TEST_ORIGIN}/health/{proxy}`,
      'ANY /favicon.ico': `${TEST_ORIGIN}/favicon.ico`,
      'ANY /robots.txt': `${TEST_ORIGIN}/robots.txt`,
    };
    expect(Object.keys(expected)).toHaveLength(DEFAULT_SKIP_PREFIXES.length);
    for (const [routeKey, uri] of Object.entries(expected)) {
      const route = routes.get(routeKey);
      expect(route, routeKey).toBeDefined();
      expect(route?.Properties.AuthorizationType, routeKey).toBe('NONE');
      expect(route?.Properties.AuthorizerId, routeKey).toBeUndefined();
      const integration = integrationOf(route as Resource);
      expect(integration.Properties).toMatchObject({ IntegrationType: 'HTTP_PROXY', IntegrationUri: uri });
    }
  });

  it('remove client-sent identity headers in every spelling (nobody vouches for them there)', () => {
    for (const routeKey of ['ANY /static/{proxy+}', 'ANY /favicon.ico']) {
      const integration = integrationOf(routesByKey().get(routeKey) as Resource);
      expect(integration.Properties.RequestParameters, routeKey).toEqual({
        'remove:header.x-device-id': '',
        'remove:header.x-session-id': '',
        'remove:header.x-user-id': '',
        ...REMOVED_SPELLINGS,
      });
    }
  });

  it('follow the skipPrefixes setting', () => {
    const custom = synthesize({ skipPrefixes: ['/assets/', '/sitemap.xml'] }).template;
    const keys = Object.values(custom.findResources('AWS::ApiGatewayV2::Route')).map(
      (route) => (route as Resource).Properties.RouteKey,
    );
    expect(keys.sort()).toEqual(['$default', 'ANY /_vg/{proxy+}', 'ANY /assets/{proxy+}', 'ANY /sitemap.xml', 'GET /_vg/forget', 'POST /_vg/forget']);
  });
});

describe('the forget endpoint', () => {
  it('routes the forget endpoint under the reserved prefix to its own function, without the authorizer', () => {
    const custom = synthesize({ reservedPrefix: '/_privacy/' }).template;
    const routes = Object.values(custom.findResources('AWS::ApiGatewayV2::Route')) as Resource[];
    const forget = routes.filter((route) => String(route.Properties.RouteKey).endsWith(' /_privacy/forget'));
    expect(forget.map((route) => route.Properties.RouteKey).sort()).toEqual(['GET /_privacy/forget', 'POST /_privacy/forget']);
    for (const route of forget) expect(route.Properties.AuthorizationType ?? 'NONE').toBe('NONE');
    custom.hasResourceProperties('AWS::ApiGatewayV2::Integration', { IntegrationType: 'AWS_PROXY', PayloadFormatVersion: '2.0' });
  });
});

describe('the reserved prefix (beacon and script)', () => {
  it('routes to the authorizer function as a Lambda proxy integration (payload 2.0) with no authorizer in front', () => {
    const route = routesByKey().get('ANY /_vg/{proxy+}');
    expect(route?.Properties.AuthorizationType).toBe('NONE');
    const integration = integrationOf(route as Resource);
    expect(integration.Properties).toMatchObject({ IntegrationType: 'AWS_PROXY', PayloadFormatVersion: '2.0' });
    const authorizerId = resourceIdStartingWith(template, 'AWS::Lambda::Function', 'TrackingAuthorizer');
    expect(JSON.stringify(integration.Properties.IntegrationUri)).toContain(authorizerId);
  });

  it('lets API Gateway invoke the function for that route only', () => {
    template.hasResourceProperties('AWS::Lambda::Permission', {
      Action: 'lambda:InvokeFunction',
      Principal: 'apigateway.amazonaws.com',
      SourceArn: Match.objectLike({ 'Fn::Join': Match.arrayWith([Match.arrayWith([Match.stringLikeRegexp('/\\*/\\*/_vg/\\{proxy\\+\\}')])]) }),
    });
  });

  it('follows the reservedPrefix setting, and the function reads the same prefix', () => {
    const custom = synthesize({ reservedPrefix: '/_track/' }).template;
    const keys = Object.values(custom.findResources('AWS::ApiGatewayV2::Route')).map((route) => (route as Resource).Properties.RouteKey);
    expect(keys).toContain('ANY /_track/{proxy+}');
    expect(keys).not.toContain('ANY /_vg/{proxy+}');
    custom.hasResourceProperties('AWS::Lambda::Function', { Environment: { Variables: Match.objectLike({ RESERVED_PREFIX: '/_track/' }) } });
  });
});

describe('the stage', () => {
  it('is the auto-deployed $default stage with one short access-log line that holds no IP address, user agent or path', () => {
    template.hasResourceProperties('AWS::ApiGatewayV2::Stage', {
      StageName: '$default',
      AutoDeploy: true,
      AccessLogSettings: { DestinationArn: Match.anyValue(), Format: Match.stringLikeRegexp('\\$context.requestId') },
    });
    const stage = Object.values(template.findResources('AWS::ApiGatewayV2::Stage'))[0] as Resource;
    const format = (stage.Properties.AccessLogSettings as { Format: string }).Format;
    expect(format).toBe(ACCESS_LOG_FORMAT);
    expect(format).toMatch(/^\$context\.requestId \$context\.status /);
    expect(format).not.toMatch(/sourceIp|userAgent|identity\.|\.path|querystring/);
    // Rendered with typical values, a line stays short (logs are billed per byte ingested).
    const rendered = format.replace(/\$context\.[A-Za-z.]+/g, (name) => (name.endsWith('Message') || name.endsWith('error') ? '-' : 'x'.repeat(20)));
    expect(rendered.length).toBeLessThan(100);
  });

  it('maps a custom domain when domainName and certificateArn are set', () => {
    const custom = synthesize({
      domainName: 'www.example.com',
      certificateArn: 'arn:aws:acm:us-east-1:123456789012:certificate/1234abcd-12ab-34cd-56ef-1234567890ab',
    }).template;
    custom.hasResourceProperties('AWS::ApiGatewayV2::DomainName', {
      DomainName: 'www.example.com',
      DomainNameConfigurations: [
        Match.objectLike({ CertificateArn: 'arn:aws:acm:us-east-1:123456789012:certificate/1234abcd-12ab-34cd-56ef-1234567890ab' }),
      ],
    });
    custom.hasResourceProperties('AWS::ApiGatewayV2::ApiMapping', { DomainName: Match.anyValue(), Stage: Match.anyValue() });
    custom.hasOutput('FrontDoorUrl', { Value: 'https://www.example.com/' });
    custom.hasOutput('CustomDomainTarget', Match.anyValue());
  });
});
