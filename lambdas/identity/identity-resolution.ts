/**
 * Resolves the anonymous visitor of one request from its device cookie, with no database: verify
 * the first valid cookie value, continue or open the session for a tracked page view, renew the
 * expiry, and decide whether an `identify` message must link the device to an authenticated user.
 * Pure: the clock, the key ring, limits and the id source are arguments.
 */
import { decodeDeviceCookie, encodeDeviceCookie, userLinkTag, type CookieSession, type DecodeFailure, type DeviceCookieState } from './cookie-codec';
import type { IdSource } from './id-source';
import type { KeyRing } from './key-ring';
import { advanceSession, isSessionLive, type SessionLimits } from './session-window';

export type CookieRenewal = 'sliding' | 'fixed';

export interface IdentitySettings {
  readonly keyRing: KeyRing;
  readonly maxAgeSeconds: number;
  /** `sliding`: expiry moves to now + max age on every visit; `fixed`: expiry stays issued-at + max age. */
  readonly renewal: CookieRenewal;
  readonly session: SessionLimits;
}

/**
 * At most this many cookie values are checked against a MAC per request (each costs an HMAC). Values that
 * fail the cheap structural checks (length, charset, format, key id) cost nothing and do not count, so
 * junk values cannot push a genuine one out of the budget; only well-formed values with a wrong MAC can,
 * and with the `__Host-` name nobody but the visitor can put those in the visitor's Cookie header.
 */
export const MAX_SIGNATURE_CHECKS = 4;

export interface IdentityInput {
  /** Device cookie values in request order; the first that verifies wins. */
  readonly cookieValues: readonly string[];
  /** True for a tracked page view (moves the session window); false for identified-only requests. */
  readonly track: boolean;
  /** The authenticated user's id (JWT `sub`), when a valid bearer token came with the request. */
  readonly userId?: string;
  readonly nowMillis: number;
}

export interface IdentityResolution {
  readonly deviceId: string;
  /** The live session's id: always set for a tracked page view; undefined when an identified-only request finds none. */
  readonly sessionId: string | undefined;
  readonly isNewDevice: boolean;
  readonly isNewSession: boolean;
  /** The cookie value to set (unchanged when nothing in it changed). */
  readonly cookieValue: string;
  readonly cookieMaxAgeSeconds: number;
  /** Why the presented cookie values were rejected (first failure), when values were presented and none verified. */
  readonly rejectedCookie?: DecodeFailure;
  /** True when an `identify` message must link this (returning) device to `userId`. */
  readonly linkUser: boolean;
}

export interface IdSources {
  /** 16-byte device ids. */
  readonly device: IdSource;
  /** Session ids. */
  readonly session: IdSource;
}

export function resolveIdentity(input: IdentityInput, settings: IdentitySettings, ids: IdSources): IdentityResolution {
  const nowSeconds = Math.floor(input.nowMillis / 1000);
  let previous: DeviceCookieState | undefined;
  let previousValue = '';
  let previousKeyId = '';
  let rejectedCookie: DecodeFailure | undefined;
  let signatureChecks = 0;
  for (const value of input.cookieValues) {
    const decoded = decodeDeviceCookie(value, settings.keyRing, nowSeconds);
    if (decoded.ok) {
      previous = decoded.state;
      previousValue = value;
      previousKeyId = decoded.keyId;
      break;
    }
    rejectedCookie ??= decoded.reason;
    if ((decoded.reason === 'bad_signature' || decoded.reason === 'expired') && ++signatureChecks >= MAX_SIGNATURE_CHECKS) break;
  }
  if (previous !== undefined && settings.renewal === 'fixed' && previous.issuedAtSeconds + settings.maxAgeSeconds <= nowSeconds) {
    // A fixed-lifetime cookie whose (possibly shortened) lifetime is over: a new device, as the browser would have it.
    previous = undefined;
    rejectedCookie ??= 'expired';
  }

  const isNewDevice = previous === undefined;
  const deviceId = previous?.deviceId ?? ids.device();
  const issuedAtSeconds = previous?.issuedAtSeconds ?? nowSeconds;
  const expiresAtSeconds = settings.renewal === 'fixed' ? issuedAtSeconds + settings.maxAgeSeconds : nowSeconds + settings.maxAgeSeconds;

  let session: CookieSession | undefined = previous?.session;
  let isNewSession = false;
  let sessionId: string | undefined;
  if (input.track) {
    const step = advanceSession(session, nowSeconds, settings.session, ids.session);
    session = step.session;
    isNewSession = step.started;
    sessionId = session.id;
  } else if (isSessionLive(session, nowSeconds, settings.session)) {
    sessionId = session.id;
  }

  let userLink = previous?.userLink;
  let linkUser = false;
  if (input.userId !== undefined && previous !== undefined) {
    const tag = userLinkTag(input.userId, settings.keyRing);
    if (tag !== userLink) {
      userLink = tag;
      linkUser = true;
    }
  }

  const unchanged =
    previous !== undefined &&
    previousKeyId === settings.keyRing.currentKeyId &&
    previous.expiresAtSeconds === expiresAtSeconds &&
    previous.session === session &&
    previous.userLink === userLink;
  const cookieValue = unchanged
    ? previousValue
    : encodeDeviceCookie({ deviceId, issuedAtSeconds, expiresAtSeconds, session, userLink }, settings.keyRing);

  return {
    deviceId,
    sessionId,
    isNewDevice,
    isNewSession,
    cookieValue,
    cookieMaxAgeSeconds: expiresAtSeconds - nowSeconds,
    rejectedCookie: isNewDevice ? rejectedCookie : undefined,
    linkUser,
  };
}
