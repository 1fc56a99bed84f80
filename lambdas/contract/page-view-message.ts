/**
 * The queue's wire contract, shared by the authorizer (producer) and the aggregator (consumer).
 *
 * The authorizer imports only the *types* from this file (`import type`), so zod never enters its
 * bundle; the consumer validates every SQS body with `parseQueueBody` (a body carries one message or,
 * version 2, several: queue-body.ts). Bump `v` (and keep the old
 * schema) for any incompatible change: a consumer rejects versions it does not know, and such messages
 * rest in the dead-letter queue until a consumer that knows them redrives them.
 */
import { z } from 'zod';
import { MESSAGE_LIMITS } from './message-limits';
import { MAX_MESSAGES_PER_BODY, MULTI_MESSAGE_BODY_VERSION } from './queue-body';

/** Base64url identifiers minted by the authorizer (device and session ids carry >= 128 random bits). */
const opaqueId = z.string().regex(/^[A-Za-z0-9_-]{16,64}$/);
const shortText = (max: number) => z.string().max(max);
const epochMillis = z.number().int().nonnegative();

export const utmSchema = z
  .object({
    utm_source: shortText(MESSAGE_LIMITS.utmValue).optional(),
    utm_medium: shortText(MESSAGE_LIMITS.utmValue).optional(),
    utm_campaign: shortText(MESSAGE_LIMITS.utmValue).optional(),
    utm_term: shortText(MESSAGE_LIMITS.utmValue).optional(),
    utm_content: shortText(MESSAGE_LIMITS.utmValue).optional(),
  })
  .strict();

export const deviceClassSchema = z
  .object({
    /** Browser family, e.g. `chrome`, `firefox`, `safari`, `edge`, `other`. */
    browser: shortText(MESSAGE_LIMITS.deviceFamily),
    /** OS family, e.g. `windows`, `macos`, `ios`, `android`, `linux`, `other`. */
    os: shortText(MESSAGE_LIMITS.deviceFamily),
    type: z.enum(['mobile', 'desktop']),
  })
  .strict();

export const pageViewV1Schema = z
  .object({
    type: z.literal('page_view'),
    v: z.literal(1),
    /** Unique view id; the consumer's deduplication key. */
    id: opaqueId,
    deviceId: opaqueId,
    sessionId: opaqueId,
    /** True when this view opened the session (the cookie had no live session). */
    sessionStarted: z.boolean(),
    /** When the authorizer saw the request, epoch milliseconds. */
    ts: epochMillis,
    /** Path with the query string dropped, except UTM parameters. */
    path: shortText(MESSAGE_LIMITS.path).startsWith('/'),
    /** Referrer reduced to origin and path (no query, no fragment); absent when none or unparsable. */
    referrer: z.object({ origin: shortText(MESSAGE_LIMITS.referrerOrigin), path: shortText(MESSAGE_LIMITS.referrerPath) }).strict().optional(),
    utm: utmSchema.optional(),
    device: deviceClassSchema,
  })
  .strict();

export const identifyV1Schema = z
  .object({
    type: z.literal('identify'),
    v: z.literal(1),
    /** Unique message id. */
    id: opaqueId,
    deviceId: opaqueId,
    /** The JWT `sub` of the authenticated user this device belongs to. */
    userId: shortText(MESSAGE_LIMITS.userId).min(1),
    ts: epochMillis,
  })
  .strict();

/**
 * A page view counted without consent (consent mode with `countWithoutConsent`): no device, no session,
 * nothing that could single a visitor out; it adds to the statistics' page views only.
 */
export const cookielessViewV1Schema = z
  .object({
    type: z.literal('cookieless_view'),
    v: z.literal(1),
    /** Unique view id (deduplication of redeliveries). */
    id: opaqueId,
    ts: epochMillis,
    path: shortText(MESSAGE_LIMITS.path).startsWith('/'),
    referrer: pageViewV1Schema.shape.referrer,
    utm: utmSchema.optional(),
    device: deviceClassSchema,
  })
  .strict();

export const queueMessageSchema = z.discriminatedUnion('type', [pageViewV1Schema, identifyV1Schema, cookielessViewV1Schema]);

/** Body version 2: several messages in one SQS body (queue-body.ts builds it). */
export const multiMessageBodySchema = z
  .object({
    v: z.literal(MULTI_MESSAGE_BODY_VERSION),
    messages: z.array(queueMessageSchema).min(1).max(MAX_MESSAGES_PER_BODY),
  })
  .strict();

export type Utm = z.infer<typeof utmSchema>;
export type DeviceClass = z.infer<typeof deviceClassSchema>;
export type PageViewMessage = z.infer<typeof pageViewV1Schema>;
export type IdentifyMessage = z.infer<typeof identifyV1Schema>;
export type CookielessViewMessage = z.infer<typeof cookielessViewV1Schema>;
/** The messages about one device (what the device and session items are built from). */
export type DeviceMessage = PageViewMessage | IdentifyMessage;
export type QueueMessage = z.infer<typeof queueMessageSchema>;

export type ParsedQueueMessage =
  | { ok: true; message: QueueMessage }
  | { ok: false; reason: 'not_json' | 'invalid'; detail: string };

export type ParsedQueueBody =
  | { ok: true; messages: QueueMessage[] }
  | { ok: false; reason: 'not_json' | 'invalid'; detail: string };

function parseJson(text: string): { ok: true; json: unknown } | { ok: false } {
  try {
    return { ok: true, json: JSON.parse(text) };
  } catch {
    return { ok: false };
  }
}

/** Parses one queue message (a version 1 body, or a replay record's `queueMessage`). Never throws. */
export function parseQueueMessage(text: string): ParsedQueueMessage {
  const parsed = parseJson(text);
  if (!parsed.ok) return { ok: false, reason: 'not_json', detail: 'body is not JSON' };
  const result = queueMessageSchema.safeParse(parsed.json);
  if (!result.success) return { ok: false, reason: 'invalid', detail: z.prettifyError(result.error) };
  return { ok: true, message: result.data };
}

/**
 * Parses one SQS body of either version into its messages. Never throws: a bad body is a value the
 * caller reports as a failed record. A version 2 body is valid only as a whole (one bad message and
 * the record goes to the dead-letter queue intact, with its neighbours).
 */
export function parseQueueBody(body: string): ParsedQueueBody {
  const parsed = parseJson(body);
  if (!parsed.ok) return { ok: false, reason: 'not_json', detail: 'body is not JSON' };
  const json = parsed.json;
  const isMulti = typeof json === 'object' && json !== null && !('type' in json) && (json as { v?: unknown }).v === MULTI_MESSAGE_BODY_VERSION;
  if (isMulti) {
    const result = multiMessageBodySchema.safeParse(json);
    if (!result.success) return { ok: false, reason: 'invalid', detail: z.prettifyError(result.error) };
    return { ok: true, messages: result.data.messages };
  }
  const result = queueMessageSchema.safeParse(json);
  if (!result.success) return { ok: false, reason: 'invalid', detail: z.prettifyError(result.error) };
  return { ok: true, messages: [result.data] };
}
