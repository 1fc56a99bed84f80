import { createHmac, randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { hmacSha256, prepareHmacSha256Key } from '../../lambdas/identity/hmac-sha256';

function mac(key: Uint8Array, message: Uint8Array): string {
  const out = Buffer.alloc(32);
  hmacSha256(prepareHmacSha256Key(key), message, 0, message.length, out, 0);
  return out.toString('hex');
}

describe('HMAC-SHA256 with precomputed pads', () => {
  // RFC 4231, test cases 1, 2, 4, 6 and 7 (6 and 7 use a 131-byte key, hashed first).
  it.each([
    ['0b'.repeat(20), Buffer.from('Hi There').toString('hex'), 'b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7'],
    [Buffer.from('Jefe').toString('hex'), Buffer.from('what do ya want for nothing?').toString('hex'), '5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843'],
    ['0102030405060708090a0b0c0d0e0f10111213141516171819', 'cd'.repeat(50), '82558a389a443c0ea4cc819899f2083a85f0faa3e578f8077a2e3ff46729665b'],
    ['aa'.repeat(131), Buffer.from('Test Using Larger Than Block-Size Key - Hash Key First').toString('hex'), '60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54'],
    [
      'aa'.repeat(131),
      Buffer.from('This is a test using a larger than block-size key and a larger than block-size data. The key needs to be hashed before being used by the HMAC algorithm.').toString('hex'),
      '9b09ffa71b942fcb27635fbcd5b0e944bfdc63644f0713938a7f51535c3a35e2',
    ],
  ])('matches RFC 4231 vector (key %s…)', (keyHex, dataHex, expected) => {
    expect(mac(Buffer.from(keyHex, 'hex'), Buffer.from(dataHex, 'hex'))).toBe(expected);
  });

  it('equals node:crypto createHmac on 5,000 random keys and messages of every length up to 300 bytes', () => {
    for (let i = 0; i < 5000; i++) {
      const key = randomBytes(i % 150);
      const message = randomBytes(i % 301);
      expect(mac(key, message)).toBe(createHmac('sha256', key).update(message).digest('hex'));
    }
  });

  it('hashes a sub-range and writes at an offset, leaving the rest of the output untouched', () => {
    const key = randomBytes(40);
    const buffer = randomBytes(200);
    const before = Buffer.from(buffer);
    hmacSha256(prepareHmacSha256Key(key), buffer, 10, 120, buffer, 150);
    expect(buffer.subarray(150, 182).toString('hex')).toBe(createHmac('sha256', key).update(before.subarray(10, 120)).digest('hex'));
    expect(buffer.subarray(0, 150).equals(before.subarray(0, 150))).toBe(true);
    expect(buffer.subarray(182).equals(before.subarray(182))).toBe(true);
  });
});
