/**
 * Counts what a function prints (stdout and stderr), as CloudWatch Logs would ingest it: bytes, log
 * events (one per line), and the embedded-metric-format documents among them.
 */
export interface OutputTotals {
  bytes: number;
  events: number;
  emf: string[];
}

export const emptyOutput = (): OutputTotals => ({ bytes: 0, events: 0, emf: [] });

let current: OutputTotals | undefined;
let installed = false;

function install(): void {
  if (installed) return;
  installed = true;
  for (const stream of [process.stdout, process.stderr]) {
    const original = stream.write.bind(stream) as (chunk: unknown, ...rest: unknown[]) => boolean;
    stream.write = ((chunk: unknown, ...rest: unknown[]) => {
      if (!current) return original(chunk, ...rest);
      const text = typeof chunk === 'string' ? chunk : Buffer.from(chunk as Uint8Array).toString('utf8');
      for (const line of text.split('\n')) {
        if (line.length === 0) continue;
        current.bytes += Buffer.byteLength(line);
        current.events += 1;
        if (line.includes('"_aws"')) current.emf.push(line);
      }
      const callback = rest.find((arg): arg is () => void => typeof arg === 'function');
      callback?.();
      return true;
    }) as typeof stream.write;
  }
}

/** Runs `work` with everything printed counted into `into` (and not shown). */
export async function metered<T>(into: OutputTotals, work: () => Promise<T>): Promise<T> {
  install();
  current = into;
  try {
    return await work();
  } finally {
    current = undefined;
  }
}

/** Metric identities (namespace, name, dimension values) in one EMF document. */
export function metricKeys(line: string): string[] {
  const doc = JSON.parse(line) as { _aws: { CloudWatchMetrics: Array<{ Namespace: string; Dimensions: string[][]; Metrics: Array<{ Name: string }> }> } } & Record<string, unknown>;
  const keys: string[] = [];
  for (const directive of doc._aws.CloudWatchMetrics) {
    for (const dimensions of directive.Dimensions.length > 0 ? directive.Dimensions : [[]]) {
      const values = dimensions.map((name) => `${name}=${String(doc[name])}`).join(',');
      for (const metric of directive.Metrics) keys.push(`${directive.Namespace}/${metric.Name}{${values}}`);
    }
  }
  return keys;
}
