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
