/**
 * The latency section of docs/benchmarks.md, rendered from `bench/results/page-path.json` (what `npm run
 * bench:page-path` wrote); `npm run docs:bench` puts it between its markers (bench/readme-sections.ts).
 */
import { environment, type Distribution, type EnvironmentResult, type PagePathResults } from './results';

const ms = (value: number) => `${value.toFixed(2)} ms`;
const cells = (figures: Distribution) => [figures.p50, figures.p99, figures.max].map(ms).join(' | ');
const perTrackedView = (result: EnvironmentResult) => {
  const byAction = Object.entries(result.sqsRequestsByAction);
  const total = byAction.reduce((sum, [, calls]) => sum + calls, 0);
  return `${(total / Math.max(1, result.trackedViews)).toFixed(3)} (${byAction.map(([action, calls]) => `${action} ${calls}`).join(', ')}, over ${result.trackedViews} tracked views)`;
};

export function renderLatencySection(results: PagePathResults): string {
  const before = environment(results, 'before');
  const current = environment(results, 'new');
  const empty = environment(results, 'empty');
  const { sqs, coldStart } = results;
  const out: string[] = [];
  out.push(
    `**Latency** (\`npm run bench:page-path\`, bench/page-path.bench.ts): how long a page waits for the authorizer when SQS is slow. ` +
      `A proxy in front of fauxqs adds ${sqs.delayMs} ms to every SQS request and ${sqs.slowDelayMs} ms to ${sqs.slowShare * 100}% of them (seeded). ` +
      'The bundle the stack deploys runs under Lambda\'s lifecycle: each function in a process of its own, driven by a small runtime interface client ' +
      'against a loopback Runtime and Extensions API (harness/; it stands in for `aws-lambda-ric`, whose native build this project does not ship), ' +
      `with fauxqs and the slowing proxies in another process. Three execution environments take turns, request by request, ${results.requests} requests each ` +
      `(after ${results.warmup} to warm up) from ${results.visitors} returning visitors:`,
  );
  out.push('');
  out.push(`- **before**: the previous design (\`${before.handler}\`, no extension): each view is sent with an awaited \`SendMessage\` inside the invocation;`);
  out.push(`- **new**: what the stack deploys (\`${current.handler}\`): the internal extension holds views and sends them after the response;`);
  out.push('- **empty handler**: a handler that does no work, under the same runtime client: what the harness costs by itself.');
  out.push('');
  out.push(
    'Each request is timed twice. **In the function**: the runtime client\'s clock, in the function\'s process, from reading the event to handing the response to its socket, ' +
      'that is from the authorizer receiving the event to its response being available to API Gateway. **At the Runtime API**: the loopback Runtime API\'s clock, ' +
      'from writing the event to reading the response: the same plus two HTTP hops between processes of the benchmark machine, which on Lambda stay inside the environment.',
  );
  out.push('');
  out.push('| | in the function p50 | p99 | max | at the Runtime API p50 | p99 | max | SQS requests a page waited for |');
  out.push('| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |');
  for (const [name, result] of [['before', before], ['new', current], ['empty handler', empty]] as const) {
    out.push(`| ${name} | ${cells(result.inFunction)} | ${cells(result.atRuntimeApi)} | ${result.sqsRequestsWhilePageWaited} |`);
  }
  out.push('');
  out.push(
    `**Page-path p99: ${ms(current.inFunction.p99)} new, ${ms(before.inFunction.p99)} before** (in the function). ` +
      `The structural difference is the last column, counted in the function: over ${results.requests} page requests, pages waited for ${before.sqsRequestsWhilePageWaited} SQS requests before ` +
      `(its sends, retries included; each slow one shows in the tail) and for ${current.sqsRequestsWhilePageWaited} new: a slow queue no longer reaches the page. ` +
      `The empty handler is the floor of the harness: doing nothing, it takes ${ms(empty.inFunction.p50)} at p50 and ${ms(empty.inFunction.p99)} at p99 in the function, ` +
      `and ${ms(empty.atRuntimeApi.p50)} and ${ms(empty.atRuntimeApi.p99)} at the Runtime API, so that much of the Runtime API columns is the benchmark's own loopback transport, not the authorizer. ` +
      'The times are wall-clock: p99 and max include the scheduling noise of the machine that ran them.',
  );
  out.push('');
  out.push(
    `SQS requests per tracked view, counted at the proxy over every request (warm-up and the flush on shutdown included): before ${perTrackedView(before)}; new ${perTrackedView(current)}. ` +
      `Replay records (views that could not be sent): before ${before.replayRecords}, new ${current.replayRecords}.`,
  );
  out.push('');
  out.push(
    `Cold start (median of ${coldStart.starts} fresh processes, SQS not slowed): loading the function takes ${ms(coldStart.new.loadWallMs)} wall and ${ms(coldStart.new.loadCpuMs)} CPU new, ` +
      `against ${ms(coldStart.before.loadWallMs)} and ${ms(coldStart.before.loadCpuMs)} before: the new entry is an ES module that registers the extension before the first event, ` +
      'which moves `node:http` (needed by the first send anyway) from the first invocation into init and adds one loopback round trip. ' +
      `Load plus the first tracked response in the function: ${ms(coldStart.new.firstResponseMs)} new, ${ms(coldStart.before.firstResponseMs)} before.`,
  );
  return out.join('\n');
}
