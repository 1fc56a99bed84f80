import { describe, expect, it } from 'vitest';
import { InvalidKeyRingError, parseKeyRing } from '../../lambdas/identity/key-ring';
import { SECRET_1, SECRET_2 } from './test-keys';

describe('parseKeyRing', () => {
  it('reads the flat shape CDK generates: current names the signing key, every other property verifies', () => {
    const ring = parseKeyRing(JSON.stringify({ current: 'k2', k2: SECRET_2, k1: SECRET_1 }));
    expect(ring.currentKeyId).toBe('k2');
    expect([...ring.keys.keys()].sort()).toEqual(['k1', 'k2']);
  });

  it.each([
    ['not JSON', '{', /not valid JSON/],
    ['an array', '[]', /JSON object/],
    ['null', 'null', /JSON object/],
    ['no current', JSON.stringify({ k1: SECRET_1 }), /"current"/],
    ['current missing from the ring', JSON.stringify({ current: 'k9', k1: SECRET_1 }), /does not contain it/],
    ['a short secret', JSON.stringify({ current: 'k1', k1: 'short' }), /at least 32 characters/],
    ['a non-string secret', JSON.stringify({ current: 'k1', k1: 42 }), /at least 32 characters/],
    ['a bad key id', JSON.stringify({ current: 'k1', k1: SECRET_1, 'bad-id': SECRET_2 }), /invalid key id/],
    ['a too long key id', JSON.stringify({ current: 'k1', k1: SECRET_1, ['k'.repeat(17)]: SECRET_2 }), /invalid key id/],
  ])('rejects %s with a clear message', (_label, json, message) => {
    expect(() => parseKeyRing(json)).toThrow(InvalidKeyRingError);
    expect(() => parseKeyRing(json)).toThrow(message);
  });

  it('never puts a secret into its error messages', () => {
    try {
      parseKeyRing(JSON.stringify({ current: 'k1', k1: SECRET_1, k2: 'too-short-secret' }));
      expect.unreachable();
    } catch (error) {
      expect(String(error)).not.toContain('too-short-secret');
      expect(String(error)).not.toContain(SECRET_1);
    }
  });
});
