/**
 * The deployed reserved-prefix route (`ANY {prefix}{proxy+}`, Lambda proxy integration, payload 2.0)
 * for the local front door: the event API Gateway hands the function, built from a Node request and its
 * body, and the function's answer written back as API Gateway writes it (statusCode, headers, `cookies`
 * as Set-Cookie headers, body; a malformed answer is API Gateway's 500).
 */
import type { ServerResponse } from 'node:http';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import type { HttpApiAuthorizerEvent } from './http-api-authorizer-event';

/** Payload 2.0 integration event from the authorizer event of the same request: no `type`/`routeArn`, a body. */
export function buildProxyEvent(request: HttpApiAuthorizerEvent, routeKey: string, body: Buffer): APIGatewayProxyEventV2 {
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

type Json = Record<string, unknown>;

function record(value: unknown): Json | undefined {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Json) : undefined;
}

/** Writes a structured proxy result (payload 2.0) to `res`. */
export function writeProxyResult(res: ServerResponse, result: unknown): void {
  const answer = record(result);
  const status = answer?.statusCode;
  if (answer === undefined || typeof status !== 'number' || !Number.isInteger(status) || status < 100 || status > 599) {
    const message = JSON.stringify({ message: 'Internal Server Error' });
    res.writeHead(500, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(message) });
    res.end(message);
    return;
  }
  const headers: Record<string, string | string[]> = {};
  for (const [name, value] of Object.entries(record(answer.headers) ?? {})) {
    if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') headers[name.toLowerCase()] = String(value);
  }
  const cookies = Array.isArray(answer.cookies) ? answer.cookies.filter((cookie): cookie is string => typeof cookie === 'string') : [];
  if (cookies.length > 0) headers['set-cookie'] = cookies;
  const body = typeof answer.body === 'string' ? Buffer.from(answer.body, answer.isBase64Encoded === true ? 'base64' : 'utf8') : Buffer.alloc(0);
  if (status !== 204 && status !== 304) headers['content-length'] = String(body.length);
  res.writeHead(status, headers);
  res.end(status === 204 || status === 304 ? undefined : body);
}
