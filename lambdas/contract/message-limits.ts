/**
 * How long each text of a queue message may be: the authorizer cuts what it takes from a request to
 * these (identity/queue-messages.ts) and the consumer's schema refuses anything longer
 * (page-view-message.ts). No dependencies, so the authorizer's bundle imports it without zod.
 */
export const MESSAGE_LIMITS = {
  /** Path with the kept query string, characters. */
  path: 2048,
  utmValue: 200,
  referrerOrigin: 256,
  referrerPath: 1024,
  /** A JWT `sub`. */
  userId: 256,
  /** Browser and OS family names. */
  deviceFamily: 32,
} as const;
