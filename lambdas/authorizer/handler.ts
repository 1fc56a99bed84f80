/**
 * The identity authorizer: a thin adapter over the identity use case (identity/authorize-visitor.ts).
 * For every request it returns "allow" with a flat context (contract/gateway-context.ts; every key
 * always present, `-` for no value) and, for a tracked page view, hands one message to its publisher. On Lambda the internal extension (`lambda-entry.mjs`) lets that message leave after the
 * response, batched with its neighbours (`after-response.ts`); without it, it is sent before returning.
 *
 * It never throws and never answers 500: an unexpected error still allows, with a context that touches
 * no cookie, and is logged and counted. The one exception is misconfiguration, which fails the cold
 * start with a clear message. Dependencies are built from the environment on the first invocation
 * (`handler`), or injected (`createAuthorizerHandler`) by tests, the benchmark and the local runtime.
 */
import type { Logger } from '@aws-lambda-powertools/logger';
import { NO_VALUE } from '../contract/gateway-context';
import type { QueueMessage } from '../contract/page-view-message';
import { REPLAY_MARKER } from '../contract/replay-record';
import { anonymousContext, decideBeforeIdentity, decideVisitor, type AuthorizeSettings } from '../identity/authorize-visitor';
import { createSetCookieBuilder } from '../identity/cookie-attributes';
import { SESSION_ID_BYTES, createRandomIdSource, type IdSource } from '../identity/id-source';
import { parseKeyRing, type KeyRing } from '../identity/key-ring';
import { isUsableUserId } from '../identity/queue-messages';
import type { RequestFacts } from '../identity/request-facts';
import { createUserAgentProfiler, type UserAgentProfiler } from '../identity/user-agent-profile';
import { AfterResponseLifecycle } from './after-response';
import { createReservedPathHandler, isReservedPathEvent, type ReservedPathResponse } from './beacon-handler';
import { allowResponse, readRequest, type AuthorizerResponse } from './authorizer-event';
import { createAuthorizerMetrics, type AuthorizerMetrics, type InvocationMetrics } from './authorizer-metrics';
import { BatchingPageViewPublisher } from './batching-page-view-publisher';
import { HOLD_LIMITS } from './held-page-views';
import { loadAuthorizerConfig, type AuthorizerConfig } from './config';
import { SecretLoadError } from './errors';
import { bearerToken, createJwtVerifier, type JwtVerifier } from './jwt-verifier';
import type { PageViewPublisher } from './page-view-publisher';
import { startInternalExtension } from './lambda-extension-client';
import { createSecretsManagerReader, type SecretReader } from './secret-loader';

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

/** The use case's settings, built once per execution environment from the configuration. */
export function authorizeSettings(config: AuthorizerConfig, keyRing: KeyRing, profileUserAgent: UserAgentProfiler): AuthorizeSettings {
  return {
    classification: {
      skipPrefixes: config.skipPrefixes,
      untrackedPrefixes: config.untrackedPrefixes,
      staticFileExtensions: new Set(config.staticFileExtensions),
      honorPrivacySignals: config.honorPrivacySignals,
      isBot: (userAgent) => profileUserAgent(userAgent).isBot,
    },
    identity: {
      keyRing,
      maxAgeSeconds: config.cookieMaxAgeSeconds,
      renewal: config.cookieRenewal,
      session: { timeoutSeconds: config.sessionTimeoutSeconds, maxSeconds: config.sessionMaxSeconds },
    },
    cookieName: config.cookieName,
    cookies: createSetCookieBuilder({ name: config.cookieName, domain: config.cookieDomain }),
    profileUserAgent,
    consent: config.consent,
  };
}

/**
 * The handler adapts and wires; the decisions are `decideBeforeIdentity` and `decideVisitor`
 * (lambdas/identity/authorize-visitor.ts).
 */
