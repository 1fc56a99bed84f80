/**
 * What one SQS message body carries: a single queue message (`page_view` or `identify`, version 1), or,
 * since body version 2, several of them: `{"v":2,"messages":[...]}`. An execution environment that
 * holds views between invocations sends them in one body, so the event source mapping receives and
 * deletes one message for many views. The consumer accepts both shapes.
 *
 * No zod here: the authorizer's bundle builds bodies with these functions; the consumer validates
 * them with `parseQueueBody` (page-view-message.ts).
 */

export const MULTI_MESSAGE_BODY_VERSION = 2;

/** Messages one body may carry (the consumer refuses more). */
export const MAX_MESSAGES_PER_BODY = 100;

/** SQS bills each 64 KiB of a request as one request: a body is kept within one unit. */
export const MAX_BODY_BYTES = 64 * 1024;

const PREFIX = `{"v":${MULTI_MESSAGE_BODY_VERSION},"messages":[`;
const SUFFIX = ']}';

/** UTF-8 bytes a body of `count` serialized messages adds around them (brackets and commas). */
export function bodyOverheadBytes(count: number): number {
  return count <= 1 ? 0 : PREFIX.length + SUFFIX.length + (count - 1);
}

/** One body for messages already serialized with JSON.stringify: a lone message keeps version 1. */
export function queueBody(serializedMessages: readonly string[]): string {
  if (serializedMessages.length === 1) return serializedMessages[0] as string;
  return `${PREFIX}${serializedMessages.join(',')}${SUFFIX}`;
}
