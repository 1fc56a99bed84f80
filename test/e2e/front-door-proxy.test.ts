/**
 * The front door on its own (no JVM): the payload-2.0 event it builds, compared with a real API Gateway
 * event, and what it does when the authorizer throws or denies.
 */
import { createServer, request, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { startDemoOrigin, type DemoOrigin } from '../../local-runtime/demo-origin';
import {
  closeServer,
  isSkipped,
  startLocalFrontDoor,
  type LocalFrontDoor,
  type LocalFrontDoorRequestLog,
} from '../../local-runtime/http-api-front-door';
import type { HttpApiAuthorizerEvent } from '../../local-runtime/http-api-authorizer-event';
import { NO_VALUE } from '../../lambdas/contract/gateway-context';
import { BROWSER_UA, createTestHandler, httpApiEvent } from '../authorizer/authorizer-fixtures';
import { loadFixture } from '../../harness/aws-fixtures';
import { DOCUMENT_NAVIGATION_HEADERS } from '../../harness/browser-requests';
import { visit } from './local-runtime-process';

const contextOf = (response: unknown) => (response as { context: Record<string, unknown> }).context;

let origin: DemoOrigin | undefined;
let frontDoor: LocalFrontDoor | undefined;
let recorder: Server | undefined;

afterEach(async () => {
  await frontDoor?.stop();
  if (origin) await closeServer(origin.server, 100);
  if (recorder) await closeServer(recorder, 100);
  recorder = undefined;
});

interface Received {
  url: string;
  headers: IncomingHttpHeaders;
}

/** An origin that records each request's target and headers as it received them. */
async function startRecordingOrigin(): Promise<{ url: string; received: Received[] }> {
  const received: Received[] = [];
  recorder = createServer((req, res) => {
    received.push({ url: req.url ?? '', headers: req.headers });
    res.end('ok');
  });
  await new Promise<void>((resolveListen) => recorder?.listen(0, '127.0.0.1', resolveListen));
  return { url: `http://127.0.0.1:${(recorder.address() as AddressInfo).port}`, received };
}

/** A raw request: the target goes on the wire as written (fetch would resolve `..` and re-encode). */
function rawRequest(baseUrl: string, target: string, headers: Record<string, string> = {}): Promise<number> {
  return new Promise((resolveStatus, reject) => {
    const req = request(`${baseUrl}/`, { path: target, headers }, (res) => {
      res.resume();
      res.once('end', () => resolveStatus(res.statusCode ?? 0));
    });
    req.once('error', reject);
    req.end();
  });
}

async function start(authorize: (event: HttpApiAuthorizerEvent) => Promise<unknown>, onRequest?: (entry: LocalFrontDoorRequestLog) => void) {
  origin = await startDemoOrigin(0);
  frontDoor = await startLocalFrontDoor({ port: 0, originUrl: origin.url, skipPrefixes: ['/static/'], authorize, onRequest });
  return frontDoor;
}

describe('local front door', () => {
  it('builds the payload-2.0 REQUEST event API Gateway builds', async () => {
    const events: HttpApiAuthorizerEvent[] = [];
    const door = await start(async (event) => {
      events.push(event);
      return { isAuthorized: true, context: { setCookie: 'a=b' } };
    });
    await visit(door.url, '/products/shoes?utm_source=news&a=1&a=2', {
      cookie: 'device_fp=abc; other=1',
      headers: { 'x-custom': 'one', accept: 'text/html' },
    });
    const event = events[0];
    if (!event) throw new Error('the authorizer was not called');
    const real = loadFixture('http-api-authorizer-request-v2.json');
    const realContext = real.requestContext as Record<string, unknown>;

    // Same top-level and requestContext fields as the real event (no identity source: none configured).
    const { identitySource: _unused, ...realTop } = real;
    for (const key of Object.keys(realTop)) expect(event).toHaveProperty(key);
    for (const key of Object.keys(realContext)) expect(event.requestContext).toHaveProperty(key);
    for (const key of Object.keys(realContext.http as object)) expect(event.requestContext.http).toHaveProperty(key);

    expect(event).toMatchObject({
      version: '2.0',
      type: 'REQUEST',
      routeKey: '$default',
      rawPath: '/products/shoes',
      rawQueryString: 'utm_source=news&a=1&a=2',
      cookies: ['device_fp=abc', 'other=1'],
      queryStringParameters: { utm_source: 'news', a: '1,2' },
    });
    expect(event.routeArn).toMatch(/^arn:aws:execute-api:[a-z0-9-]+:\d{12}:[^/]+\/\$default\/GET\/products\/shoes$/);
    expect(event.headers).toMatchObject({ 'x-custom': 'one', accept: 'text/html', 'x-forwarded-proto': 'http' });
    expect(event.headers?.cookie).toBeUndefined();
    expect(event.headers?.['x-amzn-trace-id']).toMatch(/^Root=1-[0-9a-f]{8}-[0-9a-f]{24}$/);
    expect(event.requestContext.http).toMatchObject({ method: 'GET', path: '/products/shoes', protocol: 'HTTP/1.1' });
    expect(event.requestContext.http.sourceIp).toMatch(/^(127\.0\.0\.1|::1)$/);
    expect(event.requestContext.time).toMatch(/^\d\d\/[A-Z][a-z]{2}\/\d{4}:\d\d:\d\d:\d\d \+0000$/);
    expect(typeof event.requestContext.timeEpoch).toBe('number');
    const again = await visit(door.url, '/');
    expect(again.headers.get('apigw-requestid')).toBe(events[1]?.requestContext.requestId);
  });

  it('still proxies, without identity, when the authorizer throws', async () => {
    const log: LocalFrontDoorRequestLog[] = [];
    const door = await start(async () => {
      throw new Error('boom');
    }, (entry) => log.push(entry));
    const result = await visit(door.url, '/about', { headers: { 'x-device-id': 'injected-device-id-0001' } });
    expect(result.status).toBe(200);
    expect(result.body).toContain('<h1>About</h1>');
    expect(result.receivedDeviceId).toBe('');
    expect(result.setCookies).toEqual([]);
    expect(log[0]?.authorizer.kind).toBe('failed');
  });

  it('lets no spelling of the identity headers through that a CGI/WSGI origin reads as ours', async () => {
    const recording = await startRecordingOrigin();
    const context = { deviceId: 'device-from-authorizer', sessionId: 'session-from-authorizer', userId: '-', setCookie: 'a=b' };
    frontDoor = await startLocalFrontDoor({ port: 0, originUrl: recording.url, skipPrefixes: ['/static/'], authorize: async () => ({ isAuthorized: true, context }) });
    const spoofed = {
      x_device_id: 'spoofed-1',
      'x-device_id': 'spoofed-2',
      x_device_ID: 'spoofed-3',
      X_Session_Id: 'spoofed-4',
      x_user_id: 'admin',
      'X-User_Id': 'admin',
      'x-device-id': 'spoofed-5',
    };
    expect(await rawRequest(frontDoor.url, '/about', spoofed)).toBe(200);
    expect(await rawRequest(frontDoor.url, '/static/site.css', spoofed)).toBe(200);
    const [page, asset] = recording.received;
    // What a WSGI origin would see as HTTP_X_DEVICE_ID & co.: only the authorizer's values, on the page.
    const cgiView = (headers: IncomingHttpHeaders) =>
      Object.entries(headers).filter(([name]) => /^HTTP_X_(DEVICE|SESSION|USER)_ID$/.test(`HTTP_${name.toUpperCase().replaceAll('-', '_')}`));
    expect(cgiView(page?.headers ?? {})).toEqual([
      ['x-device-id', 'device-from-authorizer'],
      ['x-session-id', 'session-from-authorizer'],
      ['x-user-id', '-'],
    ]);
    expect(cgiView(asset?.headers ?? {})).toEqual([]);
  });

  it('applies the one skip rule as the authorizer does: identity and a page view exactly when the canonical path is no skip path', async () => {
    const recording = await startRecordingOrigin();
    const { authorize, deps } = createTestHandler({ logger: { warn: () => undefined, error: () => undefined } });
    const skipPrefixes = ['/static/', '/favicon.ico'];
    frontDoor = await startLocalFrontDoor({ port: 0, originUrl: recording.url, skipPrefixes, authorize });
    const cases: Array<[string, boolean]> = [
      ['/static/x.css', false],
      ['/favicon.ico', false],
      ['/favicon.ico.html', true],
      ['/static/', true],
      ['/static/../pricing', true],
      ['/static/%2e%2e/pricing', true],
      ['/static/..%2Fpricing', true],
      ['//static/x.css', false],
      ['/%73tatic/x.css', false],
      ['/static/./x.css', false],
    ];
    for (const [target, counted] of cases) {
      const views = deps.publisher.messages.length;
      expect(await rawRequest(frontDoor.url, target, { ...DOCUMENT_NAVIGATION_HEADERS, 'user-agent': BROWSER_UA }), target).toBe(200);
      const received = recording.received.at(-1);
      expect(received?.url, target).toBe(target);
      const deviceId = received?.headers['x-device-id'];
      expect(deviceId !== undefined && deviceId !== NO_VALUE, `${target}: origin got identity`).toBe(counted);
      expect(deps.publisher.messages.length - views, `${target}: page views`).toBe(counted ? 1 : 0);
      // The authorizer, asked directly about the same path, agrees.
      expect(contextOf(await authorize(httpApiEvent({ path: target }))).tracked, `${target}: authorizer`).toBe(counted);
    }
  });

  it('routes skip prefixes like the stack: greedy under a trailing slash, exact otherwise', () => {
    const prefixes = ['/static/', '/favicon.ico'];
    expect(isSkipped('/static/site.css', prefixes)).toBe(true);
    expect(isSkipped('/static/a/b.js', prefixes)).toBe(true);
    expect(isSkipped('/static/', prefixes)).toBe(false);
    // Not canonical: through the authorizer, which applies the same rule to the canonical path.
    expect(isSkipped('/static/../pricing', prefixes)).toBe(false);
    expect(isSkipped('//static/x', prefixes)).toBe(false);
    expect(isSkipped('/favicon.ico', prefixes)).toBe(true);
    expect(isSkipped('/favicon.ico.bak', prefixes)).toBe(false);
    expect(isSkipped('/statics', prefixes)).toBe(false);
  });

  it("appends Set-Cookie for exactly the status codes the stack's response mapping lists", async () => {
    const door = await start(async () => ({ isAuthorized: true, context: { deviceId: 'd', setCookie: 'device_fp=v; Path=/' } }));
    expect((await visit(door.url, '/no-such-page')).setCookies).toEqual(['device_fp=v; Path=/']);
    const teapot = await visit(door.url, '/teapot');
    expect(teapot.status).toBe(418);
    expect(teapot.setCookies).toEqual([]);
  });

  it('answers 403 like API Gateway when a simple response denies', async () => {
    const door = await start(async () => ({ isAuthorized: false, context: {} }));
    const result = await visit(door.url, '/about');
    expect(result.status).toBe(403);
    expect(JSON.parse(result.body)).toEqual({ message: 'Forbidden' });
  });

  it('answers 503 like API Gateway when the origin cannot be reached', async () => {
    const door = await start(async () => ({ isAuthorized: true, context: {} }));
    if (origin) await closeServer(origin.server, 100);
    origin = undefined;
    const result = await visit(door.url, '/about');
    expect(result.status).toBe(503);
  });
});