export function createAuthorizerHandler(deps: AuthorizerDeps): AuthorizerHandler {
  const { config, publisher, logger, metrics, jwtVerifier } = deps;
  const clock = deps.clock ?? Date.now;
  const newId = deps.newId ?? createRandomIdSource();
  const ids = { device: newId, session: deps.newSessionId ?? createRandomIdSource(SESSION_ID_BYTES), message: newId };
  const settings = authorizeSettings(config, deps.keyRing, deps.userAgentProfiler ?? createUserAgentProfiler());

  async function authenticatedUser(request: RequestFacts): Promise<string | undefined> {
    if (jwtVerifier === undefined) return undefined;
    const token = bearerToken(request.authorization);
    const user = token === undefined ? undefined : await jwtVerifier.verify(token);
    // A `sub` of exactly `-` would read as "no user" at the origin: such a token is treated as anonymous.
    return user !== undefined && isUsableUserId(user.sub) && user.sub !== NO_VALUE ? user.sub : undefined;
  }

  return async function authorize(event: unknown): Promise<AuthorizerResponse> {
    const invocation = metrics.begin();
    try {
      const started = performance.now();
      const request = readRequest(event);
      const early = decideBeforeIdentity(request, settings, ids, clock);
      // Without JWT verification the whole resolution is synchronous: no promise on the hot path.
      const decision =
        'context' in early
          ? early
          : decideVisitor(request, early.resolve, jwtVerifier === undefined ? undefined : await authenticatedUser(request), clock(), settings, ids);
      for (const counter of decision.counters) invocation.count(counter);
      if (decision.skippedReason !== undefined) invocation.countSkipped(decision.skippedReason);
      const elapsedMs = performance.now() - started;
      if (elapsedMs > config.slowResolutionWarnMs) {
        logger.warn('Slow identity resolution', { elapsedMs: Math.round(elapsedMs * 1000) / 1000, reason: decision.context.reason });
      }
      if (decision.message !== undefined) await publishOrRecord(publisher, logger, invocation, decision.message);
      return allowResponse(event, decision.context, decision.principalId);
    } catch (error) {
      invocation.count('AuthorizerErrors');
      try {
        logger.error('Unexpected authorizer error; allowing the request without identity', { error: describeError(error) });
      } catch {
        // Logging must not turn an allow into a failure.
      }
      return allowResponse(event, anonymousContext('error', settings.cookies.noChange), 'anonymous');
    } finally {
      invocation.flush();
    }
  };
}

/** Queues an accepted message; if that fails, it is counted and logged for replay, never lost or thrown. */
export async function publishOrRecord(publisher: PageViewPublisher, logger: AuthorizerLogger, invocation: InvocationMetrics, message: QueueMessage): Promise<void> {
  try {
    await publisher.publish(message);
  } catch (error) {
    invocation.count('PublishFailures');
    writeReplayRecord(logger, message, error);
  }
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
 * attached to `afterResponse`, else sending each before the handler returns), logger and metrics. The SQS adapter (the AWS SDK) and
 * Powertools are imported here (`first-invocation-modules.ts`, a separate file of the Lambda
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
  const { SqsPageViewPublisher, sharedSqsClient, sqsBodySender, createLogger, createMetrics, publishCounts } = await adapters;
  const send = sqsBodySender(sharedSqsClient(config.sqsTimeouts, config.sqsEndpoint), config.queueUrl);
  const logger = createLogger(config.metrics);
  const powertoolsMetrics = createMetrics(config.metrics);
  const metrics = createAuthorizerMetrics({
    write: (counts) => publishCounts(powertoolsMetrics, counts),
    disabled: config.metrics.disabled,
    intervalMs: config.metrics.intervalMs,
  });
  let publisher: PageViewPublisher;
  if (afterResponse.isAttached) {
    const batching = new BatchingPageViewPublisher({
      send,
      onUnsent: replayRecordSink(logger, metrics),
      limits: { ...HOLD_LIMITS, maxHoldMs: config.pageViewHoldMs },
    });
    afterResponse.provide(batching);
    publisher = batching;
  } else {
    publisher = new SqsPageViewPublisher(send);
  }
  return { config, keyRing, publisher, logger, jwtVerifier, metrics };
}

type FunctionHandler = (event: unknown) => Promise<AuthorizerResponse | ReservedPathResponse>;

/**
 * One function, two roles: the `$default` route's authorizer, and the integration of the reserved
 * prefix's route (beacon-handler.ts), told apart by the event's shape.
 */
export function createFunctionHandler(deps: AuthorizerDeps): FunctionHandler {
  const authorize = createAuthorizerHandler(deps);
  const reserved = createReservedPathHandler(deps);
  return (event) => (isReservedPathEvent(event) ? reserved(event) : authorize(event));
}

let defaultHandler: Promise<FunctionHandler> | undefined;

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
export async function handler(event: unknown): Promise<AuthorizerResponse | ReservedPathResponse> {
  try {
    defaultHandler ??= createDefaultDeps().then(createFunctionHandler, (error: unknown) => {
      defaultHandler = undefined;
      throw error;
    });
    return await (await defaultHandler)(event);
  } finally {
    afterResponse.invocationFinished();
  }
}
