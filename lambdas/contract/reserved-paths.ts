/**
 * The front door's own paths, under one reserved prefix (the `reservedPrefix` setting, default below):
 * API Gateway routes them to visitor-gate's functions instead of the origin (the forget endpoint to its own
 * function, the rest to the identity function). Names, limits and refusal
 * reasons of the page-view beacon live here, one home each (docs/single-page-apps.md explains them).
 */

/** `reservedPrefix`'s default: short, and unlikely to be one of a site's own paths. */
export const DEFAULT_RESERVED_PREFIX = '/_vg/';

/** `POST {prefix}view`: one client-side page view (beacon). */
export const BEACON_ENDPOINT = 'view';

/** `GET {prefix}spa.<version>.js` (immutable) and `GET {prefix}spa.js` (short cache): the beacon script. */
export const BEACON_SCRIPT_STEM = 'spa';

/** On both script responses: the versioned file name, for a site to put in its script tag. */
export const SCRIPT_NAME_HEADER = 'x-visitor-gate-script';

/** Cache-Control of the versioned script URL: its content never changes. */
export const VERSIONED_SCRIPT_CACHE = 'public, max-age=31536000, immutable';
/** Cache-Control of the unversioned script URL: a new script reaches browsers within the hour. */
export const UNVERSIONED_SCRIPT_CACHE = 'public, max-age=3600';

/** What one beacon may claim, and how often. */
export const BEACON_LIMITS = {
  /** Request body, bytes (the claim is `p=<path and query>&r=<referrer>`, URL-encoded). */
  bodyBytes: 4096,
  /** Claimed path with its query string, characters (printable ASCII, as `location` gives it). */
  pathChars: 1024,
  /** Claimed referrer, characters. */
  referrerChars: 1024,
  /** Views one device may send in a burst (per execution environment). */
  burst: 20,
  /** Then one view per this many milliseconds (30 a minute). */
  refillMs: 2_000,
  /** Devices whose rate an execution environment remembers (least recently seen forgotten first). */
  trackedDevices: 10_000,
} as const;

/**
 * Why a beacon was refused (counted in `SkippedRequests` under `reason`, beside the front door's own
 * reasons): not a well-formed single claim, an origin not allowed to send, over the rate, or not a
 * `POST` (the endpoint and the script take only their own method).
 */
export const BEACON_REFUSALS = ['beacon_invalid', 'beacon_origin', 'beacon_rate', 'beacon_method'] as const;
export type BeaconRefusal = (typeof BEACON_REFUSALS)[number];
