/**
 * A deployed Lambda proxy route (payload 2.0) for the local front door, e.g. the forget endpoint's
 * `GET|POST {reservedPrefix}forget`: the event API Gateway hands the function, built from the request's
 * authorizer-shaped event and its body, and the function's answer written back as API Gateway writes it
 * (statusCode, headers, `cookies` as Set-Cookie headers, body; a malformed answer is a 500).
 */
import type { ServerResponse } from 'node:http';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import type { HttpApiAuthorizerEvent } from './http-api-authorizer-event';

export interface LocalLambdaRoute {
  /** The route's exact path (`{prefix}forget`). */
  readonly path: string;
  readonly methods: readonly string[];
  invoke(event: APIGatewayProxyEventV2): Promise<unknown>;
}

export function buildRouteEvent(request: HttpApiAuthorizerEvent, routeKey: string, body: Buffer): APIGatewayProxyEventV2 {
  const { type: _type, routeArn: _routeArn, identitySource: _identitySource, ...rest } = request;
  const text = body.toString('utf8');
  // API Gateway base64-encodes bodies that are not valid UTF-8 text.
  const binary = !Buffer.from(text, 'utf8').equals(body);
  return {
    ...rest,
    routeKey,
    requestContext: { ...request.requestContext, routeKey },
    ...(body.length > 0 ? { body: binary ? body.toString('base64') : text } : {}),
    isBase64Encoded: binary,
  } as APIGatewayProxyEventV2;
}

export function writeRouteResult(res: ServerResponse, result: unknown): void {
  const answer = typeof result === 'object' && result !== null ? (result as Record<string, unknown>) : undefined;
  const status = answer?.statusCode;
  if (answer === undefined || typeof status !== 'number' || !Number.isInteger(status) || status < 100 || status > 599) {
    res.writeHead(500, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ message: 'Internal Server Error' }));
    return;
  }
  const headers: Record<string, string | string[]> = {};
  const given = typeof answer.headers === 'object' && answer.headers !== null ? (answer.headers as Record<string, unknown>) : {};
  for (const [name, value] of Object.entries(given)) if (['string', 'number', 'boolean'].includes(typeof value)) headers[name.toLowerCase()] = String(value);
  const cookies = Array.isArray(answer.cookies) ? answer.cookies.filter((cookie): cookie is string => typeof cookie === 'string') : [];
  if (cookies.length > 0) headers['set-cookie'] = cookies;
  const body = typeof answer.body === 'string' ? Buffer.from(answer.body, answer.isBase64Encoded === true ? 'base64' : 'utf8') : Buffer.alloc(0);
  headers['content-length'] = String(body.length);
  res.writeHead(status, headers);
  res.end(body);
}
