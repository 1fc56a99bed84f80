import { describe, expect, it } from 'vitest';
import { createEmfMetrics } from '../../lambdas/authorizer/authorizer-metrics';

function collect() {
  const lines: string[] = [];
  const metrics = createEmfMetrics({ namespace: 'VisitorGate', service: 'visitor-gate', sink: (l) => lines.push(l), clock: () => 1000 });
  return { lines, metrics };
}

describe('EMF metrics', () => {
  it('writes one valid EMF document per invocation with the service dimension', () => {
    const { lines, metrics } = collect();
    const invocation = metrics.begin();
    invocation.count('TrackedPageViews');
    invocation.count('NewSessions');
    invocation.flush();
    expect(lines).toHaveLength(1);
    expect(JSON.parse(lines[0] ?? '')).toEqual({
      _aws: {
        Timestamp: 1000,
        CloudWatchMetrics: [
          {
            Namespace: 'VisitorGate',
            Dimensions: [['service']],
            Metrics: [
              { Name: 'TrackedPageViews', Unit: 'Count' },
              { Name: 'NewSessions', Unit: 'Count' },
            ],
          },
        ],
      },
      service: 'visitor-gate',
      TrackedPageViews: 1,
      NewSessions: 1,
    });
  });

  it('puts SkippedRequests under the reason dimension, beside the plain counters', () => {
    const { lines, metrics } = collect();
    const invocation = metrics.begin();
    invocation.countSkipped('bot');
    invocation.count('InvalidCookies');
    invocation.flush();
    const doc = JSON.parse(lines[0] ?? '') as { _aws: { CloudWatchMetrics: Array<{ Dimensions: string[][] }> } };
    expect(doc).toMatchObject({ reason: 'bot', SkippedRequests: 1, InvalidCookies: 1, service: 'visitor-gate' });
    expect(doc._aws.CloudWatchMetrics.map((d) => d.Dimensions)).toEqual([[['service']], [['service', 'reason']]]);
  });

  it('writes nothing when nothing was counted, and keeps invocations apart', () => {
    const { lines, metrics } = collect();
    const a = metrics.begin();
    const b = metrics.begin();
    a.flush();
    expect(lines).toEqual([]);
    a.countSkipped('bot');
    b.countSkipped('skip_path');
    a.flush();
    b.flush();
    expect(lines.map((l) => (JSON.parse(l) as { reason: string }).reason)).toEqual(['bot', 'skip_path']);
  });

  it('writes nothing at all when disabled', () => {
    const lines: string[] = [];
    const metrics = createEmfMetrics({ namespace: 'VisitorGate', service: 'visitor-gate', disabled: true, sink: (l) => lines.push(l) });
    const invocation = metrics.begin();
    invocation.count('TrackedPageViews');
    invocation.countSkipped('bot');
    invocation.flush();
    expect(lines).toEqual([]);
  });

  it('never lets an odd reason break the JSON', () => {
    const { lines, metrics } = collect();
    const invocation = metrics.begin();
    invocation.countSkipped('"},{"x');
    invocation.flush();
    expect(JSON.parse(lines[0] ?? '')).toMatchObject({ reason: 'other' });
  });
});

describe('EMF metrics added up over an interval (intervalMs, as deployed)', () => {
  function interval() {
    const lines: string[] = [];
    let now = 0;
    const metrics = createEmfMetrics({ namespace: 'VisitorGate', service: 'visitor-gate', sink: (l) => lines.push(l), clock: () => now, intervalMs: 60_000 });
    const invoke = (work: (invocation: ReturnType<typeof metrics.begin>) => void) => {
      const invocation = metrics.begin();
      work(invocation);
      invocation.flush();
    };
    return { lines, invoke, at: (ms: number) => (now = ms), parsed: () => lines.map((l) => JSON.parse(l) as Record<string, unknown>) };
  }

  it('writes the first invocation at once, then one line with the sums once the interval has passed', () => {
    const { lines, invoke, at, parsed } = interval();
    invoke((i) => i.count('TrackedPageViews'));
    expect(lines).toHaveLength(1);
    for (let second = 1; second < 60; second += 1) {
      at(second * 1000);
      invoke((i) => {
        i.count('TrackedPageViews');
        i.count('NewSessions');
      });
    }
    expect(lines).toHaveLength(1);
    at(60_000);
    invoke((i) => i.count('TrackedPageViews'));
    expect(lines).toHaveLength(2);
    expect(parsed()[1]).toMatchObject({ TrackedPageViews: 60, NewSessions: 59 });
  });

  it('writes PublishFailures and AuthorizerErrors at once, whatever the interval', () => {
    const { invoke, at, parsed } = interval();
    invoke((i) => i.count('TrackedPageViews'));
    at(1000);
    invoke((i) => i.count('TrackedPageViews'));
    at(2000);
    invoke((i) => i.count('PublishFailures'));
    expect(parsed()).toHaveLength(2);
    expect(parsed()[1]).toMatchObject({ TrackedPageViews: 1, PublishFailures: 1 });
  });

  it('writes one skip reason per line and the others with the next invocations, never two lines in one invocation', () => {
    const { lines, invoke, at, parsed } = interval();
    invoke((i) => i.count('TrackedPageViews'));
    at(1000);
    invoke((i) => i.countSkipped('bot'));
    invoke((i) => i.countSkipped('privacy_signal'));
    invoke((i) => i.countSkipped('bot'));
    expect(lines).toHaveLength(1);
    at(61_000);
    invoke((i) => i.count('TrackedPageViews'));
    expect(parsed()[1]).toMatchObject({ TrackedPageViews: 1, reason: 'bot', SkippedRequests: 2 });
    at(62_000);
    invoke((i) => i.count('TrackedPageViews'));
    expect(parsed()[2]).toMatchObject({ TrackedPageViews: 1, reason: 'privacy_signal', SkippedRequests: 1 });
    at(63_000);
    invoke((i) => i.count('TrackedPageViews'));
    expect(lines).toHaveLength(3);
  });
});
