/**
 * Adapts the two REQUEST authorizer event shapes to the facts the domain needs, and builds the matching
 * responses: HTTP API payload 2.0 (simple response) and REST API (IAM policy scoped to the method ARN).
 * The event is read defensively as `unknown`: a malformed event yields empty facts, not an exception.
 */
import type { APIGatewayAuthorizerResult, APIGatewaySimpleAuthorizerWithContextResult } from 'aws-lambda';
import { utmFromParameters, utmFromQueryString } from '../identity/queue-messages';
import { canonicalPath } from '../identity/request-path';
import type { Utm } from '../contract/page-view-message';
import type { AuthorizerContext } from '../contract/gateway-context';
import type { RequestFacts } from '../identity/request-facts';

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

/** Appends the string elements of `value` (if it is an array) to `into`. */
function pushStrings(into: string[], value: unknown): void {
  if (!Array.isArray(value)) return;
  for (const item of value) if (typeof item === 'string') into.push(item);
}

function strings(value: unknown): string[] {
  return Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : [];
}

/** The request headers the authorizer reads, by lower-case name, and the fact each one becomes. */
const WANTED_HEADERS = {
  'user-agent': 'userAgent',
  'sec-gpc': 'secGpc',
  dnt: 'dnt',
  authorization: 'authorization',
  referer: 'referer',
  cookie: 'cookie',
  accept: 'accept',
  'sec-fetch-dest': 'secFetchDest',
  'sec-fetch-mode': 'secFetchMode',
  'sec-purpose': 'secPurpose',
  purpose: 'purpose',
  'x-moz': 'xMoz',
} as const;

type WantedHeaders = { -readonly [Name in keyof typeof WANTED_HEADERS as (typeof WANTED_HEADERS)[Name]]?: string };

const WANTED_NAMES = Object.keys(WANTED_HEADERS) as Array<keyof typeof WANTED_HEADERS>;
/** Longer names cannot be ours: REST API events are scanned without lower-casing them. */
const LONGEST_NAME = Math.max(...WANTED_NAMES.map((name) => name.length));

function isWanted(name: string): name is keyof typeof WANTED_HEADERS {
  return Object.hasOwn(WANTED_HEADERS, name);
}

/** HTTP API payload 2.0 lower-cases header names, so they are read directly. */
function lowerCaseHeaders(headers: Json | undefined): WantedHeaders {
  const found: WantedHeaders = {};
  if (headers === undefined) return found;
  for (const name of WANTED_NAMES) {
    const value = headers[name];
    if (typeof value === 'string') found[WANTED_HEADERS[name]] = value;
  }
  return found;
}

/** REST API keeps the client's casing: one pass, lower-casing only names short enough to be ours; the first spelling wins. */
function anyCaseHeaders(headers: Json | undefined): WantedHeaders {
  const found: WantedHeaders = {};
  if (headers === undefined) return found;
  for (const name in headers) {
    if (name.length > LONGEST_NAME) continue;
    const value = headers[name];
    if (typeof value !== 'string') continue;
    const lower = name.toLowerCase();
    if (isWanted(lower)) found[WANTED_HEADERS[lower]] ??= value;
  }
  return found;
}

function isHttpApiV2(event: Json): boolean {
  return event.version === '2.0';
}

export function readRequest(input: unknown): RequestFacts {
  const event = record(input) ?? {};
  const requestContext = record(event.requestContext);
  const v2 = isHttpApiV2(event);
  const headers = v2 ? lowerCaseHeaders(record(event.headers)) : anyCaseHeaders(record(event.headers));
  const cookieSources: string[] = [];
  let method: string | undefined;
  let path: string | undefined;
  let utm: Utm | undefined;
  if (v2) {
    const http = record(requestContext?.http);
    method = str(http?.method);
    path = str(event.rawPath) ?? str(http?.path);
    utm = utmFromQueryString(str(event.rawQueryString));
    // Payload 2.0 moves cookies into `cookies`; a `cookie` header is read too, in case a client or test sends one.
    pushStrings(cookieSources, event.cookies);
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
      for (const name in multi) if (name.toLowerCase() === 'cookie') pushStrings(cookieSources, multi[name]);
    }
  }
  if (headers.cookie !== undefined && !cookieSources.includes(headers.cookie)) cookieSources.push(headers.cookie);
  return {
    method: (method ?? 'GET').toUpperCase(),
    path: path === undefined || path === '' ? '/' : canonicalPath(path),
    utm,
    userAgent: headers.userAgent,
    secGpc: headers.secGpc,
    dnt: headers.dnt,
    authorization: headers.authorization,
    referer: headers.referer,
    accept: headers.accept,
    secFetchDest: headers.secFetchDest,
    secFetchMode: headers.secFetchMode,
    secPurpose: headers.secPurpose,
    purpose: headers.purpose,
    xMoz: headers.xMoz,
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
