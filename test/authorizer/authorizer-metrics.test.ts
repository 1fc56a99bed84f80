/**
 * The authorizer's metrics: counts added up in memory and written at most once per interval, and
 * what Powertools prints for them (the EMF lines CloudWatch turns into metrics).
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createAuthorizerMetrics, type AuthorizerMetrics, type InvocationMetrics } from '../../lambdas/authorizer/authorizer-metrics';
import type { MetricCounts } from '../../lambdas/observability/metric-counts';
import { createMetrics, publishCounts } from '../../lambdas/observability/powertools';
import { observabilityNames } from '../../lambdas/observability/names';

function collector(options: { intervalMs?: number; disabled?: boolean } = {}) {
  const writes: MetricCounts[] = [];
  let now = 0;
  const metrics = createAuthorizerMetrics({ write: (counts) => writes.push(counts), clock: () => now, ...options });
  const invoke = (work: (invocation: InvocationMetrics) => void, on: AuthorizerMetrics = metrics) => {
    const invocation = on.begin();
    work(invocation);
    invocation.flush();
  };
  return { writes, metrics, invoke, at: (ms: number) => (now = ms) };
}

describe('authorizer metrics, added up per execution environment', () => {
  it('writes the first invocation at once, then the sums once the interval has passed', () => {
    const { writes, invoke, at } = collector({ intervalMs: 60_000 });
    invoke((i) => i.count('TrackedPageViews'));
    expect(writes).toHaveLength(1);
    for (let second = 1; second < 60; second += 1) {
      at(second * 1000);
      invoke((i) => {
        i.count('TrackedPageViews');
        i.count('NewSessions');
        i.countSkipped(second % 2 === 0 ? 'bot' : 'privacy_signal');
      });
    }
    expect(writes).toHaveLength(1);
    at(60_000);
    invoke((i) => i.count('TrackedPageViews'));
    expect(writes).toHaveLength(2);
    expect(writes[1]?.counters).toEqual({ TrackedPageViews: 60, NewSessions: 59 });
    expect(Object.fromEntries(writes[1]?.byDimension?.values ?? [])).toEqual({ bot: 29, privacy_signal: 30 });
  });

  it('writes PublishFailures and AuthorizerErrors at once, with what waited', () => {
    const { writes, invoke, at } = collector({ intervalMs: 60_000 });
    invoke((i) => i.count('TrackedPageViews'));
    at(1000);
    invoke((i) => i.count('TrackedPageViews'));
    at(2000);
    invoke((i) => i.count('PublishFailures'));
    expect(writes.map((w) => w.counters)).toEqual([{ TrackedPageViews: 1 }, { TrackedPageViews: 1, PublishFailures: 1 }]);
    at(3000);
    invoke((i) => i.count('AuthorizerErrors'));
    expect(writes).toHaveLength(3);
  });

  it('adds concurrent invocations to the same sums, writes nothing when nothing was counted, and nothing at all when disabled', () => {
    const { writes, metrics } = collector();
    const a = metrics.begin();
    const b = metrics.begin();
    a.flush();
    expect(writes).toEqual([]);
    a.countSkipped('bot');
    b.countSkipped('skip_path');
    a.flush();
    b.flush();
    expect(writes.map((w) => Object.fromEntries(w.byDimension?.values ?? []))).toEqual([{ bot: 1, skip_path: 1 }]);

    const disabled = collector({ disabled: true });
    disabled.invoke((i) => {
      i.count('TrackedPageViews');
      i.countSkipped('bot');
    });
    expect(disabled.writes).toEqual([]);
  });

  it('never lets an odd reason become a dimension value', () => {
    const { writes, invoke } = collector();
    invoke((i) => i.countSkipped('"},{"x'));
    expect([...(writes[0]?.byDimension?.values.keys() ?? [])]).toEqual(['other']);
  });
});

describe('what Powertools writes for them', () => {
  afterEach(() => vi.restoreAllMocks());

  function printed(counts: MetricCounts): Array<Record<string, unknown> & { _aws: { CloudWatchMetrics: Array<{ Namespace: string; Dimensions: string[][]; Metrics: Array<{ Name: string }> }> } }> {
    const lines: string[] = [];
    vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
      lines.push(String(chunk));
      return true;
    });
    publishCounts(createMetrics(observabilityNames({})), counts);
    vi.restoreAllMocks();
    return lines.flatMap((chunk) => chunk.split('\n')).filter((line) => line.includes('"_aws"')).map((line) => JSON.parse(line));
  }

  it('writes the counters in one line under `service`, and each skip reason in a line under `service` and `reason`', () => {
    const lines = printed({ counters: { TrackedPageViews: 3, NewDevices: 0, NewSessions: 1 }, byDimension: { metric: 'SkippedRequests', dimension: 'reason', values: new Map([['bot', 2], ['privacy_signal', 1]]) } });
    expect(lines).toHaveLength(3);
    const [counters, bot, privacy] = lines;
    expect(counters).toMatchObject({ service: 'visitor-gate', TrackedPageViews: 3, NewSessions: 1 });
    expect(counters).not.toHaveProperty('NewDevices'); // zero counts are left out: a metric costs for each hour it receives data
    expect(counters?._aws.CloudWatchMetrics[0]).toMatchObject({ Namespace: 'VisitorGate', Dimensions: [['service']] });
    expect(bot).toMatchObject({ service: 'visitor-gate', reason: 'bot', SkippedRequests: 2 });
    expect(bot?._aws.CloudWatchMetrics[0]?.Dimensions).toEqual([['service', 'reason']]);
    expect(bot?._aws.CloudWatchMetrics[0]?.Metrics.map((metric) => metric.Name)).toEqual(['SkippedRequests']);
    expect(privacy).toMatchObject({ reason: 'privacy_signal', SkippedRequests: 1 });
  });

  it('writes nothing for empty counts', () => {
    expect(printed({ counters: { TrackedPageViews: 0 } })).toEqual([]);
  });
});
