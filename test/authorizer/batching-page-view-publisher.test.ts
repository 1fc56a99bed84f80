/**
 * Holding and batching page views (pure parts, with an injected clock and sender): flushed by count,
 * bytes and age, the hold bounded by the expected next invocation, and nothing dropped when SQS refuses
 * entries, fails, or does not answer before the shutdown budget.
 */
import { describe, expect, it } from 'vitest';
import { BatchingPageViewPublisher } from '../../lambdas/authorizer/batching-page-view-publisher';
import type { BodySender } from '../../lambdas/authorizer/sqs-page-view-publisher';
import { HOLD_LIMITS, HeldPageViews } from '../../lambdas/authorizer/held-page-views';
import { parseQueueBody, type PageViewMessage, type QueueMessage } from '../../lambdas/contract/page-view-message';
import { MAX_BODY_BYTES, MAX_MESSAGES_PER_BODY } from '../../lambdas/contract/queue-body';

/** Views per request the sender saw (each request carries one message body). */
function viewsPerRequest(bodies: readonly string[]): number[] {
  return bodies.map((body) => {
    const parsed = parseQueueBody(body);
    if (!parsed.ok) throw new Error(parsed.detail);
    return parsed.messages.length;
  });
}

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

function harness(sender?: BodySender) {
  let now = Date.now();
  const batches: string[] = [];
  const unsent: QueueMessage[] = [];
  const publisher = new BatchingPageViewPublisher({
    send:
      sender ??
      (async (body) => {
        batches.push(body);
      }),
    onUnsent: (messages) => unsent.push(...messages),
    clock: () => now,
  });
  return { publisher, batches, unsent, advance: (ms: number) => (now += ms) };
}

describe('HeldPageViews', () => {
  it('is due at a full body (views or bytes), when the oldest would outwait the hold, or when the next invocation is unknown', () => {
    const now = Date.now();
    const held = new HeldPageViews();
    expect(held.due(now, undefined)).toBe(false); // nothing held
    held.add(view(), now);
    expect(held.due(now, undefined)).toBe(true);
    expect(held.due(now, 10)).toBe(false);
    expect(held.due(now + HOLD_LIMITS.maxHoldMs - 10, 20)).toBe(true);
    for (let i = 1; i < HOLD_LIMITS.maxViews - 1; i++) held.add(view(), now);
    expect(held.due(now, 1)).toBe(false);
    held.add(view(), now);
    expect(held.due(now, 1)).toBe(true);

    const big = new HeldPageViews({ ...HOLD_LIMITS, maxBodyBytes: 1_000 });
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
  it('sends nothing while the environment is busy, then one full message body of views', async () => {
    const { publisher, batches, advance } = harness();
    // The first invocation: no gap known yet, so its view leaves at once, as a version 1 body.
    const first = view();
    await publisher.publish(first);
    await publisher.afterInvocation();
    expect(batches[0]).toBe(JSON.stringify(first));
    const sent = [first];
    for (let i = 0; i < HOLD_LIMITS.maxViews; i++) {
      advance(5);
      const next = view();
      sent.push(next);
      await publisher.publish(next);
      await publisher.afterInvocation();
    }
    expect(viewsPerRequest(batches)).toEqual([1, HOLD_LIMITS.maxViews]);
    expect(publisher.heldCount).toBe(0);
    // The consumer reads back exactly the views, in order.
    const bodies = batches.map((body) => parseQueueBody(body));
    expect(bodies.flatMap((parsed) => (parsed.ok ? parsed.messages : []))).toEqual(sent);
  });

  it('keeps every body within one 64 KiB request and the consumer\'s view limit', async () => {
    const { publisher, batches } = harness();
    const long = Array.from({ length: 3 * MAX_MESSAGES_PER_BODY }, (_, i) => view(`/${'x'.repeat(i % 2 === 0 ? 1_500 : 10)}`));
    for (const message of long) await publisher.publish(message);
    await publisher.flushHeld();
    const counts = viewsPerRequest(batches);
    expect(counts.reduce((sum, n) => sum + n, 0)).toBe(long.length);
    for (const body of batches) expect(Buffer.byteLength(body)).toBeLessThanOrEqual(MAX_BODY_BYTES);
    for (const count of counts) expect(count).toBeLessThanOrEqual(MAX_MESSAGES_PER_BODY);
    expect(counts.length).toBeGreaterThan(3); // the byte limit, not only the view limit, split them
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
    expect(viewsPerRequest(batches)).toEqual([2]);
  });

  it('hands the views of a refused or failed request to onUnsent, and nothing else', async () => {
    let call = 0;
    const { publisher, unsent } = harness(async () => {
      call++;
      if (call === 1) throw new Error('SQS refused the message');
      if (call === 3) throw new Error('SQS unavailable');
    });
    const refused = [view(), view(), view()];
    for (const message of refused) await publisher.publish(message);
    await publisher.flushHeld();
    expect(unsent).toEqual(refused);
    await publisher.publish(view());
    await publisher.flushHeld(); // accepted
    expect(unsent).toEqual(refused);
    const later = view();
    await publisher.publish(later);
    await publisher.flushHeld();
    expect(unsent).toEqual([...refused, later]);
  });

  it('on shutdown reports what SQS has not confirmed within the budget, once', async () => {
    let release: (() => void) | undefined;
    const { publisher, unsent } = harness(
      () =>
        new Promise<void>((_, reject) => {
          release = () => reject(new Error('refused late')); // even a late refusal must not report it a second time
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
