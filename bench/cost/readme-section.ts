/**
 * The cost section of docs/benchmarks.md, rendered from `bench/results/cost.json` (what `npm run bench:cost`
 * wrote); `npm run docs:bench` puts it between its markers (bench/readme-sections.ts).
 */
export interface Line {
  item: string;
  quantity: number;
  unit: string;
  usdPerMonth: number;
}

export interface Rate {
  rate: string;
  viewsPerMonth: number;
  lines: Line[];
  usdPerMillion: number;
  writeUnitsPerView: number;
  dynamoMode: string;
  facts: Record<string, number>;
}

export interface DesignResult {
  design: 'before' | 'current';
  settings: Record<string, string | number | boolean>;
  rates: Rate[];
  fixed: Line[];
  fixedUsdPerMonth: number;
}

export interface CostResults {
  pricesChecked: string;
  prices: Record<string, { usd: number; unit: string; source: string }>;
  traceShape: Record<string, number>;
  requests: number;
  results: DesignResult[];
  crossover?: { viewsPerMonth: number; writeUnitsPerMonth: number; floorUsdPerMonth: number; usdPerMillionWriteUnits: number };
}

export const usd = (value: number) => `$${value >= 100 ? value.toFixed(0) : value >= 1 ? value.toFixed(2) : value.toFixed(3)}`;
export const itemName = (item: string) => item.replace(/ \(.*\)$/, '');
const millions = (views: number) => (views >= 1e9 ? `${views / 1e9}B` : `${views / 1e6}M`);

export function design(results: CostResults, name: DesignResult['design']): DesignResult {
  const found = results.results.find((result) => result.design === name);
  if (!found) throw new Error(`cost.json has no ${name} design`);
  return found;
}

