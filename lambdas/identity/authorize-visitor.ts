/**
 * The authorizer's use case, as pure functions: what a request is, who the visitor is, what the origin
 * and the browser are told, which message leaves for the queue and what is counted. No I/O: the clock,
 * the id sources and the verified user id are arguments; the handler (lambdas/authorizer/handler.ts)
 * reads the event, verifies a bearer token when JWT is configured, publishes and records metrics.
 *
 * Two steps because only the second may need the (asynchronous) token check: `decideBeforeIdentity`
 * settles skips and refusals without touching the cookie; `decideVisitor` resolves the rest.
 */
import { NO_VALUE, type AuthorizerContext } from '../contract/gateway-context';
import type { QueueMessage } from '../contract/page-view-message';
import { hasConsent, type ConsentSettings } from './consent';
import type { SetCookieBuilder } from './cookie-attributes';
import { resolveIdentity, type IdSources, type IdentitySettings } from './identity-resolution';
import { buildCookielessViewMessage, buildIdentifyMessage, buildPageViewMessage } from './queue-messages';
import { classifyRequest, type Classification, type ClassificationSettings, type ReasonCode } from './request-classification';
import { findCookieValues } from './request-cookies';
import type { RequestFacts } from './request-facts';
import type { UserAgentProfiler } from './user-agent-profile';

/**
 * At most this many device cookie values are read per request; structurally invalid ones are rejected
 * without an HMAC, and at most MAX_SIGNATURE_CHECKS (identity-resolution.ts) are MAC-checked.
 */
export const MAX_COOKIE_VALUES = 32;

/** Counters a decision asks the handler to add (a skip reason is counted apart, by reason). */
export type VisitorCounter = 'InvalidCookies' | 'NewDevices' | 'NewSessions' | 'TrackedPageViews';

export interface VisitorDecision {
  readonly context: AuthorizerContext;
  readonly principalId: string;
  /** A page view or an identify message for the queue. */
  readonly message?: QueueMessage;
  readonly counters: readonly VisitorCounter[];
  /** Set when the request is not a tracked page view. */
  readonly skippedReason?: ReasonCode;
}

export interface AuthorizeSettings {
  readonly classification: ClassificationSettings;
  readonly identity: IdentitySettings;
  readonly cookieName: string;
  readonly cookies: SetCookieBuilder;
  readonly profileUserAgent: UserAgentProfiler;
  readonly consent: ConsentSettings;
}

export interface AuthorizeIds extends IdSources {
  /** View and message ids. */
  readonly message: () => string;
}

/** A context that names nobody; `setCookie` keeps, deletes or leaves the cookie. */
export function anonymousContext(reason: ReasonCode | 'error', setCookie: string): AuthorizerContext {
  return { deviceId: NO_VALUE, sessionId: NO_VALUE, userId: NO_VALUE, isNewDevice: false, isNewSession: false, tracked: false, reason, setCookie };
}

/**
 * Skip paths, refused requests (privacy signals, bots) and requests without consent (consent mode) are
 * decided here; anything else is returned for `decideVisitor`. `ids` and `clock` serve only a
 * cookieless view (consent mode with `countWithoutConsent`).
 */
export function decideBeforeIdentity(
  request: RequestFacts,
  settings: AuthorizeSettings,
  ids?: Pick<AuthorizeIds, 'message'>,
  clock?: () => number,
): VisitorDecision | { readonly resolve: Classification } {
  const classified = classifyRequest(request, settings.classification);
  if (classified.kind === 'skip') {
    return { context: anonymousContext(classified.reason, settings.cookies.noChange), principalId: 'anonymous', counters: [], skippedReason: classified.reason };
  }
  if (classified.kind === 'refuse') {
    // No cookie, no identifier; and a cookie set earlier is deleted.
    return { context: anonymousContext(classified.reason, settings.cookies.deletion), principalId: 'anonymous', counters: [], skippedReason: classified.reason };
  }
  if (!hasConsent(request.cookieSources, settings.consent)) {
    // A device cookie set before consent was withdrawn is deleted; otherwise nothing is set.
    const held = findCookieValues(request.cookieSources, settings.cookieName, 1).length > 0;
    const context = anonymousContext('no_consent', held ? settings.cookies.deletion : settings.cookies.noChange);
    const count = classified.kind === 'track' && settings.consent.countWithoutConsent && ids !== undefined && clock !== undefined;
    const message = count
      ? buildCookielessViewMessage({
          viewId: ids.message(),
          nowMillis: clock(),
          path: request.path,
          utm: request.utm,
          referer: request.referer,
          device: settings.profileUserAgent(request.userAgent).device,
        })
      : undefined;
    return { context, principalId: 'anonymous', counters: [], skippedReason: 'no_consent', ...(message ? { message } : {}) };
  }
  return { resolve: classified };
}

/**
 * Resolves the visitor from the cookie (minting or renewing it), at `nowMillis`. `userId` is the
 * verified JWT subject, if any: an authenticated request is identified and linked, not counted.
 */
export function decideVisitor(
  request: RequestFacts,
  classified: Classification,
  userId: string | undefined,
  nowMillis: number,
  settings: AuthorizeSettings,
  ids: AuthorizeIds,
): VisitorDecision {
  const reason: ReasonCode = userId !== undefined ? 'authenticated' : classified.reason;
  const track = reason === 'tracked';
  const resolution = resolveIdentity(
    { cookieValues: findCookieValues(request.cookieSources, settings.cookieName, MAX_COOKIE_VALUES), track, userId, nowMillis },
    settings.identity,
    ids,
  );

  const counters: VisitorCounter[] = [];
  if (resolution.rejectedCookie !== undefined) counters.push('InvalidCookies');
  if (resolution.isNewDevice) counters.push('NewDevices');
  if (resolution.isNewSession) counters.push('NewSessions');
  if (track) counters.push('TrackedPageViews');

  // A tracked page view always has a session; NO_VALUE can only reach the context.
  const sessionId = resolution.sessionId ?? NO_VALUE;
  let message: QueueMessage | undefined;
  if (track) {
    message = buildPageViewMessage({
      viewId: ids.message(),
      deviceId: resolution.deviceId,
      sessionId,
      sessionStarted: resolution.isNewSession,
      nowMillis,
      path: request.path,
      utm: request.utm,
      referer: request.referer,
      device: settings.profileUserAgent(request.userAgent).device,
    });
  } else if (resolution.linkUser && userId !== undefined) {
    message = buildIdentifyMessage(ids.message(), resolution.deviceId, userId, nowMillis);
  }

  const context: AuthorizerContext = {
    deviceId: resolution.deviceId,
    sessionId,
    userId: userId ?? NO_VALUE,
    isNewDevice: resolution.isNewDevice,
    isNewSession: resolution.isNewSession,
    tracked: track,
    reason,
    setCookie: settings.cookies.set(resolution.cookieValue, resolution.cookieMaxAgeSeconds),
  };
  return { context, principalId: resolution.deviceId, counters, ...(message ? { message } : {}), ...(track ? {} : { skippedReason: reason }) };
}
