/**
 * The local front door: an HTTP server that does what the deployed HTTP API does. Skip prefixes go
 * straight to the origin; every other request first runs the authorizer on a payload-2.0 event, then is
 * proxied with `x-device-id`/`x-session-id`/`x-user-id` overwritten from the authorizer's context, and
 * the authorizer's `setCookie` is appended to the origin's response. Bodies are streamed both ways.
 */
import { request as httpRequest, createServer, type IncomingMessage, type OutgoingHttpHeaders, type Server, type ServerResponse } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { AddressInfo } from 'node:net';
import { canonicalPath, isSkipPath } from '../lambdas/identity/request-path';
import { IDENTITY_HEADERS, SET_COOKIE_STATUS_CODES, isIdentityHeaderSpelling } from '../lib/identity-headers';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { buildAuthorizerEvent, newRequestId, newTraceId, type HttpApiAuthorizerEvent } from './http-api-authorizer-event';
import { buildProxyEvent, writeProxyResult } from './http-api-lambda-proxy';

/** A Lambda proxy route on one exact path, as a deployed HTTP API route with a Lambda integration. */
export interface LocalLambdaRoute {
  path: string;
  methods: readonly string[];
  invoke(event: APIGatewayProxyEventV2): Promise<unknown>;
}

/** What the authorizer returned (simple response), or why it did not. */
export type AuthorizerOutcome =
  | { kind: 'skipped' }
  /** The reserved prefix: the function answered as the route's integration, no authorizer. */
  | { kind: 'reserved' }
  | { kind: 'answered'; isAuthorized: boolean; context: Record<string, unknown> }
  | { kind: 'failed'; error: unknown };

export interface LocalFrontDoorRequestLog {
  method: string;
  path: string;
  status: number;
  durationMs: number;
  authorizer: AuthorizerOutcome;
}

export interface LocalFrontDoorOptions {
  /** 0: a free port. */
  port: number;
  /** An origin (no path: the request path is forwarded as is, as deployed; settings.ts checks it). */
  originUrl: string;
  skipPrefixes: readonly string[];
  authorize(event: HttpApiAuthorizerEvent): Promise<unknown>;
  /**
   * The reserved prefix's route (`ANY {prefix}{proxy+}`): requests under it go to `invoke` as a Lambda
   * proxy event (the same function as `authorize`, deployed), never to the origin.
   */
  reserved?: { prefix: string; invoke(event: APIGatewayProxyEventV2): Promise<unknown> };
  /**
   * Lambda proxy routes on exact paths under the prefix (the forget endpoint, its own function): more
   * specific than the prefix's route, so they win, as API Gateway picks the most specific route.
   */
  routes?: readonly LocalLambdaRoute[];
  /** One call per finished request (an access log line). */
  onRequest?(entry: LocalFrontDoorRequestLog): void;
  /** How long to wait for the authorizer before proxying without identity (API Gateway allows 10 s). */
  authorizerTimeoutMs?: number;
  /** How long to wait for the origin (API Gateway HTTP APIs allow 30 s). */
  integrationTimeoutMs?: number;
}

export interface LocalFrontDoor {
  url: string;
  port: number;
  server: Server;
  stop(): Promise<void>;
}

const HOP_BY_HOP = new Set([
  'connection',
  'keep-alive',
  'proxy-authenticate',
  'proxy-authorization',
  'proxy-connection',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
]);

function errorBody(res: ServerResponse, status: number, message: string): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  const body = JSON.stringify({ message });
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
  res.end(body);
}

/** A request whose body could not be sent twice (GET and HEAD without one can). */
function hasBody(req: IncomingMessage): boolean {
  return !(req.method === 'GET' || req.method === 'HEAD') || req.headers['content-length'] !== undefined || req.headers['transfer-encoding'] !== undefined;
}

function sourceIpOf(req: IncomingMessage): string {
  const address = req.socket.remoteAddress ?? '127.0.0.1';
  return address.startsWith('::ffff:') ? address.slice('::ffff:'.length) : address;
}

function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not answer within ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/** Reads a simple response (`{ isAuthorized, context }`) defensively: it comes from someone else's code. */
function simpleResponse(result: unknown): AuthorizerOutcome {
  if (typeof result !== 'object' || result === null || !('isAuthorized' in result)) {
    return { kind: 'failed', error: new Error('The authorizer did not return a simple response { isAuthorized }') };
  }
  const context = 'context' in result && typeof result.context === 'object' && result.context !== null ? result.context : {};
  return { kind: 'answered', isAuthorized: result.isAuthorized === true, context: context as Record<string, unknown> };
}

function contextText(context: Record<string, unknown>, key: string): string | undefined {
  const value = context[key];
  if (typeof value === 'string') return value.length > 0 ? value : undefined;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return undefined;
}

