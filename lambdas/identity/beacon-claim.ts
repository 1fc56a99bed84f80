/**
 * What one beacon claims: a path (with its query string, for the UTM parameters) and a referrer. The
 * body is hostile input: bounded, one claim only, printable ASCII paths, never a throw. Whatever passes
 * is recorded exactly as a front-door page view of that path would be (queue-messages.ts cuts and
 * reduces it the same way).
 */
import { BEACON_LIMITS } from '../contract/reserved-paths';
import type { Utm } from '../contract/page-view-message';
import { utmFromQueryString } from './queue-messages';
import { canonicalPath } from './request-path';

export interface BeaconClaim {
  /** Canonical path, no query string. */
  readonly path: string;
  readonly utm: Utm | undefined;
  readonly referrer: string | undefined;
}

/** `location.pathname + location.search`: percent-encoded by the browser, so printable ASCII without spaces. */
const CLAIMED_PATH = /^\/(?!\/)[\x21-\x7e]*$/;

/**
 * The claim in `body` (`p=<path?query>&r=<referrer>`), or undefined when it is not exactly one
 * well-formed claim, or claims a path under `reservedPrefix` (the beacon is not a page).
 */
export function parseBeaconClaim(body: string, reservedPrefix: string): BeaconClaim | undefined {
  if (body.length > BEACON_LIMITS.bodyBytes) return undefined;
  // URLSearchParams never throws: a malformed escape is kept as text, and then fails CLAIMED_PATH.
  const fields = new URLSearchParams(body);
  const paths = fields.getAll('p');
  const referrers = fields.getAll('r');
  if (paths.length !== 1 || referrers.length > 1) return undefined;
  const claimed = paths[0] as string;
  if (claimed.length > BEACON_LIMITS.pathChars || !CLAIMED_PATH.test(claimed) || claimed.includes('#')) return undefined;
  const queryAt = claimed.indexOf('?');
  const path = canonicalPath(queryAt === -1 ? claimed : claimed.slice(0, queryAt));
  if (path.startsWith(reservedPrefix) || `${path}/` === reservedPrefix) return undefined;
  const referrer = referrers[0];
  return {
    path,
    utm: queryAt === -1 ? undefined : utmFromQueryString(claimed.slice(queryAt + 1)),
    referrer: referrer === undefined || referrer === '' || referrer.length > BEACON_LIMITS.referrerChars ? undefined : referrer,
  };
}
