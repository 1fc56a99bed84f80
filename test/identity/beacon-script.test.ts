import { gzipSync } from 'node:zlib';
import { expect, it } from 'vitest';
import { BEACON_SCRIPT, beaconScriptFileName } from '../../lambdas/identity/beacon-script';

it('is under 1 KB gzipped', () => {
  const gzipped = gzipSync(Buffer.from(BEACON_SCRIPT), { level: 9 }).length;
  console.log(`beacon script: ${Buffer.byteLength(BEACON_SCRIPT)} bytes, ${gzipped} bytes gzipped`);
  expect(gzipped).toBeLessThan(1024);
});

it('is served under a name that changes with its content', () => {
  expect(beaconScriptFileName()).toMatch(/^spa\.[0-9a-f]{10}\.js$/);
});

it('is plain script that parses', () => {
  expect(() => new Function(BEACON_SCRIPT)).not.toThrow();
});
