/**
 * The signed device cookie. One opaque base64url token (no padding) of this binary layout:
 *
 * | bytes | field |
 * | --- | --- |
 * | 1 | format version (high 4 bits, 1) and flags (low 4 bits: bit 0 has a session, bit 1 has a user link) |
 * | 1 | key id length L (1..16) |
 * | L | key id, ASCII `[A-Za-z0-9]` |
 * | 16 | device id (128 random bits) |
 * | 4 | issued-at, epoch seconds (when the device id was minted) |
 * | 4 | expires-at, epoch seconds |
 * | 16 | session id (128 random bits; zero when no session) |
 * | 4 | session last activity (last tracked page view), epoch seconds (zero when no session) |
 * | 3 | session age: last activity minus session start, seconds (sessions last at most 7 days) |
 * | 4 | user link tag: truncated HMAC of the JWT `sub` this device was linked to (zero when none) |
 * | 0..2 | zero padding so the total is a multiple of 3 bytes |
 * | 32 | HMAC-SHA256 over every byte above, keyed by the key id's secret |
 *
 * A multiple of 3 bytes makes base64url a bijection (no unused bits in the last character), so
 * changing ANY character of a cookie changes the signed bytes or fails the charset/length check.
 * Decoding never throws: every defect is a `DecodeFailure` reason, and the caller treats it as a new visitor.
 */
import { createHmac, timingSafeEqual, type KeyObject } from 'node:crypto';
import { DEVICE_ID_BYTES, SESSION_ID_BYTES } from './id-source';
import type { KeyRing } from './key-ring';

export const COOKIE_FORMAT_VERSION = 1;
const FLAG_SESSION = 1;
const FLAG_USER_LINK = 2;
const MAC_BYTES = 32;
const LINK_BYTES = 4;
const MAX_KEY_ID_LENGTH = 16;
/** Session age is stored in 3 bytes. */
const MAX_SESSION_AGE_SECONDS = 0xffffff;
/** Fixed bytes before the key id: version and flags, key id length. */
const HEADER_BYTES = 2;
/** Fixed bytes after the key id and before padding. */
const BODY_BYTES = DEVICE_ID_BYTES + 4 + 4 + SESSION_ID_BYTES + 4 + 3 + LINK_BYTES;
/** Tolerated clock difference between Lambda instances when checking issued-at. */
const CLOCK_SKEW_SECONDS = 300;
/** The longest valid cookie value, in characters (key id of 16 characters). */
export const MAX_COOKIE_VALUE_LENGTH = (totalBytes(MAX_KEY_ID_LENGTH) / 3) * 4;

export interface CookieSession {
  /** 22-character base64url id (16 random bytes). */
  readonly id: string;
  readonly startSeconds: number;
  readonly lastActivitySeconds: number;
}

export interface DeviceCookieState {
  /** 22-character base64url id (16 random bytes). */
  readonly deviceId: string;
  readonly issuedAtSeconds: number;
  readonly expiresAtSeconds: number;
  readonly session?: CookieSession;
  /** 6-character base64url tag (4 bytes) of the user this device was linked to, if any. */
  readonly userLink?: string;
}

export type DecodeFailure = 'malformed' | 'unknown_key' | 'bad_signature' | 'expired';

export type DecodeResult =
  | { readonly ok: true; readonly state: DeviceCookieState; readonly keyId: string }
  | { readonly ok: false; readonly reason: DecodeFailure };

const BASE64URL = /^[A-Za-z0-9_-]+$/;

function paddingBytes(keyIdLength: number): number {
  return (3 - ((HEADER_BYTES + keyIdLength + BODY_BYTES + MAC_BYTES) % 3)) % 3;
}

function totalBytes(keyIdLength: number): number {
  return HEADER_BYTES + keyIdLength + BODY_BYTES + paddingBytes(keyIdLength) + MAC_BYTES;
}

function isZero(buf: Buffer, start: number, end: number): boolean {
  for (let i = start; i < end; i++) if (buf[i] !== 0) return false;
  return true;
}

/** HMAC-SHA256 (32 bytes) of `message` with a key ring key. */
function mac(key: KeyObject, message: Uint8Array | string): Buffer {
  return createHmac('sha256', key).update(message).digest();
}

