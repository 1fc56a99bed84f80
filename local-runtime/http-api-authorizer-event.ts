/**
 * Builds the payload-2.0 REQUEST event API Gateway's HTTP API sends to a Lambda authorizer, from a
 * plain Node request, as the deployed `$default` route would (compare with
 * `test/fixtures/aws-events/http-api-authorizer-request-v2.json`).
 */
import { randomBytes } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import type { APIGatewayRequestAuthorizerEventV2 } from 'aws-lambda';

/**
 * AWS leaves out `cookies`, `queryStringParameters` and `identitySource` when there is nothing to put
 * in them (the route has no identity source), although @types/aws-lambda marks two of them required.
 */
export type HttpApiAuthorizerEvent = Omit<APIGatewayRequestAuthorizerEventV2, 'cookies' | 'identitySource'> & {
  cookies?: string[];
  identitySource?: string[];
};

export interface AuthorizerRequest {
  method: string;
  /** Request target as received: path plus optional query string. */
  url: string;
  headers: IncomingHttpHeaders;
  httpVersion: string;
  sourceIp: string;
  /** `http` locally; API Gateway always answers on https. */
  protocol: 'http' | 'https';
  localPort: number;
}

export interface LocalApiIdentity {
  apiId: string;
  accountId: string;
  region: string;
}

export const LOCAL_API: LocalApiIdentity = { apiId: 'local', accountId: '000000000000', region: 'us-east-1' };

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** API Gateway's `requestContext.time` format: `17/Jun/2024:15:52:39 +0000`. */
export function apiGatewayTime(date: Date): string {
  const pad = (value: number) => String(value).padStart(2, '0');
  return (
    `${pad(date.getUTCDate())}/${MONTHS[date.getUTCMonth()]}/${date.getUTCFullYear()}:` +
    `${pad(date.getUTCHours())}:${pad(date.getUTCMinutes())}:${pad(date.getUTCSeconds())} +0000`
  );
}

/** Lower-cased names; repeated headers joined with commas, as payload 2.0 does. Cookies excluded. */
function eventHeaders(headers: IncomingHttpHeaders): Record<string, string> {
  const result: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined || name === 'cookie') continue;
    result[name.toLowerCase()] = Array.isArray(value) ? value.join(',') : value;
  }
  return result;
}

function splitCookies(header: string | string[] | undefined): string[] {
  const values = header === undefined ? [] : Array.isArray(header) ? header : [header];
  return values
    .flatMap((value) => value.split(';'))
    .map((cookie) => cookie.trim())
    .filter((cookie) => cookie.length > 0);
}

function decodeQueryComponent(value: string): string {
  try {
    return decodeURIComponent(value.replace(/\+/g, ' '));
  } catch {
    return value;
  }
}

/** Repeated parameters joined with commas (`a=1&a=2` -> `{ a: "1,2" }`), as payload 2.0 does. */
function queryParameters(rawQueryString: string): Record<string, string> | undefined {
  if (rawQueryString === '') return undefined;
  const result: Record<string, string> = {};
  for (const pair of rawQueryString.split('&')) {
    if (pair === '') continue;
    const separator = pair.indexOf('=');
    const name = decodeQueryComponent(separator === -1 ? pair : pair.slice(0, separator));
    const value = separator === -1 ? '' : decodeQueryComponent(pair.slice(separator + 1));
    result[name] = name in result ? `${result[name]},${value}` : value;
  }
  return Object.keys(result).length > 0 ? result : undefined;
}

/** A request id shaped like API Gateway's (`ZhNHJhhLjoEEPiw=`). */
export function newRequestId(): string {
  return randomBytes(10).toString('base64');
}

/** Trace header value in X-Ray's format, which API Gateway adds to every request. */
export function newTraceId(now: Date): string {
  return `Root=1-${Math.floor(now.getTime() / 1000).toString(16)}-${randomBytes(12).toString('hex')}`;
}

export interface BuiltAuthorizerEvent {
  event: HttpApiAuthorizerEvent;
  requestId: string;
  traceId: string;
}

/**
 * Deployed HTTP APIs hand the authorizer `rawPath` (and `http.path`) percent-decoded, despite the name: a
 * request for `/capture/space%20value` arrives as `/capture/space value` (live capture in hotsock/voker,
 * vokerhttp/testdata/apigwv2-request.json; REST APIs and function URLs keep the encoding). A malformed
 * escape is left as it is.
 */
function decodePath(path: string): string {
  if (!path.includes('%')) return path;
  try {
    return decodeURIComponent(path);
  } catch {
    return path;
  }
}

export function buildAuthorizerEvent(
  request: AuthorizerRequest,
  now: Date,
  api: LocalApiIdentity = LOCAL_API,
): BuiltAuthorizerEvent {
  const queryStart = request.url.indexOf('?');
  const rawPath = decodePath(queryStart === -1 ? request.url : request.url.slice(0, queryStart));
  const rawQueryString = queryStart === -1 ? '' : request.url.slice(queryStart + 1);
  const method = request.method.toUpperCase();
  const requestId = newRequestId();
  const traceId = newTraceId(now);
  const host = typeof request.headers.host === 'string' ? request.headers.host : `localhost:${request.localPort}`;

  const headers = eventHeaders(request.headers);
  // API Gateway adds these before the authorizer runs; a client's X-Forwarded-For is kept in front.
  headers['x-forwarded-for'] = headers['x-forwarded-for']
    ? `${headers['x-forwarded-for']}, ${request.sourceIp}`
    : request.sourceIp;
  headers['x-forwarded-port'] = String(request.localPort);
  headers['x-forwarded-proto'] = request.protocol;
  headers['x-amzn-trace-id'] = traceId;

  const cookies = splitCookies(request.headers.cookie);
  const queryStringParameters = queryParameters(rawQueryString);
  const event: HttpApiAuthorizerEvent = {
    version: '2.0',
    type: 'REQUEST',
    routeArn: `arn:aws:execute-api:${api.region}:${api.accountId}:${api.apiId}/$default/${method}${rawPath}`,
    routeKey: '$default',
    rawPath,
    rawQueryString,
    ...(cookies.length > 0 ? { cookies } : {}),
    headers,
    ...(queryStringParameters ? { queryStringParameters } : {}),
    requestContext: {
      accountId: api.accountId,
      apiId: api.apiId,
      domainName: host,
      domainPrefix: host.split('.')[0]?.split(':')[0] ?? host,
      http: {
        method,
        path: rawPath,
        protocol: `HTTP/${request.httpVersion}`,
        sourceIp: request.sourceIp,
        userAgent: headers['user-agent'] ?? '',
      },
      requestId,
      routeKey: '$default',
      stage: '$default',
      time: apiGatewayTime(now),
      timeEpoch: now.getTime(),
    },
  };
  return { event, requestId, traceId };
}
