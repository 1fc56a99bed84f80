/**
 * The identity authorizer: a thin adapter over the identity domain. For every request it returns
 * "allow" with a flat context (deviceId, sessionId, userId, isNewDevice, isNewSession, tracked, reason,
 * setCookie; every key always present, `-` for no value) and, for a tracked page view, hands one message to
 * its publisher. On Lambda the internal extension (`lambda-entry.mjs`) lets that message leave after the
 * response, batched with its neighbours (`after-response.ts`); without it, it is sent before returning.
 *
 * It never throws and never answers 500: an unexpected error still allows, with a context that touches
 * no cookie, and is logged and counted. The one exception is misconfiguration, which fails the cold
 * start with a clear message. Dependencies are built from the environment on the first invocation
 * (`handler`), or injected (`createAuthorizerHandler`) by tests, the benchmark and the local runtime.
 */
import type { Logger } from '@aws-lambda-powertools/logger';
import { createSetCookieBuilder, type SetCookieBuilder } from '../identity/cookie-attributes';
import { SESSION_ID_BYTES, createRandomIdSource, type IdSource } from '../identity/id-source';
import { resolveIdentity, type IdentitySettings } from '../identity/identity-resolution';
import { parseKeyRing, type KeyRing } from '../identity/key-ring';
import { buildIdentifyMessage, buildPageViewMessage, isUsableUserId } from '../identity/queue-messages';
import { classifyRequest, type Classification, type ClassificationSettings, type ReasonCode } from '../identity/request-classification';
import { findCookieValues } from '../identity/request-cookies';
import { createUserAgentProfiler, type UserAgentProfiler } from '../identity/user-agent-profile';
import type { QueueMessage } from '../contract/page-view-message';
import { AfterResponseLifecycle } from './after-response';
import { NO_VALUE, allowResponse, readRequest, type AuthorizerContext, type AuthorizerResponse, type RequestFacts } from './authorizer-event';
import { createEmfMetrics, type AuthorizerMetrics, type InvocationMetrics } from './authorizer-metrics';
import { BatchingPageViewPublisher } from './batching-page-view-publisher';
import { HOLD_LIMITS } from './held-page-views';
import { loadAuthorizerConfig, type AuthorizerConfig } from './config';
import { SecretLoadError } from './errors';
import { bearerToken, createJwtVerifier, type JwtVerifier } from './jwt-verifier';
import type { PageViewPublisher } from './page-view-publisher';
import { startInternalExtension } from './lambda-extension-client';
import { createSecretsManagerReader, type SecretReader } from './secret-loader';
import { REPLAY_MARKER } from '../contract/replay-record';

/**
 * At most this many device cookie values are read per request; structurally invalid ones are rejected
 * without an HMAC, and at most MAX_SIGNATURE_CHECKS (identity-resolution.ts) are MAC-checked.
 */
const MAX_COOKIE_VALUES = 32;

export type AuthorizerLogger = Pick<Logger, 'warn' | 'error'>;

export interface AuthorizerDeps {
  readonly config: AuthorizerConfig;
  readonly keyRing: KeyRing;
  readonly publisher: PageViewPublisher;
  readonly logger: AuthorizerLogger;
  readonly metrics: AuthorizerMetrics;
  /** Present only when JWT verification is configured. */
  readonly jwtVerifier?: JwtVerifier;
  /** Epoch milliseconds. */
  readonly clock?: () => number;
  /** 16-byte ids: devices, views, messages. */
  readonly newId?: IdSource;
  /** Session ids (16 bytes). */
  readonly newSessionId?: IdSource;
  readonly userAgentProfiler?: UserAgentProfiler;
}

export type AuthorizerHandler = (event: unknown) => Promise<AuthorizerResponse>;

interface Outcome {
  readonly context: AuthorizerContext;
  readonly principalId: string;
  readonly message?: QueueMessage;
}

