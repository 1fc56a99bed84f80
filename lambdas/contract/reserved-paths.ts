/**
 * The front door's own paths, under one reserved prefix (the `reservedPrefix` setting, default below):
 * API Gateway routes them to visitor-gate's functions instead of the origin.
 */

/** `reservedPrefix`'s default: short, and unlikely to be one of a site's own paths. */
export const DEFAULT_RESERVED_PREFIX = '/_vg/';
