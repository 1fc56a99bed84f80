import { describe, expect, it } from 'vitest';
import { DAY_MS, MAX_CLOCK_AHEAD_MS, timestampVerdict } from '../../lambdas/aggregation/retention';

describe('timestampVerdict', () => {
  const now = Date.now();
  it('accepts a timestamp within retention and up to the allowed clock lead', () => {
    expect(timestampVerdict(now, now, 30)).toBe('ok');
    expect(timestampVerdict(now + MAX_CLOCK_AHEAD_MS, now, 30)).toBe('ok');
    expect(timestampVerdict(now - 30 * DAY_MS + 1_000, now, 30)).toBe('ok');
  });

  it('rejects one further ahead, or one whose item would already be past retention', () => {
    expect(timestampVerdict(now + MAX_CLOCK_AHEAD_MS + 1, now, 30)).toBe('too_far_ahead');
    expect(timestampVerdict(now + 10 * 365 * DAY_MS, now, 30)).toBe('too_far_ahead');
    expect(timestampVerdict(now - 30 * DAY_MS - 1_000, now, 30)).toBe('too_old');
    expect(timestampVerdict(0, now, 30)).toBe('too_old');
    expect(timestampVerdict(now - 2 * DAY_MS, now, 1)).toBe('too_old');
    expect(timestampVerdict(now + 60_000, now, 30, 30_000)).toBe('too_far_ahead');
  });
});
