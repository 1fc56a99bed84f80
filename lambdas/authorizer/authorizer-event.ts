/**
 * Adapts the two REQUEST authorizer event shapes to the facts the domain needs, and builds the matching
 * responses: HTTP API payload 2.0 (simple response) and REST API (IAM policy scoped to the method ARN).
 * The event is read defensively as `unknown`: a malformed event yields empty facts, not an exception.
 */
import type { APIGatewayAuthorizerResult, APIGatewaySimpleAuthorizerWithContextResult } from 'aws-lambda';
import { utmFromParameters, utmFromQueryString } from '../identity/queue-messages';
import type { Utm } from '../shared/page-view-message';

export interface RequestFacts {
  readonly method: string;
  readonly path: string;
  readonly utm: Utm | undefined;
  readonly userAgent: string | undefined;
  readonly secGpc: string | undefined;
  readonly dnt: string | undefined;
  readonly authorization: string | undefined;
  readonly referer: string | undefined;
  /** Whole Cookie headers and/or HTTP API 2.0 `cookies` elements, in request order. */
  readonly cookieSources: readonly string[];
  readonly requestId: string | undefined;
}

export type AuthorizerContext = Record<string, string | number | boolean>;
export type HttpApiAuthorizerResponse = APIGatewaySimpleAuthorizerWithContextResult<AuthorizerContext>;
export type RestApiAuthorizerResponse = APIGatewayAuthorizerResult & { context: AuthorizerContext };
export type AuthorizerResponse = HttpApiAuthorizerResponse | RestApiAuthorizerResponse;

type Json = Record<string, unknown>;

function record(value: unknown): Json | undefined {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Json) : undefined;
}

function str(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

function strings(value: unknown): string[] {
  return Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : [];
}

/** Headers the authorizer reads, by lower-case name. */
const WANTED = new Set(['user-agent', 'sec-gpc', 'dnt', 'authorization', 'referer', 'cookie']);

/** Lower-cases only the headers we read (REST API keeps the client's casing; HTTP API already lower-cases). */
function wantedHeaders(headers: Json | undefined): Map<string, string> {
  const found = new Map<string, string>();
  if (headers === undefined) return found;
  for (const name in headers) {
    const value = headers[name];
    if (typeof value !== 'string') continue;
    const lower = name.length <= 13 ? name.toLowerCase() : '';
    if (WANTED.has(lower) && !found.has(lower)) found.set(lower, value);
  }
  return found;
}

function isHttpApiV2(event: Json): boolean {
  return event.version === '2.0';
}

export function readRequest(input: unknown): RequestFacts {
  const event = record(input) ?? {};
  const requestContext = record(event.requestContext);
  const headers = wantedHeaders(record(event.headers));
  const cookieSources: string[] = [];
  let method: string | undefined;
  let path: string | undefined;
  let utm: Utm | undefined;
  if (isHttpApiV2(event)) {
    const http = record(requestContext?.http);
    method = str(http?.method);
    path = str(event.rawPath) ?? str(http?.path);
    utm = utmFromQueryString(str(event.rawQueryString));
    // Payload 2.0 moves cookies into `cookies`; a `cookie` header is read too, in case a client or test sends one.
    cookieSources.push(...strings(event.cookies));
  } else {
    method = str(event.httpMethod) ?? str(requestContext?.httpMethod);
    path = str(event.path);
    utm = utmFromParameters(record(event.multiValueQueryStringParameters) as Record<string, string[]> | undefined);
    if (utm === undefined) {
      const single = record(event.queryStringParameters) as Record<string, unknown> | undefined;
      if (single !== undefined) {
        utm = utmFromParameters(Object.fromEntries(Object.entries(single).map(([k, v]) => [k, strings([v])])));
      }
    }
    const multi = record(event.multiValueHeaders);
    if (multi !== undefined) {
      for (const name in multi) if (name.toLowerCase() === 'cookie') cookieSources.push(...strings(multi[name]));
    }
  }
  const cookieHeader = headers.get('cookie');
  if (cookieHeader !== undefined && !cookieSources.includes(cookieHeader)) cookieSources.push(cookieHeader);
  return {
    method: (method ?? 'GET').toUpperCase(),
    path: path === undefined || path === '' ? '/' : path,
    utm,
    userAgent: headers.get('user-agent'),
    secGpc: headers.get('sec-gpc'),
    dnt: headers.get('dnt'),
    authorization: headers.get('authorization'),
    referer: headers.get('referer'),
    cookieSources,
    requestId: str(requestContext?.requestId),
  };
}

/** Always an "allow": the authorizer identifies, it does not guard. */
export function allowResponse(input: unknown, context: AuthorizerContext, principalId: string): AuthorizerResponse {
  const event = record(input) ?? {};
  const methodArn = str(event.methodArn);
  if (!isHttpApiV2(event) && methodArn !== undefined) {
    return {
      principalId,
      policyDocument: {
        Version: '2012-10-17',
        Statement: [{ Action: 'execute-api:Invoke', Effect: 'Allow', Resource: methodArn }],
      },
      context,
    };
  }
  return { isAuthorized: true, context };
}
