/**
 * Fuzz: 100,000+ random and mutated Cookie headers, query strings (UTM values above all), referers, user
 * agents, paths and event shapes through the real handler. No call may throw, fail to allow or answer
 * reason `error`; every queue message must validate and be sendable (no lone surrogate, no character SQS
 * refuses); and no forged cookie may ever be accepted: a request is recognised as a returning device only
 * when it carries, verbatim, a cookie value the authorizer itself issued.
 * Seeded, so a failure reproduces; the seed is in the failure message.
 */
import { describe, expect, it } from 'vitest';
import { NO_VALUE } from '../../lambdas/contract/gateway-context';
import { createAuthorizerMetrics } from '../../lambdas/authorizer/authorizer-metrics';
import type { AuthorizerLogger } from '../../lambdas/authorizer/handler';
import { encodeDeviceCookie } from '../../lambdas/identity/cookie-codec';
import { parseKeyRing } from '../../lambdas/identity/key-ring';
import { UTM_PARAMETERS } from '../../lambdas/identity/queue-messages';
import { parseQueueMessage } from '../../lambdas/contract/page-view-message';
import { USER_AGENTS } from '../identity/user-agents';
import { NOW_MILLIS, cookiePair, createTestHandler, httpApiEvent, restApiEvent } from './authorizer-fixtures';
import { seededRandom } from '../../harness/seeded-random';

const ITERATIONS = 100_000;
const SEED = Number(process.env.FUZZ_SEED ?? 0x5eed);
const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
const NASTY = ['=', ';', ' ', '"', ',', '\t', '\u0000', 'é', '💥', '%', '+', '/', '.', '\n'];
/** Text that breaks naive code: split and lone surrogates, noncharacters, escapes valid and not, separators. */
const HOSTILE = [
  ...NASTY, '\uD83D', '\uDCA5', '\uFFFF', '\uFFFE', '\u2028', '%F0%9F%92%A5', '%F0%9F', '%ED%A0%80', '%EF%BF%BF', '%C3', '%%', '%zz',
  '%2F', '%2e%2e', '..', '//', '&', '?', '#', '\\', 'utm_source=', '\u0085', '\u00A0', 'ﬀ', '𝒜',
];
/** Strings whose length lands a multi-unit character on a bound (200 for UTM values, 2048 for paths). */
const EDGE_LENGTHS = [0, 1, 198, 199, 200, 201, 1023, 1024, 2046, 2047, 2048, 4096, 5000];


type Context = Record<string, unknown>;

/** What SQS refuses in a body, or what a JSON encoder can only escape: lone surrogates and U+FFFE/U+FFFF. */
const UNSENDABLE = /[\uD800-\uDFFF\uFFFE\uFFFF]/u;

function stringsOf(value: unknown): string[] {
  if (typeof value === 'string') return [value];
  if (typeof value === 'object' && value !== null) return Object.values(value).flatMap(stringsOf);
  return [];
}