export function createAuthorizerHandler(deps: AuthorizerDeps): AuthorizerHandler {
  const { config, keyRing, publisher, logger, metrics, jwtVerifier } = deps;
  const clock = deps.clock ?? Date.now;
  const newId = deps.newId ?? createRandomIdSource();
  const ids = { device: newId, session: deps.newSessionId ?? createRandomIdSource(SESSION_ID_BYTES) };
  const profileUserAgent = deps.userAgentProfiler ?? createUserAgentProfiler();
  const cookies: SetCookieBuilder = createSetCookieBuilder({ name: config.cookieName, domain: config.cookieDomain });
  const classification: ClassificationSettings = {
    skipPrefixes: config.skipPrefixes,
    untrackedPrefixes: config.untrackedPrefixes,
    honorPrivacySignals: config.honorPrivacySignals,
    isBot: (userAgent) => profileUserAgent(userAgent).isBot,
  };
  const identity: IdentitySettings = {
    keyRing,
    maxAgeSeconds: config.cookieMaxAgeSeconds,
    renewal: config.cookieRenewal,
    session: { timeoutSeconds: config.sessionTimeoutSeconds, maxSeconds: config.sessionMaxSeconds },
  };

  const noIdentity = (reason: ReasonCode | 'error', setCookie: string): AuthorizerContext => ({
    deviceId: NO_VALUE,
    sessionId: NO_VALUE,
    userId: NO_VALUE,
    isNewDevice: false,
    isNewSession: false,
    tracked: false,
    reason,
    setCookie,
  });

  /** Everything up to the bearer token: `Outcome` when done, the request when identity resolution follows. */
  function classify(event: unknown, invocation: InvocationMetrics): Outcome | { request: RequestFacts; classified: Classification } {
    const request = readRequest(event);
    const classified = classifyRequest(request, classification);
    if (classified.kind === 'skip') {
      invocation.countSkipped(classified.reason);
      return { context: noIdentity(classified.reason, cookies.noChange), principalId: 'anonymous' };
    }
    if (classified.kind === 'refuse') {
      // No cookie, no identifier; and a cookie set earlier is deleted.
      invocation.countSkipped(classified.reason);
      return { context: noIdentity(classified.reason, cookies.deletion), principalId: 'anonymous' };
    }
    return { request, classified };
  }

  async function authenticatedUser(request: RequestFacts): Promise<string | undefined> {
    if (jwtVerifier === undefined) return undefined;
    const token = bearerToken(request.authorization);
    const user = token === undefined ? undefined : await jwtVerifier.verify(token);
    // A `sub` of exactly `-` would read as "no user" at the origin: such a token is treated as anonymous.
    return user !== undefined && isUsableUserId(user.sub) && user.sub !== NO_VALUE ? user.sub : undefined;
  }

  function resolveVisitor(request: RequestFacts, classified: Classification, userId: string | undefined, invocation: InvocationMetrics): Outcome {
    const reason: ReasonCode = userId !== undefined ? 'authenticated' : classified.reason;
    const track = reason === 'tracked';
    const nowMillis = clock();
    const resolution = resolveIdentity(
      { cookieValues: findCookieValues(request.cookieSources, config.cookieName, MAX_COOKIE_VALUES), track, userId, nowMillis },
      identity,
      ids,
    );

    if (resolution.rejectedCookie !== undefined) invocation.count('InvalidCookies');
    if (resolution.isNewDevice) invocation.count('NewDevices');
    if (resolution.isNewSession) invocation.count('NewSessions');
    if (track) invocation.count('TrackedPageViews');
    else invocation.countSkipped(reason);

    // A tracked page view always has a session; NO_VALUE can only reach the context.
    const sessionId = resolution.sessionId ?? NO_VALUE;
    let message: QueueMessage | undefined;
    if (track) {
      message = buildPageViewMessage({
        viewId: newId(),
        deviceId: resolution.deviceId,
        sessionId,
        sessionStarted: resolution.isNewSession,
        nowMillis,
        path: request.path,
        utm: request.utm,
        referer: request.referer,
        device: profileUserAgent(request.userAgent).device,
      });
    } else if (resolution.linkUser && userId !== undefined) {
      message = buildIdentifyMessage(newId(), resolution.deviceId, userId, nowMillis);
    }

    const context: AuthorizerContext = {
      deviceId: resolution.deviceId,
      sessionId,
      userId: userId ?? NO_VALUE,
      isNewDevice: resolution.isNewDevice,
      isNewSession: resolution.isNewSession,
      tracked: track,
      reason,
      setCookie: cookies.set(resolution.cookieValue, resolution.cookieMaxAgeSeconds),
    };
    return { context, principalId: resolution.deviceId, message };
  }

  function publishFailed(message: QueueMessage, invocation: InvocationMetrics, error: unknown): void {
    invocation.count('PublishFailures');
    writeReplayRecord(logger, message, error);
  }

  return async function authorize(event: unknown): Promise<AuthorizerResponse> {
    const invocation = metrics.begin();
    try {
      const started = performance.now();
      const classified = classify(event, invocation);
      // Without JWT verification the whole resolution is synchronous: no promise on the hot path.
      const outcome =
        'context' in classified
          ? classified
          : resolveVisitor(
              classified.request,
              classified.classified,
              jwtVerifier === undefined ? undefined : await authenticatedUser(classified.request),
              invocation,
            );
      const elapsedMs = performance.now() - started;
      if (elapsedMs > config.slowResolutionWarnMs) {
        logger.warn('Slow identity resolution', { elapsedMs: Math.round(elapsedMs * 1000) / 1000, reason: outcome.context.reason });
      }
      if (outcome.message !== undefined) {
        try {
          await publisher.publish(outcome.message);
        } catch (error) {
          publishFailed(outcome.message, invocation, error);
        }
      }
      return allowResponse(event, outcome.context, outcome.principalId);
    } catch (error) {
      invocation.count('AuthorizerErrors');
      try {
        logger.error('Unexpected authorizer error; allowing the request without identity', { error: describeError(error) });
      } catch {
        // Logging must not turn an allow into a failure.
      }
      return allowResponse(event, noIdentity('error', cookies.noChange), 'anonymous');
    } finally {
      invocation.flush();
    }
  };
}

