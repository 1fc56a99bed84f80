/**
 * The authorizer's CloudWatch metrics, written as one Embedded Metric Format (EMF) line per invocation.
 *
 * Why not Powertools Metrics here: measured on Node 24, its addMetric + publishStoredMetrics costs
 * ~6 µs per invocation (more than verifying the cookie), while this writer costs ~0.3 µs for the same
 * EMF document. The names, namespace (POWERTOOLS_METRICS_NAMESPACE) and default `service` dimension
 * (POWERTOOLS_SERVICE_NAME) are the ones Powertools would use, so dashboards and alarms are unchanged.
 */
export type CounterName = 'TrackedPageViews' | 'NewDevices' | 'NewSessions' | 'PublishFailures' | 'InvalidCookies' | 'AuthorizerErrors';

/** Metrics of one invocation (concurrent invocations, as in the local runtime, never mix their counts). */
export interface InvocationMetrics {
  count(name: CounterName): void;
  /** Counts a request that was not a tracked page view, under the dimension `reason`. */
  countSkipped(reason: string): void;
  /** Writes what was counted as one EMF line (nothing when nothing was counted). */
  flush(): void;
}

export interface AuthorizerMetrics {
  begin(): InvocationMetrics;
}

export type LineSink = (line: string) => void;

export const stdoutSink: LineSink = (line) => {
  process.stdout.write(`${line}\n`);
};

const REASON_PATTERN = /^[a-z_]{1,32}$/;

export function createEmfMetrics(options: { namespace: string; service: string; sink?: LineSink; clock?: () => number }): AuthorizerMetrics {
  const sink = options.sink ?? stdoutSink;
  const clock = options.clock ?? Date.now;
  const namespace = JSON.stringify(options.namespace);
  const service = JSON.stringify(options.service);
  // The metric directives depend only on which counters an invocation used: a handful of combinations.
  const directiveCache = new Map<string, string>();
  const directivesFor = (names: string, withSkipped: boolean): string => {
    const cacheKey = `${names}|${withSkipped}`;
    let json = directiveCache.get(cacheKey);
    if (json === undefined) {
      const directives: string[] = [];
      const metrics = names
        .split(',')
        .filter((name) => name !== '')
        .map((name) => `{"Name":"${name}","Unit":"Count"}`);
      if (metrics.length > 0) directives.push(`{"Namespace":${namespace},"Dimensions":[["service"]],"Metrics":[${metrics.join(',')}]}`);
      if (withSkipped) {
        directives.push(`{"Namespace":${namespace},"Dimensions":[["service","reason"]],"Metrics":[{"Name":"SkippedRequests","Unit":"Count"}]}`);
      }
      json = `[${directives.join(',')}]`;
      if (directiveCache.size >= 256) directiveCache.clear();
      directiveCache.set(cacheKey, json);
    }
    return json;
  };
  return {
    begin: () => {
      const counts = new Map<CounterName, number>();
      let skipped: string | undefined;
      let skippedCount = 0;
      return {
        count(name) {
          counts.set(name, (counts.get(name) ?? 0) + 1);
        },
        countSkipped(reason) {
          // One invocation has one reason; a second one (never expected) is folded into the first.
          skipped ??= REASON_PATTERN.test(reason) ? reason : 'other';
          skippedCount++;
        },
        flush() {
          if (counts.size === 0 && skipped === undefined) return;
          let names = '';
          let values = '';
          for (const [name, value] of counts) {
            names += `${name},`;
            values += `,"${name}":${value}`;
          }
          const skippedValues = skipped === undefined ? '' : `,"reason":"${skipped}","SkippedRequests":${skippedCount}`;
          const directives = directivesFor(names, skipped !== undefined);
          counts.clear();
          skipped = undefined;
          skippedCount = 0;
          sink(`{"_aws":{"Timestamp":${clock()},"CloudWatchMetrics":${directives}},"service":${service}${values}${skippedValues}}`);
        },
      };
    },
  };
}
