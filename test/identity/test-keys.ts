/** Key rings and ids shared by the identity tests. */
import { parseKeyRing } from '../../lambdas/identity/key-ring';

export const SECRET_1 = 'first-secret-of-at-least-32-characters!!';
export const SECRET_2 = 'second-secret-of-at-least-32-characters!';
export const RING_K1 = parseKeyRing(JSON.stringify({ current: 'k1', k1: SECRET_1 }));
/** After rotation: k2 signs, k1 still verifies. */
export const RING_K2_K1 = parseKeyRing(JSON.stringify({ current: 'k2', k2: SECRET_2, k1: SECRET_1 }));
export const RING_K2_ONLY = parseKeyRing(JSON.stringify({ current: 'k2', k2: SECRET_2 }));

/** Deterministic 22-character ids for tests: id(1) = 'AAAAAAAAAAAAAAAAAAAAAQ'-like, distinct per n. */
export function testId(n: number): string {
  const bytes = Buffer.alloc(16);
  bytes.writeUInt32BE(n, 12);
  return bytes.toString('base64url');
}

export function sequentialIds(start = 1): () => string {
  let next = start;
  return () => testId(next++);
}

export const NOW_SECONDS = 1_764_428_400; // 2025-11-29T15:00:00Z
