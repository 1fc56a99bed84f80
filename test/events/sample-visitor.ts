/**
 * The returning visitor in events/authorizer-returning-visitor.json: a device cookie signed with the
 * SAMPLE key ring (events/sample-signing-keys.json, never used in production).
 *
 * Regenerate the cookie (e.g. after changing the cookie format or the sample keys) with
 *   npx tsx test/events/sample-visitor.ts
 * and paste the printed value into the event's `cookies` entry.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { encodeDeviceCookie, type DeviceCookieState } from '../../lambdas/identity/cookie-codec';
import { parseKeyRing, type KeyRing } from '../../lambdas/identity/key-ring';

const repoRoot = resolve(import.meta.dirname, '../..');

export const EVENTS_DIR = resolve(repoRoot, 'events');
export const SAMPLE_KEYS_FILE = resolve(EVENTS_DIR, 'sample-signing-keys.json');

/** When the sample requests happen: 2026-11-29T12:00:00Z (the events' `requestContext.timeEpoch`). */
export const SAMPLE_REQUEST_MILLIS = Date.UTC(2026, 10, 29, 12, 0, 0);
const requestSeconds = SAMPLE_REQUEST_MILLIS / 1000;

/** base64url of "sample-device-01" and "sample-session01" (16 bytes each), recognizable in logs and tables. */
export const SAMPLE_DEVICE_ID = Buffer.from('sample-device-01').toString('base64url');
export const SAMPLE_SESSION_ID = Buffer.from('sample-session01').toString('base64url');

/** First seen 3 days before the request, valid 400 days; last page view 10 minutes before (session still open). */
export const SAMPLE_VISITOR: DeviceCookieState = {
  deviceId: SAMPLE_DEVICE_ID,
  issuedAtSeconds: requestSeconds - 3 * 86_400,
  expiresAtSeconds: requestSeconds - 3 * 86_400 + 400 * 86_400,
  session: { id: SAMPLE_SESSION_ID, startSeconds: requestSeconds - 20 * 60, lastActivitySeconds: requestSeconds - 10 * 60 },
};

export function sampleKeyRingJson(): string {
  return readFileSync(SAMPLE_KEYS_FILE, 'utf8');
}

export function sampleKeyRing(): KeyRing {
  return parseKeyRing(sampleKeyRingJson());
}

if (import.meta.url === `file://${process.argv[1]}`) {
  console.log(encodeDeviceCookie(SAMPLE_VISITOR, sampleKeyRing()));
}
