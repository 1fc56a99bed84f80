/**
 * The signing key ring: the newest key signs, every listed key verifies, so keys rotate without
 * logging anyone out. Parsed from the flat JSON the stack's generated secret holds:
 * `{"current":"k2","k2":"<secret>","k1":"<old secret>"}`.
 */
import { createSecretKey, type KeyObject } from 'node:crypto';

export const KEY_ID_PATTERN = /^[A-Za-z0-9]{1,16}$/;
export const MIN_SECRET_LENGTH = 32;

export interface KeyRing {
  readonly currentKeyId: string;
  /**
   * HMAC-SHA256 keys by id, each a `KeyObject` made once: on Node 24, `createHmac` with a KeyObject costs
   * ~2.4 µs per call against ~12.9 µs with the raw key bytes (`npm run bench:authorizer` prints both).
   */
  readonly keys: ReadonlyMap<string, KeyObject>;
}

export class InvalidKeyRingError extends Error {
  override readonly name = 'InvalidKeyRingError';
}

/** Parses and validates a key ring. Throws `InvalidKeyRingError` with a message that names the problem, never a secret. */
export function parseKeyRing(json: string): KeyRing {
  let parsed: unknown;
  try {
    parsed = JSON.parse(json);
  } catch (cause) {
    throw new InvalidKeyRingError('key ring is not valid JSON', { cause });
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new InvalidKeyRingError('key ring must be a JSON object like {"current":"k1","k1":"<secret>"}');
  }
  const record = parsed as Record<string, unknown>;
  const currentKeyId = record.current;
  if (typeof currentKeyId !== 'string' || !KEY_ID_PATTERN.test(currentKeyId)) {
    throw new InvalidKeyRingError('key ring property "current" must name a key id matching [A-Za-z0-9]{1,16}');
  }
  const keys = new Map<string, KeyObject>();
  for (const [keyId, secret] of Object.entries(record)) {
    if (keyId === 'current') continue;
    if (!KEY_ID_PATTERN.test(keyId)) {
      throw new InvalidKeyRingError(`key ring has an invalid key id (must match [A-Za-z0-9]{1,16})`);
    }
    if (typeof secret !== 'string' || secret.length < MIN_SECRET_LENGTH) {
      throw new InvalidKeyRingError(`key "${keyId}" must be a string of at least ${MIN_SECRET_LENGTH} characters`);
    }
    keys.set(keyId, createSecretKey(Buffer.from(secret, 'utf8')));
  }
  if (!keys.has(currentKeyId)) {
    throw new InvalidKeyRingError(`key ring names current key "${currentKeyId}" but does not contain it`);
  }
  return { currentKeyId, keys };
}
