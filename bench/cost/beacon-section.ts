/**
 * The cost of a page-view beacon in docs/single-page-apps.md, rendered from the same run as the cost
 * section of docs/benchmarks.md (`bench/results/cost.json`, the "now" design). A beacon is one HTTP API
 * request and one invocation of the identity function (no authorizer in front), which does the
 * authorizer's work and queues the view as the authorizer would: so its lines are a front-door view's,
 * split into what the request costs and what counting the view costs downstream.
 */
import type { GeneratedSection } from '../readme-sections';
import { PRICES } from './prices';
import { design, itemName, usd, type CostResults, type Rate } from './readme-section';

/** The lines one beacon request pays for itself; every other line is the counting of the view. */
const REQUEST_ITEMS = ['API Gateway HTTP API requests', 'Authorizer invocations', 'Authorizer duration', 'SQS SendMessage', 'Logs: authorizer', 'Logs: API access log'];

/** A second function as the route's integration (behind the authorizer) would bill at least this much more: an invocation and 1 ms at 128 MB. */
const SECOND_FUNCTION_PER_MILLION = PRICES.lambdaRequests.usd + 1e6 * 0.001 * (128 / 1024) * PRICES.lambdaArmGbSecond.usd;

export const BEACON_DOCUMENT = 'docs/single-page-apps.md';

export function beaconCostPerMillion(rate: Rate): { request: number; counting: number; total: number } {
  const millions = rate.viewsPerMonth / 1e6;
  const request = rate.lines.filter((line) => REQUEST_ITEMS.includes(itemName(line.item))).reduce((sum, line) => sum + line.usdPerMonth, 0) / millions;
  return { request, counting: rate.usdPerMillion - request, total: rate.usdPerMillion };
}

export function renderBeaconCostSection(results: CostResults): string {
  const current = design(results, 'current');
  const out: string[] = [];
  out.push('| beacons a month | the request: API Gateway, the function, its SQS send, logs | counting the view: queue polls, consumer, DynamoDB | **$ per million beacons** |');
  out.push('| --- | ---: | ---: | ---: |');
  for (const rate of current.rates) {
    const cost = beaconCostPerMillion(rate);
    out.push(`| ${rate.rate} | ${usd(cost.request)} | ${usd(cost.counting)} | **${usd(cost.total)}** |`);
  }
  out.push('');
  out.push(
    `From \`npm run bench:cost\` (us-east-1 list prices checked ${results.pricesChecked}, free tiers left out; the method: [benchmarks](benchmarks.md#what-a-million-page-views-cost)): ` +
      'the same figures as a page view through the front door, line by line, since a beacon is one request and one invocation doing the same work. ' +
      `An authorizer in front of a second function would add at least ${usd(SECOND_FUNCTION_PER_MILLION)} per million (one more invocation).`,
  );
  return out.join('\n');
}

export const BEACON_COST_SECTION: GeneratedSection<CostResults> = { name: 'beacon cost', resultsFile: 'bench/results/cost.json', render: renderBeaconCostSection };
