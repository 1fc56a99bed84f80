import { describe, expect, it } from 'vitest';
import { planBatch, type ViewFact } from '../../lambdas/aggregation/batch-plan';
import { expiresAtSeconds } from '../../lambdas/aggregation/retention';
import { mergeSession, newSession, sessionAppend, sessionPartId } from '../../lambdas/aggregation/session-merge';
import type { PageViewMessage } from '../../lambdas/contract/page-view-message';
import { opaqueId, pageView } from '../../harness/queue-messages';

const RETENTION = 30;

function facts(messages: PageViewMessage[]): ViewFact[] {
  const plan = planBatch(messages.map((message, index) => ({ recordId: String(index), message })));
  return plan.devices.flatMap((device) => device.sessions.flatMap((session) => session.views));
}

const deviceId = opaqueId();
const sessionId = opaqueId();
const view = (ts: number, path: string, extra: Partial<PageViewMessage> = {}) =>
  pageView({ deviceId, sessionId, ts, path, ...extra });

describe('session merge', () => {
  it('creates a session from its views: entry, exit, counts and TTL from the last activity', () => {
    const state = newSession(
      deviceId,
      sessionId,
      facts([
        view(2_000, '/b'),
        view(1_000, '/a', { sessionStarted: true, referrer: { origin: 'https://x.example', path: '/' }, utm: { utm_source: 'news' } }),
        view(3_000, '/c'),
      ]),
      RETENTION,
    );
    expect(state).toMatchObject({
      start: 1_000,
      lastActivity: 3_000,
      pageViews: 3,
      entryPath: '/a',
      exitPath: '/c',
      referrer: { origin: 'https://x.example', path: '/' },
      utm: { utm_source: 'news' },
      version: 1,
      expiresAt: expiresAtSeconds(3_000, RETENTION),
    });
    expect(state.viewIds).toHaveLength(3);
  });

  it('counts a view once however often it is merged', () => {
    const views = facts([view(1_000, '/a'), view(2_000, '/b')]);
    const first = mergeSession(undefined, deviceId, sessionId, views, RETENTION);
    const again = mergeSession(first.state, deviceId, sessionId, views, RETENTION);
    expect(again.added).toBe(0);
    expect(again.duplicates).toBe(2);
    expect(again.state).toBe(first.state);
    const mixed = mergeSession(first.state, deviceId, sessionId, [...views, ...facts([view(3_000, '/c')])], RETENTION);
    expect(mixed).toMatchObject({ added: 1, duplicates: 2 });
    expect(mixed.state.pageViews).toBe(3);
    expect(mixed.state.version).toBe(2);
  });

  it('never moves the exit or last activity backwards, and a late earlier view becomes the entry', () => {
    const start = mergeSession(undefined, deviceId, sessionId, facts([view(5_000, '/middle'), view(9_000, '/last')]), RETENTION);
    const late = mergeSession(
      start.state,
      deviceId,
      sessionId,
      facts([view(1_000, '/landing', { sessionStarted: true, utm: { utm_campaign: 'spring' } }), view(7_000, '/between')]),
      RETENTION,
    );
    expect(late.state).toMatchObject({
      start: 1_000,
      entryPath: '/landing',
      utm: { utm_campaign: 'spring' },
      lastActivity: 9_000,
      exitPath: '/last',
      pageViews: 4,
      expiresAt: expiresAtSeconds(9_000, RETENTION),
    });
  });

  it('drops the old entry referrer when an earlier entry without one arrives', () => {
    const first = mergeSession(
      undefined,
      deviceId,
      sessionId,
      facts([view(5_000, '/second', { referrer: { origin: 'https://r.example', path: '/p' } })]),
      RETENTION,
    );
    expect(first.state.referrer).toBeDefined();
    const merged = mergeSession(first.state, deviceId, sessionId, facts([view(1_000, '/first')]), RETENTION);
    expect(merged.state.entryPath).toBe('/first');
    expect(merged.state.referrer).toBeUndefined();
  });

  it('gives the same state whatever the order and grouping of deliveries', () => {
    const messages = Array.from({ length: 8 }, (_, index) => view(1_000 + index * 997, `/p${index}`));
    const orders = [messages, [...messages].reverse(), [messages[3], messages[0], messages[7], messages[1], messages[5], messages[2], messages[6], messages[4]]];
    const results = orders.map((order) => {
      let state = undefined as ReturnType<typeof newSession> | undefined;
      for (let index = 0; index < order.length; index += 3) {
        state = mergeSession(state, deviceId, sessionId, facts(order.slice(index, index + 3) as PageViewMessage[]), RETENTION).state;
      }
      return state;
    });
    const comparable = results.map((state) => ({ ...state, viewIds: [...(state?.viewIds ?? [])].sort(), version: 0 }));
    expect(comparable[1]).toEqual(comparable[0]);
    expect(comparable[2]).toEqual(comparable[0]);
    expect(comparable[0]).toMatchObject({ pageViews: 8, entryPath: '/p0', exitPath: '/p7' });
  });

  it('describes an in-order append by its earliest view and latest view', () => {
    const append = sessionAppend(facts([view(4_000, '/y'), view(3_000, '/x')]), RETENTION);
    expect(append).toMatchObject({ minTs: 3_000, lastActivity: 4_000, exitPath: '/y', pageViews: 2 });
    expect(append.expiresAt).toBe(expiresAtSeconds(4_000, RETENTION));
  });

  it('keeps at most maxViews ids: the views that do not fit overflow in view order, duplicates never do', () => {
    const views = facts([1, 2, 3, 4, 5].map((index) => view(index * 1_000, `/p${index}`)));
    const first = mergeSession(undefined, deviceId, sessionId, views.slice(0, 4), RETENTION, 3);
    expect(first).toMatchObject({ added: 3, duplicates: 0 });
    expect(first.state).toMatchObject({ pageViews: 3, exitPath: '/p3' });
    expect(first.overflow.map((fact) => fact.path)).toEqual(['/p4']);
    const full = mergeSession(first.state, deviceId, sessionId, views, RETENTION, 3);
    expect(full).toMatchObject({ added: 0, duplicates: 3 });
    expect(full.state).toBe(first.state);
    expect(full.overflow.map((fact) => fact.path)).toEqual(['/p4', '/p5']);
  });

  it('names the parts of a session: the id itself, then ~2, ~3', () => {
    expect([1, 2, 3].map((part) => sessionPartId('abc', part))).toEqual(['abc', 'abc~2', 'abc~3']);
  });
});
