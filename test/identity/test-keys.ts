/** Key rings and ids shared by the identity tests. */
import { parseKeyRing } from '../../lambdas/identity/key-ring';

export const SECRET_1 = 'first-secret-of-at-least-32-characters!!';
export const SECRET_2 = 'second-secret-of-at-least-32-characters!';
export const RING_K1 = parseKeyRing(JSON.stringify({ current: 'k1', k1: SECRET_1 }));
/** After rotation: k2 signs, k1 still verifies. */
export const RING_K2_K1 = parseKeyRing(JSON.stringify({ current: 'k2', k2: SECRET_2, k1: SECRET_1 }));
export const RING_K2_ONLY = parseKeyRing(JSON.stringify({ current: 'k2', k2: SECRET_2 }));

/** Deterministic ids for tests, distinct per n: 16 bytes (22 characters) by default. */
export function testId(n: number, bytes = 16): string {
  const buffer = Buffer.alloc(bytes);
  buffer.writeUInt32BE(n, bytes - 4);
  return buffer.toString('base64url');
}

export const testSessionId = (n: number) => testId(n);

export function sequentialIds(start = 1, bytes = 16): () => string {
  let next = start;
  return () => testId(next++, bytes);
}

export const NOW_SECONDS = 1_764_428_400; // 2025-11-29T15:00:00Z