/** Writes a base64url id of exactly `bytes` bytes (unpadded: 16 bytes = 22 characters, 12 = 16). */
function writeId(buf: Buffer, offset: number, id: string, bytes: number): void {
  if (id.length !== Math.ceil((bytes * 4) / 3) || buf.write(id, offset, bytes, 'base64url') !== bytes) {
    throw new RangeError(`identifier must be ${bytes} bytes of base64url`);
  }
}

function writeSeconds(buf: Buffer, offset: number, seconds: number): void {
  // writeUInt32BE throws on values outside 0..2^32-1, so a bad clock cannot produce a silently wrong cookie.
  buf.writeUInt32BE(seconds, offset);
}

/**
 * Where the ids of the last successfully decoded cookie sit in DECODE_SCRATCH. Renewing a cookie (decode,
 * then encode with the same ids) copies those bytes instead of decoding the base64url ids again. Cleared
 * by every decode before it touches the scratch buffer, so it never points at another cookie's bytes.
 */
const lastDecodedIds = new Map<string, number>();

function copyOrWriteId(buf: Buffer, offset: number, id: string, bytes: number): void {
  const at = lastDecodedIds.get(id);
  if (at === undefined) writeId(buf, offset, id, bytes);
  else DECODE_SCRATCH.copy(buf, offset, at, at + bytes);
}

/** Signs `state` with the ring's current key. Throws only on programming errors (ids of the wrong shape). */
export function encodeDeviceCookie(state: DeviceCookieState, keyRing: KeyRing): string {
  const keyId = keyRing.currentKeyId;
  const key = keyRing.keys.get(keyId);
  if (key === undefined) throw new RangeError('key ring has no current key');
  // Encoding never yields, so one scratch buffer serves every call (no allocation per cookie).
  const buf = ENCODE_SCRATCH.subarray(0, totalBytes(keyId.length)).fill(0);
  let flags = 0;
  if (state.session !== undefined) flags |= FLAG_SESSION;
  if (state.userLink !== undefined) flags |= FLAG_USER_LINK;
  buf[0] = (COOKIE_FORMAT_VERSION << 4) | flags;
  buf[1] = keyId.length;
  buf.write(keyId, HEADER_BYTES, 'latin1');
  let offset = HEADER_BYTES + keyId.length;
  copyOrWriteId(buf, offset, state.deviceId, DEVICE_ID_BYTES);
  offset += DEVICE_ID_BYTES;
  writeSeconds(buf, offset, state.issuedAtSeconds);
  writeSeconds(buf, offset + 4, state.expiresAtSeconds);
  offset += 8;
  if (state.session !== undefined) {
    const age = state.session.lastActivitySeconds - state.session.startSeconds;
    if (state.session.startSeconds < 1 || age < 0 || age > MAX_SESSION_AGE_SECONDS) throw new RangeError('session times out of range');
    copyOrWriteId(buf, offset, state.session.id, SESSION_ID_BYTES);
    writeSeconds(buf, offset + SESSION_ID_BYTES, state.session.lastActivitySeconds);
    buf.writeUIntBE(age, offset + SESSION_ID_BYTES + 4, 3);
  }
  offset += SESSION_ID_BYTES + 7;
  if (state.userLink !== undefined) writeId(buf, offset, state.userLink, LINK_BYTES);
  const macOffset = buf.length - MAC_BYTES;
  mac(key, buf.subarray(0, macOffset)).copy(buf, macOffset);
  return buf.toString('base64url');
}

/**
 * Verifies and decodes a cookie value against every key in the ring (constant-time MAC comparison).
 * Never throws.
 */
