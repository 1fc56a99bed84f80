/** The event source mapping model bench:cost prices SQS receives, deletes and batches with. */
import { describe, expect, it } from 'vitest';
import { ESM_MODEL, pollersFor, simulateEsm } from '../../bench/cost/esm-model';
import { seededRandom } from '../../harness/seeded-random';

const settings = { batchSize: 100, windowSeconds: 60, minPollers: 2 };

describe('the event source mapping model', () => {
  it('keeps 2 pollers at low traffic without a maximum concurrency, 5 with one, and adds pollers with traffic', () => {
    expect(pollersFor(0.4, settings)).toBe(2);
    expect(pollersFor(0.4, { ...settings, minPollers: 5 })).toBe(5);
    expect(pollersFor(400, settings)).toBe(Math.ceil(400 / ESM_MODEL.messagesPerPoller));
  });

  it('bills one empty long poll per poller every 20 s when the queue is idle', () => {
    const { totals } = simulateEsm(seededRandom(1), settings, 0, 600_000, 300);
    expect(totals.emptyReceives).toBe(2 * (600_000 / ESM_MODEL.longPollMs));
    expect(totals.batches).toEqual([]);
  });

  it('closes a batch when its window has passed, or when it holds batchSize messages', () => {
    const samples = [0, 1_000, 2_000, 70_000].map((at, sample) => ({ at, bytes: 300, sample }));
    const one = simulateEsm(seededRandom(2), { ...settings, minPollers: 1 }, samples.length / 600, 600_000, 300, samples);
    const sampled = one.totals.batches.filter((batch) => batch.samples.length > 0).map((batch) => batch.samples);
    expect(sampled).toEqual([[0, 1, 2], [3]]);
    const busy = simulateEsm(seededRandom(3), { ...settings, minPollers: 1 }, 40, 60_000, 300);
    expect(Math.max(...busy.totals.batches.map((batch) => batch.count))).toBe(settings.batchSize);
    // Every message received once, deleted in calls of at most 10.
    expect(busy.totals.deletes).toBeGreaterThanOrEqual(busy.totals.messages / 10);
  });
});
