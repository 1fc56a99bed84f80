import { describe, expect, it } from 'vitest';
import type { SessionFigures } from '../../lambdas/statistics/stats-delta';
import { StatsDelta } from '../../lambdas/statistics/stats-delta';
import { addDays, calendarDay, daysBetween, isCalendarDay, monthsBetween, statsExpiresAtSeconds } from '../../lambdas/statistics/calendar-day';
import { dimensionSortKey, MAX_VALUE_BYTES, parseStatsSortKey } from '../../lambdas/contract/statistics-layout';

const HOUR = 3_600_000;
/** Today's UTC midnight: every figure below is relative to it. */
const midnight = Math.floor(Date.now() / (24 * HOUR)) * 24 * HOUR;
const today = calendarDay(midnight, 'UTC');
const yesterday = addDays(today, -1);

function session(overrides: Partial<SessionFigures> = {}): SessionFigures {
  return {
    start: midnight + 10 * HOUR,
    lastActivity: midnight + 10 * HOUR + 60_000,
    pageViews: 2,
    entryPath: '/',
    exitPath: '/pricing',
    device: { browser: 'firefox', os: 'linux', type: 'desktop' },
    pages: { '/': 1, '/pricing': 1 },
    ...overrides,
  };
}

const counters = (delta: StatsDelta) => Object.fromEntries(delta.items().map((item) => [item.sk, item.counters]));

describe('StatsDelta', () => {
  it('adds a created session: totals, pages, entry, exit, referrer, device', () => {
    const delta = new StatsDelta('UTC');
    delta.addSessionWrite(undefined, session({ referrer: { origin: 'https://www.google.com', path: '/' }, utm: { utm_source: 'news' } }));
    expect(counters(delta)).toEqual({
      [`${today}#total`]: { sessions: 1, pageViews: 2, durationMs: 60_000 },
      [`${today}#page#/`]: { views: 1, visits: 1 },
      [`${today}#page#/pricing`]: { views: 1, visits: 1 },
      [`${today}#entry#/`]: { sessions: 1 },
      [`${today}#exit#/pricing`]: { sessions: 1 },
      [`${today}#referrer#https://www.google.com`]: { sessions: 1 },
      [`${today}#utm_source#news`]: { sessions: 1 },
      [`${today}#browser#firefox`]: { sessions: 1 },
      [`${today}#os#linux`]: { sessions: 1 },
      [`${today}#device#desktop`]: { sessions: 1 },
    });
  });

  it('moves only what changed on an append, and a bounce stops being one', () => {
    const delta = new StatsDelta('UTC');
    const before = session({ pageViews: 1, exitPath: '/', lastActivity: midnight + 10 * HOUR, pages: { '/': 1 } });
    delta.addSessionWrite(before, session({ pageViews: 2, pages: { '/': 1, '/pricing': 1 } }));
    expect(counters(delta)).toEqual({
      [`${today}#total`]: { pageViews: 1, bounces: -1, durationMs: 60_000 },
      [`${today}#page#/pricing`]: { views: 1, visits: 1 },
      [`${today}#exit#/`]: { sessions: -1 },
      [`${today}#exit#/pricing`]: { sessions: 1 },
    });
  });

  it('moves a whole session to the previous day when a late view before midnight becomes its entry', () => {
    const delta = new StatsDelta('UTC');
    const before = session({ start: midnight + HOUR, lastActivity: midnight + HOUR, pageViews: 1, exitPath: '/', pages: { '/': 1 } });
    const after = session({ start: midnight - HOUR, lastActivity: midnight + HOUR, pageViews: 2, entryPath: '/blog', exitPath: '/', pages: { '/': 1, '/blog': 1 } });
    delta.addSessionWrite(undefined, before);
    delta.addSessionWrite(before, after);
    const result = counters(delta);
    expect(Object.keys(result).every((sk) => sk.startsWith(yesterday))).toBe(true);
    expect(result[`${yesterday}#total`]).toEqual({ sessions: 1, pageViews: 2, durationMs: 2 * HOUR });
  });

  it('counts visitors per new visit day and moves a new visitor with its first session', () => {
    const delta = new StatsDelta('UTC');
    delta.addVisitorWrite({ newVisitDays: [today], firstSeenAfter: midnight + HOUR });
    delta.addVisitorWrite({ newVisitDays: [yesterday], firstSeenBefore: midnight + HOUR, firstSeenAfter: midnight - HOUR });
    delta.addVisitorWrite({ newVisitDays: [], firstSeenBefore: midnight - HOUR, firstSeenAfter: midnight - HOUR });
    expect(counters(delta)).toEqual({ [`${today}#total`]: { visitors: 1 }, [`${yesterday}#total`]: { visitors: 1, newVisitors: 1 } });
  });

  it('days follow the configured time zone', () => {
    // 03:00 UTC is still the previous evening in New York.
    const delta = new StatsDelta('America/New_York');
    delta.addSessionWrite(undefined, session({ start: midnight + 3 * HOUR, lastActivity: midnight + 3 * HOUR }));
    expect(delta.items().every((item) => item.day === yesterday)).toBe(true);
  });
});

describe('calendar days and keys', () => {
  it('walks days and months across a year end', () => {
    expect(daysBetween('2030-12-30', '2031-01-02')).toEqual(['2030-12-30', '2030-12-31', '2031-01-01', '2031-01-02']);
    expect(monthsBetween('2030-11-15', '2031-02-01')).toEqual(['2030-11', '2030-12', '2031-01', '2031-02']);
    expect(isCalendarDay('2031-02-29')).toBe(false);
    expect(isCalendarDay('2032-02-29')).toBe(true);
  });

  it('keeps statistics the given number of months after their day', () => {
    expect(new Date(statsExpiresAtSeconds('2030-01-31', 25) * 1000).toISOString()).toBe('2032-03-03T00:00:00.000Z');
  });

  it('cuts values to fit a sort key and reads keys back', () => {
    const long = `/${'é'.repeat(2000)}`;
    const sk = dimensionSortKey(today, 'page', long);
    expect(new TextEncoder().encode(sk).length).toBeLessThanOrEqual(1024);
    const parsed = parseStatsSortKey(sk);
    expect(parsed).toMatchObject({ kind: 'dimension', day: today, dimension: 'page' });
    expect(new TextEncoder().encode(parsed?.kind === 'dimension' ? parsed.value : '').length).toBeLessThanOrEqual(MAX_VALUE_BYTES);
    expect(parseStatsSortKey(`${today}#page#/a#b`)).toEqual({ kind: 'dimension', day: today, dimension: 'page', value: '/a#b' });
    expect(parseStatsSortKey(`${today}#nope#x`)).toBeUndefined();
  });
});
