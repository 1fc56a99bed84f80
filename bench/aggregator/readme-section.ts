/**
 * The aggregator section of docs/benchmarks.md, rendered from `bench/results/aggregator.json` (what
 * `npm run bench:aggregator` wrote); `npm run docs:bench` puts it between its markers.
 */
import { costRun, type AggregatorResults, type CostRun } from './results';

const count = (value: number) => value.toLocaleString('en-US');
const percent = (share: number) => `${(100 * share).toFixed(0)}%`;

function exactCell(run: CostRun): string {
  if (run.design === 'naive') return 'not checked: it has no deduplication, so each duplicate counts twice';
  return run.exact ? 'yes' : '**no**';
}

function statisticsCell(run: CostRun, bold: boolean): string {
  if (!run.statistics) return 'none';
  const figure = `+${run.statistics.wcuPerView.toFixed(3)}`;
  return `${bold ? `**${figure}**` : figure} (${count(run.statistics.itemUpdates)} item updates in ${count(run.statistics.transactions)} transactions)`;
}

export function renderAggregatorSection(results: AggregatorResults): string {
  const { stream, deployed, stress } = results;
  const ours100 = costRun(results, 'ours-100');
  const oursWindow = costRun(results, 'ours-window');
  const oursDeployed = costRun(results, 'ours-deployed');
  const rows: Array<[string, CostRun]> = [
    [`Ours, batches of 100 (${percent(ours100.sharedShare)} of views share a batch with another view of their session)`, ours100],
    ['Naive (device + session update per view), batches of 100', costRun(results, 'naive-100')],
    [`Ours, 60 s window (${percent(oursWindow.sharedShare)} share a batch)`, oursWindow],
    ['Naive, 60 s window', costRun(results, 'naive-window')],
    [
      `Ours, as deployed: ${deployed.holdSeconds} s hold, version 2 bodies, ${deployed.windowSeconds} s window (${percent(oursDeployed.sharedShare)} share a batch)`,
      oursDeployed,
    ],
  ];
  const table = [
    `| Run (${percent(results.duplicateShare)} of messages delivered twice) | Batches | Views/s | WCU per view | Statistics, WCU per view | Exact |`,
    '| --- | ---: | ---: | ---: | --- | --- |',
    ...rows.map(([label, run]) => {
      const ours = run.design === 'ours';
      const wcu = run.wcuPerView.toFixed(3);
      return `| ${label} | ${count(run.batches)} | ${count(Math.round(run.viewsPerSecond))} | ${ours ? `**${wcu}**` : wcu} | ${statisticsCell(run, run.key === 'ours-deployed')} | ${exactCell(run)} |`;
    }),
  ].join('\n');
  const noCoalescing = 1 + stream.sessions / stream.views + results.duplicateShare;
  const itemsPerBatch = (run: CostRun) => (run.statistics ? run.statistics.itemUpdates / run.statistics.transactions : 0);
  return [
    `Measured with Node ${results.node}. The stream (seed ${results.seed}): ${count(stream.views)} page views from ${count(stream.devices)} devices in ` +
      `${count(stream.sessions)} sessions (${(stream.views / stream.sessions).toFixed(2)} views per session), ${count(Math.round(stream.minutes))} minutes of traffic ` +
      `(${(stream.views / (stream.minutes * 60)).toFixed(1)} views/s); with ${percent(results.duplicateShare)} of messages delivered twice, ${count(results.deliveries)} deliveries. ` +
      `As deployed, the views travel in ${count(deployed.messages)} SQS messages (${(results.deliveries / deployed.messages).toFixed(1)} views per message) ` +
      `and batches of up to ${count(deployed.batchSize)} messages.`,
    table,
    `Statistics items per batch: ${itemsPerBatch(ours100).toFixed(0)} in batches of 100, ${itemsPerBatch(oursWindow).toFixed(0)} with the 60 s window, ` +
      `${itemsPerBatch(oursDeployed).toFixed(0)} as deployed, so their cost per view falls as batches grow.`,
    `Ours writes ${count(ours100.writes)} times for ${count(stream.views)} views in batches of 100: ${count(ours100.deviceWrites)} device writes and ` +
      `${count(ours100.failedConditions)} failed conditions (the duplicates) among them. With no coalescing at all (every view of a session in a different batch) ` +
      `the cost would be 1 + ${count(stream.sessions)} / ${count(stream.views)} + ${results.duplicateShare}, about ${noCoalescing.toFixed(2)} WCU per view; ` +
      `as deployed, ${count(oursDeployed.writes)} writes.`,
    `Stress (exactness): ${count(stress.deliveries)} deliveries (${count(stress.deliveries - stream.views)} duplicates: 20% of messages delivered 2 or 3 times), ` +
      `shuffled across the whole stream, batches of 100, ${stress.inFlight} batches in flight at once: ${count(stress.counted)} of ${count(stream.views)} views counted, ` +
      `${count(stress.failedRecords)} failed records, ${count(stress.devicesDiffering)} of ${count(stream.devices)} devices and ${count(stress.statisticsDiffering)} statistics items ` +
      `differing from the truth, ${count(Math.round(stress.viewsPerSecond))} views/s, ${stress.wcuPerView.toFixed(3)} WCU per view ` +
      '(shuffling makes most groups out of order: this run measures exactness, not cost).',
    ['```', ...results.lastLines, '```'].join('\n'),
  ].join('\n\n');
}