export function renderCostSection(results: CostResults): string {
  const before = design(results, 'before');
  const current = design(results, 'current');
  const rates = current.rates.map((rate) => rate.rate);
  const perMillion = (result: DesignResult, index: number, item: string) => {
    const rate = result.rates[index] as Rate;
    return rate.lines.filter((line) => itemName(line.item) === item).reduce((sum, line) => sum + line.usdPerMonth, 0) / (rate.viewsPerMonth / 1e6);
  };
  const items = [...new Set([before, current].flatMap((result) => result.rates.flatMap((rate) => rate.lines.map((line) => itemName(line.item)))))];
  const out: string[] = [];
  out.push(
    `Measured by \`npm run bench:cost\` (bench/cost.bench.ts) with us-east-1 list prices checked ${results.pricesChecked}, free tiers left out. ` +
      'Per million page-view requests through the front door (bots and GPC requests included: they cost a request and an invocation too); ' +
      '"before" is the previous design (one awaited SendMessage per view inside the request, its stack settings and logging), modelled explicitly; "now" is what this repository deploys (read from the synthesized stack).',
  );
  out.push('');
  out.push(`| $ per million views | ${rates.map((rate) => `before ${rate} | now ${rate}`).join(' | ')} |`);
  out.push(`| --- | ${rates.map(() => '---: | ---:').join(' | ')} |`);
  for (const item of items) {
    out.push(`| ${item} | ${rates.map((_, index) => `${usd(perMillion(before, index, item))} | ${usd(perMillion(current, index, item))}`).join(' | ')} |`);
  }
  out.push(`| **Total** | ${rates.map((_, index) => `**${usd((before.rates[index] as Rate).usdPerMillion)}** | **${usd((current.rates[index] as Rate).usdPerMillion)}**`).join(' | ')} |`);
  out.push(`| DynamoDB write units per tracked view | ${rates.map((_, index) => `${(before.rates[index] as Rate).writeUnitsPerView.toFixed(3)} | ${(current.rates[index] as Rate).writeUnitsPerView.toFixed(3)}`).join(' | ')} |`);
  out.push('');
  const fixed = (result: DesignResult) => `**${usd(result.fixedUsdPerMonth)}** (${result.fixed.map((line) => `${line.item}: ${usd(line.usdPerMonth)}`).join('; ')})`;
  out.push(`Fixed a month, whatever the traffic: before ${fixed(before)}; now ${fixed(current)}.`);
  out.push('');
  const settings = (result: DesignResult) =>
    Object.entries(result.settings)
      .map(([key, value]) => `${key} ${String(value)}`)
      .join(', ');
  out.push(`Settings: before: ${settings(before)}. Now: ${settings(current)}.`);
  out.push('');
  const facts = (result: DesignResult) =>
    result.rates
      .map(
        (rate) =>
          `${rate.rate}: ${rate.facts.pollers} pollers, ${rate.facts.meanBatch?.toFixed(1)} messages per batch, ${rate.facts.receivesPerMessage?.toFixed(2)} receives and ${rate.facts.deletesPerMessage?.toFixed(2)} deletes per message, ${rate.facts.authorizerBilledMs?.toFixed(1)} ms authorizer and ${rate.facts.consumerBilledMs} ms consumer billed, DynamoDB ${rate.dynamoMode}`,
      )
      .join('; ');
  out.push(`Event source mapping and functions, before: ${facts(before)}. Now: ${facts(current)}.`);
  out.push('');
  const c0 = current.rates[0] as Rate;
  out.push(
    `Logs per request: authorizer ${c0.facts.authorizerLogBytesPerRequest?.toFixed(0)} bytes now (before ${(before.rates[0] as Rate).facts.authorizerLogBytesPerRequest?.toFixed(0)}), ` +
      `access log ${c0.facts.accessLogBytesPerRequest?.toFixed(0)} bytes (before ${(before.rates[0] as Rate).facts.accessLogBytesPerRequest?.toFixed(0)}); ` +
      `consumer ${c0.facts.consumerLogBytesPerInvocation?.toFixed(0)} bytes per invocation (before ${(before.rates[0] as Rate).facts.consumerLogBytesPerInvocation?.toFixed(0)}).`,
  );
  const statistics = current.rates
    .map((rate) => {
      const perBatch = `${rate.facts.statisticsUnitsPerBatch?.toFixed(0)} write units per batch of ${rate.facts.statisticsViewsPerBatch?.toFixed(0)} views`;
      return `${rate.rate}: ${perBatch}${rate.facts.statisticsWholeTrace ? ' (the whole trace as one batch; a full batch holds more views)' : ''}, ${rate.facts.statisticsWriteUnitsPerView?.toFixed(3)} per view`;
    })
    .join('; ');
  out.push('');
  out.push(
    `**Daily statistics** ([statistics](statistics.md); "before" had none) are paid per batch, not per view: 2 write units for each statistics item a batch changes, whatever its number of views. ` +
      `Measured with batches of the full size at each rate: ${statistics}. So they cost most per view on a quiet site, where batches are small.`,
  );
  if (results.crossover) {
    out.push('');
    out.push(
      `**Provisioned capacity** (\`tableCapacity: provisioned\`, write auto scaling at 70% utilization, at least 5 WCU) costs at least ` +
        `${usd(results.crossover.floorUsdPerMonth)} a month and then about ${usd(results.crossover.usdPerMillionWriteUnits)} per million write units, against ${usd(results.prices.dynamoWriteRequest?.usd ?? 0)} on demand: ` +
        `it pays off above about ${(results.crossover.writeUnitsPerMonth / 1e6).toFixed(1)}M write units a month, about ${millions(Math.round(results.crossover.viewsPerMonth / 1e5) * 1e5)} views at the write units measured here. ` +
        'The "now" columns use it where it is cheaper. Only the consumer writes, through the queue, so a burst above the scaled capacity is throttled and retried, never lost.',
    );
  }

  out.push('');
  out.push(
    `How it is measured: a seeded trace of ${results.requests} requests (about ${results.traceShape.meanViewsPerSession} views per session, ${results.traceShape.minGapSeconds} s to ${results.traceShape.maxGapSeconds} s apart, ` +
      `${(results.traceShape.returningShare ?? 0) * 100}% returning visitors, ${(results.traceShape.gpcShare ?? 0) * 100}% of visitors with Sec-GPC, ${(results.traceShape.botShare ?? 0) * 100}% bot requests) ` +
      'runs through the real authorizer (sending to fauxqs through a proxy that counts SQS calls and 64 KiB units by action) and the real aggregator on DynamoDB Local ' +
      '(write units from ReturnConsumedCapacity, failed conditional writes included; the daily statistics\' transactions, which only "now" writes, at 2 units per item per KB as the statistics store computes them). Log bytes are what the functions print, plus Lambda\'s START/END/REPORT lines where a design keeps them, and the access-log line rendered from the stage\'s format. ' +
      'Modelled: the event source mapping (pollers, 20 s long polls, batches closed by size, window or 6 MB; bench/cost/esm-model.ts), simulated at each rate with the trace\'s messages mixed into background traffic, over a day whose hourly rate swings ±50%; ' +
      'billed duration as local CPU time × 1769 / memory (Lambda\'s CPU share) plus 10 ms per SQS call and 8 ms per round of DynamoDB writes; custom metrics prorated by the hours they receive data. ' +
      'Prices and their pages: bench/cost/prices.ts.',
  );
  return out.join('\n');
}
