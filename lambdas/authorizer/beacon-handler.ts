/**
 * The identity function as the integration of the reserved prefix's route (`ANY {prefix}{proxy+}`, a
 * Lambda proxy integration, payload 2.0): `POST {prefix}view` takes one page-view beacon and answers
 * 204 with `Cache-Control: no-store` and the visitor's cookie; `GET {prefix}spa.<version>.js` serves
 * the script, cached for a year. One invocation per beacon, no authorizer in front: the decision is the
 * authorizer's own use case (identity/beacon-view.ts). Never throws: an unexpected error is a 204
 * without a cookie, logged and counted like the authorizer's.
 */
import type { APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { BEACON_ENDPOINT, BEACON_LIMITS, BEACON_SCRIPT_STEM, SCRIPT_NAME_HEADER, UNVERSIONED_SCRIPT_CACHE, VERSIONED_SCRIPT_CACHE } from '../contract/reserved-paths';
import { createRandomIdSource, SESSION_ID_BYTES } from '../identity/id-source';
import { createBeaconRate } from '../identity/beacon-rate';
import { BEACON_SCRIPT, beaconScriptFileName } from '../identity/beacon-script';
import { decideBeacon, type BeaconSettings } from '../identity/beacon-view';
import { createUserAgentProfiler } from '../identity/user-agent-profile';
import { readRequest } from './authorizer-event';
import { authorizeSettings, publishOrRecord, type AuthorizerDeps } from './handler';

export type ReservedPathResponse = APIGatewayProxyStructuredResultV2;

type Json = Record<string, unknown>;
const record = (value: unknown): Json | undefined => (typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Json) : undefined);
const text = (value: unknown): string | undefined => (typeof value === 'string' ? value : undefined);

/**
 * A Lambda proxy integration event (payload 2.0) rather than an authorizer's: it has a route key and no
 * `type` (authorizer events carry `type: "REQUEST"`).
 */
export function isReservedPathEvent(event: unknown): boolean {
  const e = record(event);
  return e !== undefined && e.version === '2.0' && e.type === undefined && typeof e.routeKey === 'string' && record(e.requestContext)?.http !== undefined;
}

const NO_STORE = { 'cache-control': 'no-store' };

function answer(statusCode: number, headers: Record<string, string> = {}, cookies?: string[]): ReservedPathResponse {
  return { statusCode, headers: { ...NO_STORE, ...headers }, ...(cookies ? { cookies } : {}) };
}

/** The body as text, or undefined when it is too long to be a claim (not decoded at all then). */
function bodyText(event: Json): string | undefined {
  const body = text(event.body) ?? '';
  if (event.isBase64Encoded !== true) return body.length > BEACON_LIMITS.bodyBytes ? undefined : body;
  if (body.length > (BEACON_LIMITS.bodyBytes * 4) / 3 + 4) return undefined;
  return Buffer.from(body, 'base64').toString('utf8');
}

export function createReservedPathHandler(deps: AuthorizerDeps): (event: unknown) => Promise<ReservedPathResponse> {
  const { config, publisher, logger, metrics } = deps;
  const clock = deps.clock ?? Date.now;
  const newId = deps.newId ?? createRandomIdSource();
  const ids = { device: newId, session: deps.newSessionId ?? createRandomIdSource(SESSION_ID_BYTES), message: newId };
  const settings: BeaconSettings = {
    authorize: authorizeSettings(config, deps.keyRing, deps.userAgentProfiler ?? createUserAgentProfiler()),
    reservedPrefix: config.reservedPrefix,
    allowedOrigins: config.beaconOrigins,
    rate: createBeaconRate(BEACON_LIMITS),
  };
  const prefix = config.reservedPrefix;
  const cookies = settings.authorize.cookies;

  function script(file: string, method: string): ReservedPathResponse | undefined {
    const versioned = file === beaconScriptFileName();
    if (!versioned && file !== `${BEACON_SCRIPT_STEM}.js`) return undefined;
    if (method !== 'GET' && method !== 'HEAD') return answer(405, { allow: 'GET, HEAD' });
    return {
      statusCode: 200,
      headers: {
        'content-type': 'text/javascript; charset=utf-8',
        'cache-control': versioned ? VERSIONED_SCRIPT_CACHE : UNVERSIONED_SCRIPT_CACHE,
        [SCRIPT_NAME_HEADER]: beaconScriptFileName(),
      },
      body: method === 'HEAD' ? '' : BEACON_SCRIPT,
    };
  }

  return async function reservedPath(input: unknown): Promise<ReservedPathResponse> {
    const invocation = metrics.begin();
    try {
      const event = record(input) ?? {};
      const facts = readRequest(event);
      const file = facts.path.startsWith(prefix) ? facts.path.slice(prefix.length) : '';
      if (file !== BEACON_ENDPOINT) return script(file, facts.method) ?? answer(404);
      if (facts.method !== 'POST') {
        invocation.countSkipped('beacon_method');
        return answer(405, { allow: 'POST' });
      }
      const headers = record(event.headers) ?? {};
      const host = text(headers.host) ?? text(record(event.requestContext)?.domainName) ?? '';
      const body = bodyText(event);
      const outcome =
        body === undefined
          ? ({ kind: 'refused', reason: 'beacon_invalid', status: 400 } as const)
          : decideBeacon(
              { facts, origin: text(headers.origin), ownOrigin: `${text(headers['x-forwarded-proto']) ?? 'https'}://${host}`, body },
              clock(),
              settings,
              ids,
            );
      if (outcome.kind === 'refused') {
        invocation.countSkipped(outcome.reason);
        return answer(outcome.status);
      }
      const { decision, allowOrigin } = outcome;
      for (const counter of decision.counters) invocation.count(counter);
      if (decision.skippedReason !== undefined) invocation.countSkipped(decision.skippedReason);
      if (decision.message !== undefined) await publishOrRecord(publisher, logger, invocation, decision.message);
      const cors: Record<string, string> = allowOrigin === undefined ? {} : { 'access-control-allow-origin': allowOrigin, 'access-control-allow-credentials': 'true', vary: 'Origin' };
      const setCookie = decision.context.setCookie;
      return answer(204, cors, setCookie === cookies.noChange ? undefined : [setCookie]);
    } catch (error) {
      invocation.count('AuthorizerErrors');
      try {
        logger.error('Unexpected error on a reserved path; answered without a cookie', { error: error instanceof Error ? error.name : 'NonError' });
      } catch {
        // Logging must not turn an answer into a failure.
      }
      return answer(204);
    } finally {
      invocation.flush();
    }
  };
}
