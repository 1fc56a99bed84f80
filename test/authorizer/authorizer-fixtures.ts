/**
 * Shared pieces of the authorizer tests: the real-shaped AWS events, a config, deps with an
 * in-memory publisher, and a capture of everything written to stdout/stderr (Powertools logger and
 * the EMF metrics both write there), to assert on log lines.
 */
import { Logger } from '@aws-lambda-powertools/logger';
import { vi } from 'vitest';
import { createAuthorizerMetrics } from '../../lambdas/authorizer/authorizer-metrics';
import { createMetrics, publishCounts } from '../../lambdas/observability/powertools';
import { loadAuthorizerConfig, type AuthorizerConfig } from '../../lambdas/authorizer/config';
import { createAuthorizerHandler, type AuthorizerDeps } from '../../lambdas/authorizer/handler';
import { InMemoryPageViewPublisher } from '../../harness/in-memory-publisher';
import { parseKeyRing } from '../../lambdas/identity/key-ring';
import { SECRET_1 } from '../identity/test-keys';
import { USER_AGENTS } from '../identity/user-agents';

import { loadFixture } from '../../harness/aws-fixtures';
import { DOCUMENT_NAVIGATION_HEADERS } from '../../harness/browser-requests';
import { observabilityNames } from '../../lambdas/observability/names';

export { FIXTURE_IP, loadFixture } from '../../harness/aws-fixtures';
export const BROWSER_UA = USER_AGENTS.chromeWindows;
export const SIGNING_KEYS = JSON.stringify({ current: 'k1', k1: SECRET_1 });
export const NOW_MILLIS = 1_764_428_400_000;

type Json = Record<string, unknown>;

/** The HTTP API 2.0 authorizer fixture as a browser's navigation to `path`, with extra headers and cookies. */
export function httpApiEvent(options: { path?: string; method?: string; query?: string; headers?: Record<string, string>; cookies?: string[]; ua?: string } = {}): Json {
  const event = loadFixture('http-api-authorizer-request-v2.json');
  const path = options.path ?? '/pricing';
  const method = options.method ?? 'GET';
  // The fixture's `Bearer foo` is dropped: tests that need a token pass their own.
  const { authorization: _fixtureToken, ...fixtureHeaders } = event.headers as Json;
  const headers: Json = { ...fixtureHeaders, ...DOCUMENT_NAVIGATION_HEADERS, 'user-agent': options.ua ?? BROWSER_UA, ...options.headers };
  const requestContext = event.requestContext as Json;
  const http = { ...(requestContext.http as Json), method, path, userAgent: headers['user-agent'] };
  return {
    ...event,
    routeKey: `${method} ${path}`,
    rawPath: path,
    rawQueryString: options.query ?? '',
    headers,
    ...(options.cookies === undefined ? {} : { cookies: options.cookies }),
    requestContext: { ...requestContext, http },
  };
}

/** The REST API REQUEST fixture as a browser's navigation to `path` (REST keeps the client's header casing). */
export function restApiEvent(options: { path?: string; method?: string; headers?: Record<string, string>; query?: Record<string, string> } = {}): Json {
  const event = loadFixture('rest-api-authorizer-request-v1.json');
  const { Authorization: _fixtureToken, ...fixtureHeaders } = event.headers as Json;
  const navigation = Object.fromEntries(Object.entries(DOCUMENT_NAVIGATION_HEADERS).map(([name, value]) => [name.replace(/(^|-)[a-z]/g, (c) => c.toUpperCase()), value]));
  const headers: Record<string, unknown> = { ...fixtureHeaders, ...navigation, 'User-Agent': BROWSER_UA, ...options.headers };
  const multiValueHeaders = Object.fromEntries(Object.entries(headers).map(([k, v]) => [k, [v]]));
  const query = options.query ?? {};
  return {
    ...event,
    path: options.path ?? '/pricing',
    httpMethod: options.method ?? 'GET',
    headers,
    multiValueHeaders,
    queryStringParameters: query,
    multiValueQueryStringParameters: Object.fromEntries(Object.entries(query).map(([k, v]) => [k, [v]])),
  };
}

export function testConfig(env: Record<string, string> = {}): AuthorizerConfig {
  return loadAuthorizerConfig({ QUEUE_URL: 'http://127.0.0.1:1/000000000000/page-views', SIGNING_KEYS, ...env });
}

/** Everything the process writes to stdout and stderr while `capture` is active. */
export function captureOutput(): { lines(): string[]; text(): string; restore(): void } {
  const chunks: string[] = [];
  const record = (chunk: unknown) => {
    chunks.push(typeof chunk === 'string' ? chunk : Buffer.from(chunk as Uint8Array).toString('utf8'));
    return true;
  };
  const out = vi.spyOn(process.stdout, 'write').mockImplementation(record);
  const err = vi.spyOn(process.stderr, 'write').mockImplementation(record);
  return {
    text: () => chunks.join(''),
    lines: () => chunks.join('').split('\n').filter((l) => l !== ''),
    restore: () => {
      out.mockRestore();
      err.mockRestore();
    },
  };
}

/** The handler's metrics as deployed but written after every invocation, so a test sees each one's lines. */
export function powertoolsMetricsEveryInvocation() {
  const metrics = createMetrics(observabilityNames({}));
  return createAuthorizerMetrics({ write: (counts) => publishCounts(metrics, counts) });
}

export function testDeps(overrides: Partial<AuthorizerDeps> = {}): AuthorizerDeps & { publisher: InMemoryPageViewPublisher } {
  const publisher = new InMemoryPageViewPublisher();
  return {
    config: testConfig(),
    keyRing: parseKeyRing(SIGNING_KEYS),
    publisher,
    logger: new Logger({ serviceName: 'visitor-gate' }),
    metrics: powertoolsMetricsEveryInvocation(),
    clock: () => NOW_MILLIS,
    ...overrides,
  } as AuthorizerDeps & { publisher: InMemoryPageViewPublisher };
}

export function createTestHandler(overrides: Partial<AuthorizerDeps> = {}) {
  const deps = testDeps(overrides);
  return { deps, authorize: createAuthorizerHandler(deps) };
}

/** The `name=value` of a Set-Cookie string, ready to send back as a Cookie header. */
export function cookiePair(setCookie: unknown): string {
  return String(setCookie).split(';')[0] ?? '';
}