/** The page view was accepted: keep it replayable from the logs (the consumer deduplicates by id). */
function writeReplayRecord(logger: AuthorizerLogger, message: QueueMessage, error: unknown): void {
  logger.error('Queue message not published; replay it with `npm run replay`', {
    replayMarker: REPLAY_MARKER,
    queueMessage: message,
    error: describeError(error),
  });
}

/** For views that failed after the response: one replay record each, and one metric line. */
export function replayRecordSink(logger: AuthorizerLogger, metrics: AuthorizerMetrics): (messages: readonly QueueMessage[], error: unknown) => void {
  return (messages, error) => {
    const invocation = metrics.begin();
    for (const message of messages) {
      invocation.count('PublishFailures');
      try {
        writeReplayRecord(logger, message, error);
      } catch {
        // One record that cannot be written must not stop the others.
      }
    }
    invocation.flush();
  };
}

/** Error name, message and cause chain for logs; never the event (cookies, IPs) or a secret. */
function describeError(error: unknown): { name: string; message: string; cause?: string } {
  if (!(error instanceof Error)) return { name: 'NonError', message: String(error).slice(0, 500) };
  const cause = error.cause instanceof Error ? `${error.cause.name}: ${error.cause.message}` : undefined;
  return { name: error.name, message: error.message.slice(0, 500), ...(cause === undefined ? {} : { cause: cause.slice(0, 500) }) };
}

// ---- Default wiring from the environment (the deployed function and the local runtime) ----

/**
 * What runs after the response in this process; `lambda-entry.mjs` (the internal extension) or the
 * local runtime attaches to it before the first invocation.
 */
export const afterResponse = new AfterResponseLifecycle();

