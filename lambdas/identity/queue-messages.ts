/**
 * Builds the queue messages the authorizer sends. Types come from the shared contract
 * (`import type` only, so zod stays out of the authorizer bundle); the limits below mirror its schema,
 * and the tests validate built messages with the real schema.
 */
import { MESSAGE_LIMITS } from '../contract/message-limits';
import type { CookielessViewMessage, DeviceClass, IdentifyMessage, PageViewMessage, Utm } from '../contract/page-view-message';

export const UTM_PARAMETERS = ['utm_source', 'utm_medium', 'utm_campaign', 'utm_term', 'utm_content'] as const satisfies ReadonlyArray<keyof Utm>;
/** Referer headers longer than this are not parsed at all. */
const MAX_REFERER_HEADER_LENGTH = 4096;

/** Anything outside printable ASCII, checked before the (rarer, slower) cleaning below. */
const NOT_PLAIN_ASCII = /[^\x20-\x7e]/;
/**
 * Lone surrogates (in unicode mode a well-formed pair is one code point and does not match) and the two
 * noncharacters SQS refuses in a message body; JSON escapes control characters itself.
 */
const UNSENDABLE = /[\uD800-\uDFFF\uFFFE\uFFFF]/gu;

/**
 * `value` made safe to encode and to send, and cut to at most `max` UTF-16 units (what the schema counts)
 * without splitting a surrogate pair: a split pair is a lone surrogate, on which `encodeURIComponent`
 * throws and which SQS refuses. Lone surrogates and noncharacters become U+FFFD. Never throws.
 */
export function boundedText(value: string, max: number): string {
  let text = value;
  if (NOT_PLAIN_ASCII.test(text)) text = text.replace(UNSENDABLE, '\uFFFD');
  if (text.length <= max) return text;
  const last = text.charCodeAt(max - 1);
  return text.slice(0, last >= 0xd800 && last <= 0xdbff ? max - 1 : max);
}

/** Picks the UTM parameters from a raw query string (`a=1&utm_source=x`). Malformed escapes are skipped. */
export function utmFromQueryString(rawQuery: string | undefined): Utm | undefined {
  if (rawQuery === undefined || rawQuery === '') return undefined;
  let utm: Record<string, string> | undefined;
  let at = rawQuery.indexOf('utm_');
  while (at !== -1) {
    const pairEnd = rawQuery.indexOf('&', at);
    const end = pairEnd === -1 ? rawQuery.length : pairEnd;
    // Only at the start of a pair: `xutm_source=` is another parameter.
    if (at === 0 || rawQuery.charCodeAt(at - 1) === 38 /* & */) {
      const eq = rawQuery.indexOf('=', at);
      const keyEnd = eq === -1 || eq > end ? end : eq;
      const key = rawQuery.slice(at, keyEnd);
      if ((UTM_PARAMETERS as readonly string[]).includes(key) && (utm === undefined || !(key in utm))) {
        const value = keyEnd === end ? '' : decodeQueryComponent(rawQuery.slice(keyEnd + 1, end));
        if (value !== undefined && value !== '') (utm ??= {})[key] = boundedText(value, MESSAGE_LIMITS.utmValue);
      }
    }
    at = pairEnd === -1 ? -1 : rawQuery.indexOf('utm_', pairEnd);
  }
  return utm;
}

/** Picks the UTM parameters from REST API's `multiValueQueryStringParameters` (already decoded). */
export function utmFromParameters(parameters: Readonly<Record<string, readonly string[] | undefined>> | null | undefined): Utm | undefined {
  if (parameters === null || parameters === undefined) return undefined;
  let utm: Record<string, string> | undefined;
  for (const key of UTM_PARAMETERS) {
    const value = parameters[key]?.[0];
    if (typeof value === 'string' && value !== '') (utm ??= {})[key] = boundedText(value, MESSAGE_LIMITS.utmValue);
  }
  return utm;
}

function decodeQueryComponent(value: string): string | undefined {
  if (!value.includes('%') && !value.includes('+')) return value;
  try {
    return decodeURIComponent(value.replaceAll('+', ' '));
  } catch {
    return undefined;
  }
}