/**
 * Whether a request takes a skip route (origin, no authorizer): the one rule of request-path.ts, and only
 * for a path already in canonical form. Anything else (`/static/../pricing`, `//static/x`, `/%73tatic/x`)
 * goes through the authorizer, which applies the same rule to the canonical path, so the origin gets
 * identity and a page view is counted exactly when the canonical path is not a skip path; and a skip
 * route never hands the origin a path that resolves outside the skip area.
 */
export function isSkipped(path: string, skipPrefixes: readonly string[]): boolean {
  return canonicalPath(path) === path && isSkipPath(path, skipPrefixes);
}

/** API Gateway's request payload limit. */
const MAX_PAYLOAD_BYTES = 10 * 1024 * 1024;

/** Responses that get the authorizer's Set-Cookie, as the stack's response mappings list them. */
const SET_COOKIE_STATUSES: ReadonlySet<number> = new Set(SET_COOKIE_STATUS_CODES);

export async function startLocalFrontDoor(options: LocalFrontDoorOptions): Promise<LocalFrontDoor> {
  const origin = new URL(options.originUrl);
  const send = origin.protocol === 'https:' ? httpsRequest : httpRequest;
  const authorizerTimeoutMs = options.authorizerTimeoutMs ?? 10_000;
  const integrationTimeoutMs = options.integrationTimeoutMs ?? 30_000;
  let localPort = options.port;

  function requestEvent(req: IncomingMessage, now: Date) {
    return buildAuthorizerEvent(
      {
        method: req.method ?? 'GET',
        url: req.url ?? '/',
        headers: req.headers,
        httpVersion: req.httpVersion,
        sourceIp: sourceIpOf(req),
        protocol: 'http',
        localPort,
      },
      now,
    );
  }

  async function runAuthorizer(req: IncomingMessage, now: Date) {
    const built = requestEvent(req, now);
    try {
      const result = await withTimeout(options.authorize(built.event), authorizerTimeoutMs, 'The authorizer');
      return { outcome: simpleResponse(result), traceId: built.traceId, requestId: built.requestId };
    } catch (error) {
      return { outcome: { kind: 'failed', error } as AuthorizerOutcome, traceId: built.traceId, requestId: built.requestId };
    }
  }

  function originHeaders(req: IncomingMessage, outcome: AuthorizerOutcome, traceId: string | undefined): OutgoingHttpHeaders {
    const headers: OutgoingHttpHeaders = {};
    for (const [name, value] of Object.entries(req.headers)) {
      // Removed on every route, as the stack does: our identity headers and every spelling a CGI/WSGI
      // origin reads as the same variable. On skip routes nobody vouches for them, and on the default
      // route they are set from the authorizer, never appended to.
      if (value === undefined || HOP_BY_HOP.has(name) || name === 'host' || isIdentityHeaderSpelling(name)) continue;
      headers[name] = value;
    }
    const clientIp = sourceIpOf(req);
    const forwardedFor = req.headers['x-forwarded-for'];
    headers['x-forwarded-for'] = forwardedFor ? `${String(forwardedFor)}, ${clientIp}` : clientIp;
    headers['x-forwarded-proto'] = 'http';
    headers['x-forwarded-port'] = String(localPort);
    headers['x-forwarded-host'] = req.headers.host ?? `localhost:${localPort}`;
    // What deployed HTTP APIs send their HTTP integrations (RFC 7239 Forwarded, plus Via).
    const node = (ip: string) => (ip.includes(':') ? `"[${ip}]"` : ip);
    const hop = `by=${node(req.socket.localAddress?.replace(/^::ffff:/, '') ?? '127.0.0.1')};for=${node(clientIp)};host=${headers['x-forwarded-host']};proto=http`;
    headers.forwarded = req.headers.forwarded ? `${req.headers.forwarded}, ${hop}` : hop;
    headers.via = req.headers.via ? `${req.headers.via}, HTTP/1.1 visitor-gate-local` : 'HTTP/1.1 visitor-gate-local';
    headers['x-amzn-trace-id'] = traceId ?? newTraceId(new Date());
    headers.host = origin.host;
    if (outcome.kind === 'answered') {
      for (const [header, key] of Object.entries(IDENTITY_HEADERS)) {
        const value = contextText(outcome.context, key);
        if (value !== undefined) headers[header] = value;
      }
    }
    return headers;
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const started = performance.now();
    const target = req.url ?? '/';
    const path = target.split('?')[0] ?? '/';
    let outcome: AuthorizerOutcome = { kind: 'skipped' };
    let traceId: string | undefined;
    let requestId = newRequestId();
    res.once('finish', () =>
      options.onRequest?.({
        method: req.method ?? 'GET',
        path,
        status: res.statusCode,
        durationMs: performance.now() - started,
        authorizer: outcome,
      }),
    );

    const reserved = options.reserved;
    const route = options.routes?.find((candidate) => candidate.path === path && candidate.methods.includes(req.method ?? 'GET'));
    if (route !== undefined) {
      outcome = { kind: 'reserved' };
      await serveProxy(req, res, `${req.method ?? 'GET'} ${route.path}`, route.invoke);
      return;
    }
    if (reserved !== undefined && isSkipped(path, [reserved.prefix])) {
      outcome = { kind: 'reserved' };
      await serveProxy(req, res, `ANY ${reserved.prefix}{proxy+}`, reserved.invoke);
      return;
    }
    const skipped = isSkipped(path, options.skipPrefixes);
    if (!skipped) ({ outcome, traceId, requestId } = await runAuthorizer(req, new Date()));
    // HTTP APIs name every request in this response header.
    res.setHeader('apigw-requestid', requestId);
    // A simple response of isAuthorized=false is a 403 at API Gateway; ours always allows.
    if (outcome.kind === 'answered' && !outcome.isAuthorized) {
      req.resume();
      errorBody(res, 403, 'Forbidden');
      return;
    }
    const setCookie = outcome.kind === 'answered' ? contextText(outcome.context, 'setCookie') : undefined;

    const forward = (attempt: number) => {
      const upstream = send(
        {
          protocol: origin.protocol,
          hostname: origin.hostname,
          port: origin.port || undefined,
          method: req.method,
          path: target,
          headers: originHeaders(req, outcome, traceId),
          timeout: integrationTimeoutMs,
        },
        (upstreamRes) => {
          const headers: OutgoingHttpHeaders = {};
          for (const [name, value] of Object.entries(upstreamRes.headers)) {
            if (value === undefined || HOP_BY_HOP.has(name)) continue;
            headers[name] = value;
          }
          if (setCookie && SET_COOKIE_STATUSES.has(upstreamRes.statusCode ?? 0)) {
            const existing = upstreamRes.headers['set-cookie'] ?? [];
            headers['set-cookie'] = [...existing, setCookie];
          }
          res.writeHead(upstreamRes.statusCode ?? 502, upstreamRes.statusMessage, headers);
          upstreamRes.pipe(res);
          upstreamRes.once('error', () => res.destroy());
        },
      );
      upstream.once('timeout', () => upstream.destroy(new Error('integration timeout')));
      // A visitor who goes away should not keep the origin request open.
      res.once('close', () => {
        if (!res.writableFinished) upstream.destroy();
      });
      upstream.once('error', (error: NodeJS.ErrnoException) => {
        // A kept-alive connection the origin closed just as we reused it (the race Node's http docs
        // describe under `request.reusedSocket`): a request without a body is sent again, once.
        if (attempt === 0 && upstream.reusedSocket && error.code === 'ECONNRESET' && !res.headersSent && !hasBody(req)) {
          forward(1);
          return;
        }
        // API Gateway's answers when the integration times out or cannot be reached.
        if (error.message === 'integration timeout') errorBody(res, 504, 'Gateway Timeout');
        else errorBody(res, 503, 'Service Unavailable');
      });
      // A retry has no body to send (the request's own stream has ended).
      if (attempt === 0) req.pipe(upstream);
      else upstream.end();
    };
    forward(0);
  }

  /** As the deployed route: the whole body (API Gateway's 10 MB cap), then one proxy invocation. */
  async function serveProxy(req: IncomingMessage, res: ServerResponse, routeKey: string, invoke: LocalLambdaRoute['invoke']): Promise<void> {
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of req as AsyncIterable<Buffer>) {
      size += chunk.length;
      if (size > MAX_PAYLOAD_BYTES) {
        errorBody(res, 413, 'Request Entity Too Large');
        return;
      }
      chunks.push(chunk);
    }
    const built = requestEvent(req, new Date());
    res.setHeader('apigw-requestid', built.requestId);
    const event = buildProxyEvent(built.event, routeKey, Buffer.concat(chunks));
    try {
      writeProxyResult(res, await withTimeout(invoke(event), integrationTimeoutMs, 'The function'));
    } catch (error) {
      errorBody(res, error instanceof Error && error.message.includes('did not answer') ? 504 : 500, 'Internal Server Error');
    }
  }

  const server = createServer((req, res) => {
    handle(req, res).catch(() => errorBody(res, 500, 'Internal Server Error'));
  });
  await new Promise<void>((resolveListen, rejectListen) => {
    server.once('error', rejectListen);
    server.listen(options.port, () => {
      server.off('error', rejectListen);
      resolveListen();
    });
  });
  localPort = (server.address() as AddressInfo).port;
  return {
    url: `http://localhost:${localPort}`,
    port: localPort,
    server,
    stop: () => closeServer(server),
  };
}

/** Stops accepting, lets requests in progress finish (briefly), then drops keep-alive sockets. */
export function closeServer(server: Server, graceMs = 3_000): Promise<void> {
  return new Promise((resolveClose) => {
    if (!server.listening) {
      resolveClose();
      return;
    }
    const timer = setTimeout(() => server.closeAllConnections(), graceMs);
    server.close(() => {
      clearTimeout(timer);
      resolveClose();
    });
    server.closeIdleConnections();
  });
}