/**
 * Builds the default dependencies on the first invocation: config, secrets (read once), the SQS
 * publisher over the instance's one client (holding views for after the response when a driver is
 * attached to `afterResponse`, else sending each before the handler returns), logger and metrics. The SQS adapter (the AWS SDK) and the
 * Powertools logger are imported here (`first-invocation-modules.ts`, a separate file of the Lambda
 * bundle) rather than at module load; the cold start pays for them once, on this first call
 * (`npm run bench:authorizer` reports module load and module load + this call).
 */
export async function createDefaultDeps(env: NodeJS.ProcessEnv = process.env, readSecret?: SecretReader): Promise<AuthorizerDeps> {
  const config = loadAuthorizerConfig(env);
  const adapters = import('./first-invocation-modules');
  adapters.catch(() => undefined); // awaited below; this only keeps an early config error from leaving it unhandled
  const secrets = readSecret ?? createSecretsManagerReader();
  const keyRingJson = config.keyRingSource.kind === 'inline' ? config.keyRingSource.json : await secrets(config.keyRingSource.secretArn);
  let keyRing: KeyRing;
  try {
    keyRing = parseKeyRing(keyRingJson);
  } catch (cause) {
    const where = config.keyRingSource.kind === 'inline' ? 'SIGNING_KEYS' : 'the SIGNING_KEYS_SECRET_ARN secret';
    throw new SecretLoadError(`Invalid signing key ring in ${where}: ${(cause as Error).message}`, { cause });
  }
  let jwtVerifier: JwtVerifier | undefined;
  if (config.jwt !== undefined) {
    const source = config.jwt.keySource;
    const secret = source.kind === 'inline-secret' ? source.secret : source.kind === 'secret-arn' ? await secrets(source.secretArn) : undefined;
    jwtVerifier = createJwtVerifier(config.jwt, secret);
  }
  const { SqsPageViewPublisher, sharedSqsClient, sqsBatchSender, createAuthorizerLogger } = await adapters;
  const logger = createAuthorizerLogger(env);
  const metrics = createEmfMetrics(config.metrics);
  let publisher: PageViewPublisher;
  if (afterResponse.isAttached) {
    const batching = new BatchingPageViewPublisher({
      send: sqsBatchSender(sharedSqsClient(config.sqsTimeouts, env), config.queueUrl),
      onUnsent: replayRecordSink(logger, metrics),
      limits: { ...HOLD_LIMITS, maxHoldMs: config.pageViewHoldMs },
    });
    afterResponse.provide(batching);
    publisher = batching;
  } else {
    publisher = new SqsPageViewPublisher(sharedSqsClient(config.sqsTimeouts, env), config.queueUrl);
  }
  return { config, keyRing, publisher, logger, jwtVerifier, metrics };
}

let defaultHandler: Promise<AuthorizerHandler> | undefined;

/**
 * Awaited by `lambda-entry.mjs` during init: on Lambda (AWS_LAMBDA_RUNTIME_API set) registers the
 * internal extension that sends page views after the response. If Lambda refuses it, views are sent
 * inside the invocation as before (slower pages, nothing lost).
 */
export async function startAfterResponseExtension(env: NodeJS.ProcessEnv = process.env): Promise<void> {
  const runtimeApi = env.AWS_LAMBDA_RUNTIME_API;
  if (runtimeApi === undefined || runtimeApi === '') return;
  const warn = (message: string) => process.stderr.write(`${JSON.stringify({ level: 'WARN', message })}\n`);
  try {
    await startInternalExtension(afterResponse, { runtimeApi, warn });
  } catch (error) {
    warn(`page views are sent inside the invocation: ${describeError(error).message}`);
  }
}

/** Lambda entry point. The first call builds the dependencies; a failed build is retried on the next call. */
export async function handler(event: unknown): Promise<AuthorizerResponse> {
  try {
    defaultHandler ??= createDefaultDeps().then(createAuthorizerHandler, (error: unknown) => {
      defaultHandler = undefined;
      throw error;
    });
    return await (await defaultHandler)(event);
  } finally {
    afterResponse.invocationFinished();
  }
}
