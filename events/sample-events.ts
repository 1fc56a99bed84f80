/**
 * The sample events' times, in one place. The files in this folder are what `sam local invoke -e` takes;
 * their times and the returning visitor's signed cookie are all derived from one request time, so they
 * can be moved to any day:
 *
 *   npm run events:refresh            # rewrites the files as of now
 *
 * Run it before `sam local invoke` when the files are older than the retention (30 days by default):
 * the consumer refuses page views older than that, and the sample cookie is valid for 400 days from its
 * issue. The events test never depends on the committed dates: it refreshes the events to its own clock
 * in memory, and checks that refreshing a file to its own time reproduces it exactly.
 */
import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { defaultCookieName } from '../lambdas/identity/cookie-attributes';
import { encodeDeviceCookie, type DeviceCookieState } from '../lambdas/identity/cookie-codec';
import { parseKeyRing, type KeyRing } from '../lambdas/identity/key-ring';
import { apiGatewayTime } from '../local-runtime/http-api-authorizer-event';

export const EVENTS_DIR = import.meta.dirname;
export const SAMPLE_KEYS_FILE = resolve(EVENTS_DIR, 'sample-signing-keys.json');
export const COOKIE_NAME = defaultCookieName(undefined);

/** base64url of "sample-device-01" and "sample-session01" (16 bytes each), recognizable in logs and tables. */
export const SAMPLE_DEVICE_ID = Buffer.from('sample-device-01').toString('base64url');
export const SAMPLE_SESSION_ID = Buffer.from('sample-session01').toString('base64url');

type Json = Record<string, unknown>;

export function sampleKeyRingJson(): string {
  return readFileSync(SAMPLE_KEYS_FILE, 'utf8');
}

export function sampleKeyRing(): KeyRing {
  return parseKeyRing(sampleKeyRingJson());
}

/** The returning visitor as of `requestMillis`: first seen 3 days before, cookie valid 400 days, last view 10 minutes before. */
export function sampleVisitor(requestMillis: number): DeviceCookieState {
  const requestSeconds = Math.floor(requestMillis / 1000);
  return {
    deviceId: SAMPLE_DEVICE_ID,
    issuedAtSeconds: requestSeconds - 3 * 86_400,
    expiresAtSeconds: requestSeconds - 3 * 86_400 + 400 * 86_400,
    session: { id: SAMPLE_SESSION_ID, startSeconds: requestSeconds - 20 * 60, lastActivitySeconds: requestSeconds - 10 * 60 },
  };
}

/** The time a sample file is "as of": an authorizer event's `timeEpoch`, or a batch's latest message time. */
export function requestTimeOf(event: Json): number {
  const context = event.requestContext as Json | undefined;
  if (context) return Number(context.timeEpoch);
  const records = (event.Records ?? []) as Json[];
  return Math.max(...records.map((record) => Number((JSON.parse(String(record.body)) as Json).ts)));
}

function withCookie(event: Json, cookie: string): Json {
  const replace = (text: string) => text.replace(new RegExp(`${COOKIE_NAME}=[A-Za-z0-9_-]+`), `${COOKIE_NAME}=${cookie}`);
  const cookies = (event.cookies as string[] | undefined)?.map(replace);
  const headers = event.headers as Json;
  return { ...event, ...(cookies ? { cookies } : {}), headers: { ...headers, ...(typeof headers.cookie === 'string' ? { cookie: replace(headers.cookie) } : {}) } };
}

/** `event` moved to `requestMillis`: every time in it, and a signed sample cookie re-signed for that time. */
export function refreshSampleEvent(event: Json, requestMillis: number): Json {
  const context = event.requestContext as Json | undefined;
  if (context) {
    const moved = { ...event, requestContext: { ...context, timeEpoch: requestMillis, time: apiGatewayTime(new Date(requestMillis)) } };
    const hasSampleCookie = JSON.stringify(event.cookies ?? []).includes(`${COOKIE_NAME}=`);
    return hasSampleCookie ? withCookie(moved, encodeDeviceCookie(sampleVisitor(requestMillis), sampleKeyRing())) : moved;
  }
  const shift = requestMillis - requestTimeOf(event);
  const records = (event.Records as Json[]).map((record) => {
    const body = JSON.parse(String(record.body)) as Json;
    const attributes = record.attributes as Record<string, string>;
    const moveAttribute = (name: string) => (attributes[name] === undefined ? {} : { [name]: String(Number(attributes[name]) + shift) });
    return {
      ...record,
      body: JSON.stringify({ ...body, ts: Number(body.ts) + shift }),
      attributes: { ...attributes, ...moveAttribute('SentTimestamp'), ...moveAttribute('ApproximateFirstReceiveTimestamp') },
    };
  });
  return { ...event, Records: records };
}

/** The sample event files (not the key ring), by name. */
export function sampleEventFiles(): string[] {
  return readdirSync(EVENTS_DIR)
    .filter((file) => file.endsWith('.json') && resolve(EVENTS_DIR, file) !== SAMPLE_KEYS_FILE)
    .sort();
}

export function readSampleEvent(name: string): Json {
  return JSON.parse(readFileSync(resolve(EVENTS_DIR, name), 'utf8')) as Json;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const now = Date.now();
  for (const name of sampleEventFiles()) {
    writeFileSync(resolve(EVENTS_DIR, name), `${JSON.stringify(refreshSampleEvent(readSampleEvent(name), now), null, 2)}\n`);
    console.log(`events/${name}: as of ${new Date(now).toISOString()}`);
  }
}
