import { expect, it } from 'vitest';
import { createBeaconRate } from '../../lambdas/identity/beacon-rate';

const LIMITS = { burst: 3, refillMs: 1_000, trackedDevices: 2 };

it('allows a burst, then one view per refill interval, per device', () => {
  const rate = createBeaconRate(LIMITS);
  const now = Date.now();
  expect([1, 2, 3, 4].map(() => rate.take('a', now))).toEqual([true, true, true, false]);
  expect(rate.take('b', now)).toBe(true);
  expect(rate.take('a', now + 999)).toBe(false);
  expect(rate.take('a', now + 1_999)).toBe(true);
  expect(rate.take('a', now + 1_999)).toBe(false);
});

it('refills nothing when the clock steps back, and never beyond the burst', () => {
  const rate = createBeaconRate(LIMITS);
  const now = Date.now();
  for (let i = 0; i < 3; i++) rate.take('a', now);
  expect(rate.take('a', now - 60_000)).toBe(false);
  const later = now + 3_600_000;
  expect([1, 2, 3, 4].map(() => rate.take('a', later))).toEqual([true, true, true, false]);
});

it('remembers a bounded number of devices, forgetting the least recently seen', () => {
  const rate = createBeaconRate(LIMITS);
  const now = Date.now();
  for (let i = 0; i < 3; i++) rate.take('a', now);
  rate.take('b', now);
  rate.take('a', now); // a is now the most recent
  rate.take('c', now); // forgets b
  expect(rate.take('a', now)).toBe(false);
});