export function decodeDeviceCookie(value: string, keyRing: KeyRing, nowSeconds: number): DecodeResult {
  // Cheap structural checks first: length caps and charset before any decoding or hashing.
  if (typeof value !== 'string' || value.length > MAX_COOKIE_VALUE_LENGTH || value.length % 4 !== 0) {
    return MALFORMED;
  }
  if (value.length < (totalBytes(1) / 3) * 4 || !BASE64URL.test(value)) return MALFORMED;
  // Decode into a scratch buffer: the charset and length were checked, so this writes exactly length * 3/4 bytes.
  lastDecodedIds.clear();
  const buf = DECODE_SCRATCH.subarray(0, DECODE_SCRATCH.write(value, 0, 'base64url'));
  const first = buf[0] ?? 0;
  if (first >> 4 !== COOKIE_FORMAT_VERSION) return MALFORMED;
  const flags = first & 0x0f;
  if ((flags & ~(FLAG_SESSION | FLAG_USER_LINK)) !== 0) return MALFORMED;
  const keyIdLength = buf[1] ?? 0;
  if (keyIdLength < 1 || keyIdLength > MAX_KEY_ID_LENGTH || buf.length !== totalBytes(keyIdLength)) {
    return MALFORMED;
  }
  // A key id outside [A-Za-z0-9] is simply not in the ring (`parseKeyRing` admits no other ids).
  const keyId = buf.toString('latin1', HEADER_BYTES, HEADER_BYTES + keyIdLength);
  const macOffset = buf.length - MAC_BYTES;
  if (!isZero(buf, macOffset - paddingBytes(keyIdLength), macOffset)) return MALFORMED;
  const key = keyRing.keys.get(keyId);
  if (key === undefined) return UNKNOWN_KEY;
  if (!timingSafeEqual(mac(key, buf.subarray(0, macOffset)), buf.subarray(macOffset))) return BAD_SIGNATURE;

  // Signed by us from here on; the remaining checks guard against our own older formats and clocks.
  let offset = HEADER_BYTES + keyIdLength;
  const deviceId = buf.toString('base64url', offset, offset + DEVICE_ID_BYTES);
  offset += DEVICE_ID_BYTES;
  const issuedAtSeconds = buf.readUInt32BE(offset);
  const expiresAtSeconds = buf.readUInt32BE(offset + 4);
  offset += 8;
  if (issuedAtSeconds > nowSeconds + CLOCK_SKEW_SECONDS || expiresAtSeconds <= issuedAtSeconds) return MALFORMED;
  if (expiresAtSeconds <= nowSeconds) return EXPIRED;
  let session: CookieSession | undefined;
  if ((flags & FLAG_SESSION) !== 0) {
    const lastActivitySeconds = buf.readUInt32BE(offset + SESSION_ID_BYTES);
    const startSeconds = lastActivitySeconds - buf.readUIntBE(offset + SESSION_ID_BYTES + 4, 3);
    if (startSeconds < 1) return MALFORMED;
    session = { id: buf.toString('base64url', offset, offset + SESSION_ID_BYTES), startSeconds, lastActivitySeconds };
  } else if (!isZero(buf, offset, offset + SESSION_ID_BYTES + 7)) {
    return MALFORMED;
  }
  offset += SESSION_ID_BYTES + 7;
  let userLink: string | undefined;
  if ((flags & FLAG_USER_LINK) !== 0) {
    userLink = buf.toString('base64url', offset, offset + LINK_BYTES);
  } else if (!isZero(buf, offset, offset + LINK_BYTES)) {
    return MALFORMED;
  }
  lastDecodedIds.set(deviceId, HEADER_BYTES + keyIdLength);
  if (session !== undefined) lastDecodedIds.set(session.id, HEADER_BYTES + keyIdLength + DEVICE_ID_BYTES + 8);
  const state: DeviceCookieState = { deviceId, issuedAtSeconds, expiresAtSeconds, session, userLink };
  return { ok: true, state, keyId };
}

/**
 * The tag that records, inside the cookie, which user this device was linked to, so the `identify`
 * message is sent once per device and user rather than on every authenticated request. Keyed with the
 * current signing key, so the cookie never reveals even a hash of the user id; after a key rotation
 * the tag differs once and one extra (harmless, idempotent) identify is sent.
 */
export function userLinkTag(userId: string, keyRing: KeyRing): string {
  const key = keyRing.keys.get(keyRing.currentKeyId);
  if (key === undefined) throw new RangeError('key ring has no current key');
  return mac(key, `user-link\u0000${userId}`).toString('base64url', 0, LINK_BYTES);
}

/** Scratch buffers: encoding and decoding never yield, so one of each serves every call. */
const ENCODE_SCRATCH = Buffer.alloc(totalBytes(MAX_KEY_ID_LENGTH));
const DECODE_SCRATCH = Buffer.alloc(totalBytes(MAX_KEY_ID_LENGTH));
const MALFORMED: DecodeResult = Object.freeze({ ok: false, reason: 'malformed' });
const UNKNOWN_KEY: DecodeResult = Object.freeze({ ok: false, reason: 'unknown_key' });
const BAD_SIGNATURE: DecodeResult = Object.freeze({ ok: false, reason: 'bad_signature' });
const EXPIRED: DecodeResult = Object.freeze({ ok: false, reason: 'expired' });