/** The path as the message records it: no query string except the UTM parameters, in a fixed order. */
export function pathWithUtm(path: string, utm: Utm | undefined): string {
  const base = path.startsWith('/') ? path : `/${path}`;
  let query = '';
  if (utm !== undefined) {
    for (const key of UTM_PARAMETERS) {
      const value = utm[key];
      if (value !== undefined) query += `${query === '' ? '?' : '&'}${key}=${encodeURIComponent(value)}`;
    }
  }
  return boundedText(base + query, MESSAGE_LIMITS.path);
}

const SIMPLE_REFERER = /^(https?):\/\/([a-z0-9](?:[a-z0-9.-]{0,251}[a-z0-9])?)(\/[A-Za-z0-9\-._~%!$&'()*+,;=:@/]*)?(?:[?#]|$)/;
const IP_LITERAL_HOST = /^\d{1,3}(?:\.\d{1,3}){3}$|^\[/;

/**
 * Reduces a Referer header to origin and path (no query, no fragment, no credentials); undefined if
 * unusable. Referrers whose host is an IP address are dropped: such a host says nothing about the
 * referring site and may be an address tied to the visitor (a router page, a private network).
 */
export function referrerOf(referer: string | undefined): PageViewMessage['referrer'] {
  if (referer === undefined || referer === '' || referer.length > MAX_REFERER_HEADER_LENGTH) return undefined;
  // Fast path for the usual already-normalised referer (lower-case host, no port, credentials or dot
  // segments): the same result as URL parsing at a fraction of the cost. Anything else goes through URL.
  const simple = SIMPLE_REFERER.exec(referer);
  if (simple !== null && !IP_LITERAL_HOST.test(simple[2] as string) && !(simple[3] ?? '').includes('/.')) {
    const origin = `${simple[1]}://${simple[2]}`;
    if (origin.length <= MESSAGE_LIMITS.referrerOrigin) return { origin, path: (simple[3] || '/').slice(0, MESSAGE_LIMITS.referrerPath) };
  }
  const url = URL.parse(referer);
  if (url === null || (url.protocol !== 'https:' && url.protocol !== 'http:')) return undefined;
  if (url.origin.length > MESSAGE_LIMITS.referrerOrigin || IP_LITERAL_HOST.test(url.hostname)) return undefined;
  return { origin: url.origin, path: url.pathname.slice(0, MESSAGE_LIMITS.referrerPath) };
}

export interface PageViewFacts {
  readonly viewId: string;
  readonly deviceId: string;
  readonly sessionId: string;
  readonly sessionStarted: boolean;
  readonly nowMillis: number;
  /** Path without the query string. */
  readonly path: string;
  readonly utm: Utm | undefined;
  readonly referer: string | undefined;
  readonly device: DeviceClass;
}

/** Referrer and UTM fields of a view message, when there are any. */
function sourceFields(facts: Pick<PageViewFacts, 'referer' | 'utm'>): Pick<PageViewMessage, 'referrer' | 'utm'> {
  const referrer = referrerOf(facts.referer);
  return { ...(referrer === undefined ? {} : { referrer }), ...(facts.utm === undefined ? {} : { utm: facts.utm }) };
}

export function buildPageViewMessage(facts: PageViewFacts): PageViewMessage {
  return {
    type: 'page_view',
    v: 1,
    id: facts.viewId,
    deviceId: facts.deviceId,
    sessionId: facts.sessionId,
    sessionStarted: facts.sessionStarted,
    ts: facts.nowMillis,
    path: pathWithUtm(facts.path, facts.utm),
    device: facts.device,
    ...sourceFields(facts),
  };
}

/** A view counted without consent: the page and its source, nothing about who (consent.ts). */
export function buildCookielessViewMessage(facts: Omit<PageViewFacts, 'deviceId' | 'sessionId' | 'sessionStarted'>): CookielessViewMessage {
  return { type: 'cookieless_view', v: 1, id: facts.viewId, ts: facts.nowMillis, path: pathWithUtm(facts.path, facts.utm), device: facts.device, ...sourceFields(facts) };
}

export function buildIdentifyMessage(id: string, deviceId: string, userId: string, nowMillis: number): IdentifyMessage {
  return { type: 'identify', v: 1, id, deviceId, userId: boundedText(userId, MESSAGE_LIMITS.userId), ts: nowMillis };
}

/** Whether a JWT `sub` can be passed on (the schema caps it at 256 characters). */
export function isUsableUserId(sub: unknown): sub is string {
  return typeof sub === 'string' && sub.length > 0 && sub.length <= MESSAGE_LIMITS.userId;
}
