/**
 * HMAC-SHA256 (RFC 2104 over FIPS 180-4 SHA-256) with the key's inner and outer pads hashed once.
 *
 * Why not `createHmac`: every returning visitor costs two HMACs (verify the cookie, sign the renewed
 * one) over ~80 bytes. On Node 24, `createHmac('sha256', keyObject)` costs ~2.5 µs per call, almost all
 * of it per-call OpenSSL setup rather than hashing; computing the pads' midstates once per key leaves
 * three SHA-256 compressions per cookie, ~1 µs in plain JavaScript (`npm run bench:authorizer` prints
 * both). The output is byte-for-byte `createHmac`'s: the tests compare them on thousands of random keys
 * and messages. The compression function is branch-free arithmetic (no data-dependent table lookups),
 * and MACs are still compared in constant time by the caller.
 */
import { createHash } from 'node:crypto';

const BLOCK = 64;
const K = new Int32Array([
  0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5, 0xd807aa98, 0x12835b01,
  0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174, 0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc,
  0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da, 0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147,
  0x06ca6351, 0x14292967, 0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
  0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070, 0x19a4c116, 0x1e376c08,
  0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3, 0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208,
  0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
]);
const IV = new Int32Array([0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19]);

// Scratch space, reused: the authorizer is single-threaded and these functions never yield.
const W = new Int32Array(64);
const STATE = new Int32Array(8);
const TAIL = new Uint8Array(2 * BLOCK);

/** Loads the 64-byte block at `offset` into W[0..15] as big-endian words. */
function loadBlock(block: Uint8Array, offset: number): void {
  for (let i = 0; i < 16; i++) {
    const j = offset + i * 4;
    W[i] = ((block[j] as number) << 24) | ((block[j + 1] as number) << 16) | ((block[j + 2] as number) << 8) | (block[j + 3] as number);
  }
}

/** One SHA-256 compression of the block in W[0..15] into `state`. */
function compressLoaded(state: Int32Array): void {
  for (let i = 16; i < 64; i++) {
    const x = W[i - 15] as number;
    const y = W[i - 2] as number;
    const s0 = ((x >>> 7) | (x << 25)) ^ ((x >>> 18) | (x << 14)) ^ (x >>> 3);
    const s1 = ((y >>> 17) | (y << 15)) ^ ((y >>> 19) | (y << 13)) ^ (y >>> 10);
    W[i] = ((W[i - 16] as number) + s0 + (W[i - 7] as number) + s1) | 0;
  }
  let a = state[0] as number;
  let b = state[1] as number;
  let c = state[2] as number;
  let d = state[3] as number;
  let e = state[4] as number;
  let f = state[5] as number;
  let g = state[6] as number;
  let h = state[7] as number;
  for (let i = 0; i < 64; i++) {
    const s1 = ((e >>> 6) | (e << 26)) ^ ((e >>> 11) | (e << 21)) ^ ((e >>> 25) | (e << 7));
    const t1 = (h + s1 + ((e & f) ^ (~e & g)) + (K[i] as number) + (W[i] as number)) | 0;
    const s0 = ((a >>> 2) | (a << 30)) ^ ((a >>> 13) | (a << 19)) ^ ((a >>> 22) | (a << 10));
    const t2 = (s0 + ((a & b) ^ (a & c) ^ (b & c))) | 0;
    h = g;
    g = f;
    f = e;
    e = (d + t1) | 0;
    d = c;
    c = b;
    b = a;
    a = (t1 + t2) | 0;
  }
  state[0] = ((state[0] as number) + a) | 0;
  state[1] = ((state[1] as number) + b) | 0;
  state[2] = ((state[2] as number) + c) | 0;
  state[3] = ((state[3] as number) + d) | 0;
  state[4] = ((state[4] as number) + e) | 0;
  state[5] = ((state[5] as number) + f) | 0;
  state[6] = ((state[6] as number) + g) | 0;
  state[7] = ((state[7] as number) + h) | 0;
}

function compress(state: Int32Array, block: Uint8Array, offset: number): void {
  loadBlock(block, offset);
  compressLoaded(state);
}

/** Compresses message[start..end) into STATE and pads; `totalBytes` counts the key block hashed before it. */
function finish(message: Uint8Array, start: number, end: number, totalBytes: number): void {
  let offset = start;
  for (; offset + BLOCK <= end; offset += BLOCK) compress(STATE, message, offset);
  const rest = end - offset;
  const length = rest + 9 <= BLOCK ? BLOCK : 2 * BLOCK;
  for (let i = 0; i < rest; i++) TAIL[i] = message[offset + i] as number;
  TAIL[rest] = 0x80;
  for (let i = rest + 1; i < length - 5; i++) TAIL[i] = 0;
  // Message length in bits, big-endian in the last 8 bytes (the top three are zero for any message here).
  const bits = totalBytes * 8;
  TAIL[length - 5] = Math.floor(bits / 0x100000000) & 0xff;
  TAIL[length - 4] = bits >>> 24;
  TAIL[length - 3] = bits >>> 16;
  TAIL[length - 2] = bits >>> 8;
  TAIL[length - 1] = bits;
  compress(STATE, TAIL, 0);
  if (length === 2 * BLOCK) compress(STATE, TAIL, BLOCK);
}

function writeState(out: Uint8Array, offset: number): void {
  for (let i = 0; i < 8; i++) {
    const word = STATE[i] as number;
    out[offset + i * 4] = word >>> 24;
    out[offset + i * 4 + 1] = word >>> 16;
    out[offset + i * 4 + 2] = word >>> 8;
    out[offset + i * 4 + 3] = word;
  }
}

/** A key prepared for HMAC-SHA256: SHA-256 midstates after the inner and outer padded key blocks. */
export interface HmacSha256Key {
  readonly inner: Int32Array;
  readonly outer: Int32Array;
}

export function prepareHmacSha256Key(secret: Uint8Array): HmacSha256Key {
  const key = secret.length > BLOCK ? createHash('sha256').update(secret).digest() : secret;
  const pad = new Uint8Array(BLOCK);
  const midstate = (fill: number) => {
    pad.fill(fill);
    for (let i = 0; i < key.length; i++) pad[i] = (pad[i] as number) ^ (key[i] as number);
    const state = Int32Array.from(IV);
    compress(state, pad, 0);
    return state;
  };
  const prepared = { inner: midstate(0x36), outer: midstate(0x5c) };
  pad.fill(0);
  return prepared;
}

/** Writes HMAC-SHA256(key, message[start..end)) as 32 bytes into `out` at `outOffset`. */
export function hmacSha256(key: HmacSha256Key, message: Uint8Array, start: number, end: number, out: Uint8Array, outOffset: number): void {
  STATE.set(key.inner);
  finish(message, start, end, BLOCK + end - start);
  // Outer hash: its single block is the inner digest, padding and the length (64 + 32 bytes), built as words.
  for (let i = 0; i < 8; i++) W[i] = STATE[i] as number;
  W[8] = 0x80000000 | 0;
  for (let i = 9; i < 15; i++) W[i] = 0;
  W[15] = (BLOCK + 32) * 8;
  STATE.set(key.outer);
  compressLoaded(STATE);
  writeState(out, outOffset);
}
