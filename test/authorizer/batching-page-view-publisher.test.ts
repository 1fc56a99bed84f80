/**
 * Holding and batching page views (pure parts, with an injected clock and sender): flushed by count,
 * bytes and age, the hold bounded by the expected next invocation, and nothing dropped when SQS refuses
 * entries, fails, or does not answer before the shutdown budget.
 */
import { describe, expect, it } from 'vitest';
import { BatchingPageViewPublisher, type BatchEntry, type BatchSender } from '../../lambdas/authorizer/batching-page-view-publisher';
import { HOLD_LIMITS, HeldPageViews } from '../../lambdas/authorizer/held-page-views';
import type { PageViewMessage, QueueMessage } from '../../lambdas/contract/page-view-message';

let counter = 0;
function view(path = '/p'): PageViewMessage {
  counter++;
  const id = `view${String(counter).padStart(12, '0')}`;
  return {
    type: 'page_view',
    v: 1,
    id,
    deviceId: 'device0000000000001',
    sessionId: 'session000000000001',
    sessionStarted: false,
    ts: Date.now(),
    path,
    device: { browser: 'chrome', os: 'macos', type: 'desktop' },
  };
}

function harness(sender?: BatchSender) {
  let now = Date.now();
  const batches: BatchEntry[][] = [];
  const unsent: QueueMessage[] = [];
  const publisher = new BatchingPageViewPublisher({
    send:
      sender ??
      (async (entries) => {
        batches.push([...entries]);
        return [];
      }),
    onUnsent: (messages) => unsent.push(...messages),
    clock: () => now,
  });
  return { publisher, batches, unsent, advance: (ms: number) => (now += ms) };
}

describe('HeldPageViews', () => {
  it('is due at 10 entries, at the byte budget, when the oldest would outwait the hold, or when the next invocation is unknown', () => {
    const now = Date.now();
    const held = new HeldPageViews();
    expect(held.due(now, undefined)).toBe(false); // nothing held
    held.add(view(), now);
    expect(held.due(now, undefined)).toBe(true);
    expect(held.due(now, 10)).toBe(false);
    expect(held.due(now + HOLD_LIMITS.maxHoldMs - 10, 20)).toBe(true);
    for (let i = 1; i < HOLD_LIMITS.maxEntries; i++) held.add(view(), now);
    expect(held.due(now, 1)).toBe(true);

    const big = new HeldPageViews({ ...HOLD_LIMITS, maxBatchBytes: 1_000 });
    big.add(view('/'.padEnd(600, 'a')), now);
    expect(big.due(now, 1)).toBe(false);
    big.add(view('/'.padEnd(600, 'b')), now);
    expect(big.due(now, 1)).toBe(true);
    // One request never exceeds the byte budget (except a single view larger than it).
    expect(big.takeBatch()).toHaveLength(1);
    expect(big.takeBatch()).toHaveLength(1);
    expect(big.count).toBe(0);
  });
});

describe('BatchingPageViewPublisher', () => {
  it('sends nothing while the environment is busy, then full batches of 10', async () => {
    const { publisher, batches, advance } = harness();
    // The first invocation: no gap known yet, so its view leaves at once.
    await publisher.publish(view());
    await publisher.afterInvocation();
    expect(batches.map((batch) => batch.length)).toEqual([1]);
    for (let i = 0; i < 10; i++) {
      advance(5);
      await publisher.publish(view());
      await publisher.afterInvocation();
    }
    expect(batches.map((batch) => batch.length)).toEqual([1, 10]);
    expect(publisher.heldCount).toBe(0);
  });

  it('lets held views leave when the next invocation is not expected within the hold time', async () => {
    const { publisher, batches, advance } = harness();
    await publisher.afterInvocation();
    advance(5);
    await publisher.publish(view());
    await publisher.afterInvocation();
    expect(publisher.heldCount).toBe(1);
    advance(HOLD_LIMITS.maxHoldMs); // a long gap: the estimate grows and the held view leaves
    await publisher.publish(view());
    await publisher.afterInvocation();
    expect(batches.map((batch) => batch.length)).toEqual([2]);
  });

  it('hands refused entries and failed requests to onUnsent, and sends the rest', async () => {
    let call = 0;
    const { publisher, unsent } = harness(async (entries) => {
      call++;
      if (call === 1) return [entries[1]?.id ?? ''];
      throw new Error('SQS unavailable');
    });
    const messages = [view(), view(), view()];
    for (const message of messages) await publisher.publish(message);
    await publisher.flushHeld();
    expect(unsent).toEqual([messages[1]]);
    const later = view();
    await publisher.publish(later);
    await publisher.flushHeld();
    expect(unsent).toEqual([messages[1], later]);
  });

  it('on shutdown reports what SQS has not confirmed within the budget, once', async () => {
    let release: (() => void) | undefined;
    const { publisher, unsent } = harness(
      () =>
        new Promise<readonly string[]>((resolve) => {
          release = () => resolve(['0']); // even a late refusal must not report it a second time
        }),
    );
    const messages = [view(), view()];
    for (const message of messages) await publisher.publish(message);
    await publisher.shutdown(20);
    expect(unsent).toEqual(messages);
    release?.();
    await new Promise((resolve) => setTimeout(resolve, 10));
    expect(unsent).toEqual(messages);
    expect(publisher.heldCount).toBe(0);
  });
});
