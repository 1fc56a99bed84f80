/**
 * A beacon's decision, as pure functions over the authorizer's own use case (authorize-visitor.ts): the
 * claimed path is classified and the visitor resolved exactly as a document request for that path
 * would be (skip and untracked paths, privacy signals, bots, the session window, a cookie for a new
 * visitor), after the beacon's own checks: the sending origin, one well-formed claim, the device's rate.
 */
import type { BeaconRefusal } from '../contract/reserved-paths';
import { decideBeforeIdentity, decideVisitor, type AuthorizeIds, type AuthorizeSettings, type VisitorDecision } from './authorize-visitor';
import { parseBeaconClaim } from './beacon-claim';
import type { BeaconRate } from './beacon-rate';
import type { RequestFacts } from './request-facts';

export interface BeaconSettings {
  readonly authorize: AuthorizeSettings;
  readonly reservedPrefix: string;
  /** Origins other than the front door's own whose pages may send beacons. */
  readonly allowedOrigins: readonly string[];
  readonly rate: BeaconRate;
}

export interface BeaconRequest {
  /** The beacon request itself (its cookies, user agent, privacy headers). */
  readonly facts: RequestFacts;
  /** The `Origin` header, if any. */
  readonly origin: string | undefined;
  /** The front door's own origin (scheme and the Host it was reached on). */
  readonly ownOrigin: string;
  readonly body: string;
}

export type BeaconDecision =
  | { readonly kind: 'refused'; readonly reason: BeaconRefusal; readonly status: 400 | 403 | 429 }
  /** Decided as a page view of the claimed path would be (tracked or not); `allowOrigin` for CORS. */
  | { readonly kind: 'decided'; readonly decision: VisitorDecision; readonly allowOrigin: string | undefined };

/** Whether a page of `origin` may send beacons: the front door's own pages, the allow-list, or no Origin (not a browser page). */
export function originAllowed(origin: string | undefined, ownOrigin: string, allowed: readonly string[]): boolean {
  return origin === undefined || origin === ownOrigin || allowed.includes(origin);
}

/** What a browser's own navigation says about itself; the static-file rule still reads the claimed path. */
const CLAIMED_NAVIGATION = {
  accept: 'text/html',
  secFetchDest: 'document',
  secFetchMode: 'navigate',
  secPurpose: undefined,
  purpose: undefined,
  xMoz: undefined,
} as const;

export function decideBeacon(request: BeaconRequest, nowMillis: number, settings: BeaconSettings, ids: AuthorizeIds): BeaconDecision {
  if (!originAllowed(request.origin, request.ownOrigin, settings.allowedOrigins)) return { kind: 'refused', reason: 'beacon_origin', status: 403 };
  const claim = parseBeaconClaim(request.body, settings.reservedPrefix);
  if (claim === undefined) return { kind: 'refused', reason: 'beacon_invalid', status: 400 };
  // The claimed navigation: a GET of the claimed path, with the beacon's own cookies and privacy
  // headers. What marks a request as a navigation (method, fetch metadata) describes the claim, not the
  // beacon request (a subresource POST), so it must never come from the beacon's headers.
  const facts: RequestFacts = { ...request.facts, ...CLAIMED_NAVIGATION, method: 'GET', path: claim.path, utm: claim.utm, referer: claim.referrer };
  const allowOrigin = request.origin;
  const early = decideBeforeIdentity(facts, settings.authorize);
  if ('context' in early) return { kind: 'decided', decision: early, allowOrigin };
  const decision = decideVisitor(facts, early.resolve, undefined, nowMillis, settings.authorize, ids);
  // A new device has a fresh bucket anyway; an existing one pays for this view (and keeps its cookie as it was when refused).
  if (decision.context.tracked && !decision.context.isNewDevice && !settings.rate.take(decision.context.deviceId, nowMillis)) {
    return { kind: 'refused', reason: 'beacon_rate', status: 429 };
  }
  return { kind: 'decided', decision, allowOrigin };
}