describe('authorizer fuzz', () => {
  it(`survives ${ITERATIONS} random and mutated requests and never accepts a forged cookie (seed ${SEED})`, async () => {
    const random = seededRandom(SEED);
    const int = (n: number) => Math.floor(random() * n);
    const pick = <T>(items: readonly T[]): T => items[int(items.length)] as T;
    const randomChars = (length: number, alphabet = ALPHABET) => {
      let s = '';
      for (let i = 0; i < length; i++) s += random() < 0.05 ? pick(NASTY) : alphabet[int(alphabet.length)];
      return s;
    };

    const logs: string[] = [];
    const logger: AuthorizerLogger = {
      warn: (...args: unknown[]) => void logs.push(JSON.stringify(args)),
      error: (...args: unknown[]) => void logs.push(JSON.stringify(args)),
    };
    const { authorize, deps } = createTestHandler({
      logger,
      metrics: createAuthorizerMetrics({ write: () => undefined }),
      clock: () => NOW_MILLIS,
    });

    // Genuine cookies issued by the authorizer itself: deviceId -> cookie value.
    const genuine = new Map<string, string>();
    for (let i = 0; i < 20; i++) {
      const context = (await authorize(httpApiEvent())).context as Context;
      genuine.set(String(context.deviceId), cookiePair(context.setCookie).slice('__Host-device_fp='.length));
    }
    const genuineValues = [...genuine.values()];
    const attacker = parseKeyRing(JSON.stringify({ current: 'k1', k1: 'attacker-guess-of-the-secret-32-chars!!' }));

    const hostileText = (length: number): string => {
      let text = '';
      while (text.length < length) text += random() < 0.3 ? pick(HOSTILE) : ALPHABET[int(ALPHABET.length)];
      return text;
    };
    /** Filler up to an edge length, then something multi-unit or escaped right on the bound. */
    const edgeText = (): string => 'a'.repeat(Math.max(0, pick(EDGE_LENGTHS) - int(3))) + pick(['%F0%9F%92%A5', '💥', '\uD83D', '%F0%9F%92', '%', 'é', '%C3%A9']);
    const textValue = (): string => (random() < 0.5 ? edgeText() : hostileText(int(300)));

    const queryString = (): string => {
      const pairs: string[] = [];
      for (let n = int(6); n >= 0; n--) {
        const key = random() < 0.7 ? pick(UTM_PARAMETERS) : pick(['q', 'utm_', 'xutm_source', '', hostileText(int(10))]);
        pairs.push(random() < 0.1 ? key : `${key}=${textValue()}`);
      }
      return pairs.join(pick(['&', '&&', ';', '&amp;']));
    };
    const referer = (): string =>
      pick([
        () => `https://www.example.com/${textValue()}`,
        () => `https://${hostileText(1 + int(40))}/${textValue()}?q=${textValue()}#${textValue()}`,
        () => `http://192.168.1.1/${textValue()}`,
        () => `${pick(['https', 'http', 'ftp', 'android-app', ''])}://${textValue()}`,
        () => textValue(),
        () => `https://user:pw@ex.com:99999/${'/..'.repeat(int(20))}`,
      ])();
    const userAgent = (): string | undefined =>
      pick([
        () => undefined,
        () => '',
        () => pick(Object.values(USER_AGENTS)) + textValue(),
        () => hostileText(int(600)),
        () => edgeText(),
        () => 'Mozilla/5.0 '.repeat(int(400)),
      ])();
    const path = (): string =>
      pick([
        () => `/${textValue()}`,
        () => `/static/${pick(['..', '%2e%2e', '.', ''])}/${textValue()}`,
        () => `${pick(['//', '/./', '/%2F', '/%73'])}${hostileText(int(60))}`,
        () => textValue(),
        () => '',
      ])();

    const mutate = (value: string): string => {
      const chars = [...value];
      switch (int(8)) {
        case 0: // replace one character
          chars[int(chars.length)] = pick([...ALPHABET, ...NASTY]);
          return chars.join('');
        case 1: // replace several characters
          for (let k = 1 + int(6); k > 0; k--) chars[int(chars.length)] = ALPHABET[int(64)] ?? 'A';
          return chars.join('');
        case 2: // delete a span
          return value.slice(0, int(value.length)) + value.slice(int(value.length));
        case 3: // insert characters
          return value.slice(0, int(value.length)) + randomChars(1 + int(8)) + value.slice(int(value.length));
        case 4: // splice two genuine cookies
          return value.slice(0, int(value.length)) + pick(genuineValues).slice(int(value.length));
        case 5: // flip a bit of a decoded byte
        {
          const bytes = Buffer.from(value, 'base64url');
          const i = int(bytes.length);
          bytes[i] = (bytes[i] ?? 0) ^ (1 << int(8));
          return bytes.toString('base64url');
        }
        case 6: // a well-formed cookie signed with a guessed key under the real key id
          return encodeDeviceCookie(
            { deviceId: Buffer.from(Array.from({ length: 16 }, () => int(256))).toString('base64url'), issuedAtSeconds: NOW_MILLIS / 1000 - int(1000), expiresAtSeconds: NOW_MILLIS / 1000 + 1000 },
            attacker,
          );
        default: // structurally plausible random bytes of a real length
          return Buffer.from(Array.from({ length: 93 }, () => int(256))).toString('base64url');
      }
    };

    const cookieHeader = (): { header: string } => {
      const parts: string[] = [];
      for (let n = int(5); n >= 0; n--) {
        const roll = random();
        if (roll < 0.5) parts.push(`__Host-device_fp=${mutate(pick(genuineValues))}`);
        else if (roll < 0.6) parts.push(`__Host-device_fp=${pick(genuineValues)}`);
        // Tossed: a genuine value under the unprefixed name a sibling subdomain can set; never accepted.
        else if (roll < 0.65) parts.push(`device_fp=${pick(genuineValues)}`);
        else if (roll < 0.8) parts.push(`${randomChars(1 + int(12))}=${randomChars(int(200))}`);
        else parts.push(randomChars(int(300), ALPHABET + ';= '));
      }
      return { header: parts.join(pick(['; ', ';', ' ; ', ', '])) };
    };

    let accepted = 0;
    for (let i = 0; i < ITERATIONS; i++) {
      const { header } = cookieHeader();
      const shape = int(10);
      let event: unknown;
      // Half the requests also carry hostile query strings, referers, user agents and paths.
      const hostile = random() < 0.5;
      const request = {
        path: hostile && random() < 0.5 ? path() : undefined,
        ua: hostile && random() < 0.3 ? userAgent() : undefined,
        referer: hostile && random() < 0.5 ? referer() : undefined,
      };
      const headers = (cookie?: string): Record<string, string> => ({
        ...(cookie === undefined ? {} : { cookie }),
        ...(request.referer === undefined ? {} : { referer: request.referer }),
      });
      if (shape < 5) {
        event = httpApiEvent({ cookies: header.split('; '), headers: headers(), path: request.path, query: hostile ? queryString() : undefined });
        if (request.ua !== undefined || (hostile && random() < 0.1)) ((event as { headers: Record<string, unknown> }).headers)['user-agent'] = request.ua;
      } else if (shape < 8) {
        const query: Record<string, string> = {};
        if (hostile) for (const key of UTM_PARAMETERS) if (random() < 0.5) query[key] = textValue();
        event = restApiEvent({ headers: { Cookie: header, ...(request.referer === undefined ? {} : { Referer: request.referer }), ...(request.ua === undefined ? {} : { 'User-Agent': request.ua }) }, path: request.path, query });
      } else if (shape === 8) event = httpApiEvent({ headers: headers(header), path: `/${randomChars(int(40))}`, method: pick(['GET', 'POST', '']), query: queryString() });
      else {
        // Broken event shapes: fields of the wrong type.
        const broken = httpApiEvent({ headers: { cookie: header } }) as Record<string, unknown>;
        const field = pick(['headers', 'cookies', 'rawPath', 'requestContext', 'rawQueryString', 'version', 'queryStringParameters']);
        broken[field] = pick([null, 42, 'x', [], {}, [1, null], true]);
        event = broken;
      }
      let response: { context: Context };
      try {
        response = (await authorize(event)) as { context: Context };
      } catch (error) {
        throw new Error(`iteration ${i} (seed ${SEED}) threw: ${String(error)}`, { cause: error });
      }
      const context = response.context;
      if (context.reason === 'error') {
        throw new Error(`iteration ${i} (seed ${SEED}) answered reason error: ${logs.at(-1)?.slice(0, 500) ?? ''}`);
      }
      for (const key of ['setCookie', 'deviceId', 'sessionId', 'userId']) {
        // The gateway maps these onto headers: never missing, never empty.
        if (typeof context[key] !== 'string' || context[key] === '') throw new Error(`iteration ${i} (seed ${SEED}): no ${key}`);
      }
      if (context.isNewDevice === false && context.deviceId !== NO_VALUE) {
        accepted++;
        const value = genuine.get(String(context.deviceId));
        // Accepted only if that exact genuine value is one of the request's __Host-device_fp values (a mutation
        // may happen to reproduce a genuine value; that is not a forgery).
        const presented = header.split(';').map((pair) => pair.trim()).filter((pair) => pair.startsWith('__Host-device_fp=')).map((pair) => pair.slice('__Host-device_fp='.length));
        if (value === undefined || !presented.includes(value)) {
          throw new Error(`iteration ${i} (seed ${SEED}) accepted a forged cookie: ${header.slice(0, 300)}`);
        }
      }
    }
    expect(accepted).toBeGreaterThan(0); // the oracle is live: genuine cookies do get accepted
    for (const [index, message] of deps.publisher.messages.entries()) {
      const body = JSON.stringify(message);
      const parsed = parseQueueMessage(body);
      if (!parsed.ok) throw new Error(`message ${index} (seed ${SEED}) does not validate: ${parsed.detail} ${body.slice(0, 300)}`);
      if (UNSENDABLE.test(stringsOf(message).join(''))) throw new Error(`message ${index} (seed ${SEED}) is not sendable: ${body.slice(0, 300)}`);
    }
    expect(deps.publisher.messages.some((m) => m.type === 'page_view' && m.utm !== undefined)).toBe(true);
    expect(deps.publisher.messages.length).toBeGreaterThan(ITERATIONS / 2);
    expect(logs.filter((l) => l.includes('Unexpected authorizer error'))).toEqual([]);
    // ~10 s on an idle machine; room for a loaded CI runner.
  }, 240_000);
});
