/**
 * The beacon's cost in docs/single-page-apps.md is generated from the committed cost results
 * (bench/cost/beacon-section.ts): a hand edit, or a new `npm run bench:cost` without `npm run docs:bench`,
 * fails here.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { expect, it } from 'vitest';
import { BEACON_COST_SECTION, BEACON_DOCUMENT, beaconCostPerMillion } from '../../bench/cost/beacon-section';
import { design } from '../../bench/cost/readme-section';
import { REPOSITORY_ROOT, currentSection, readResults, renderSection } from '../../bench/readme-sections';

const markdown = readFileSync(resolve(REPOSITORY_ROOT, BEACON_DOCUMENT), 'utf8');
const results = readResults(BEACON_COST_SECTION);

it('holds exactly what `npm run docs:bench` renders from bench/results/cost.json', () => {
  expect(currentSection(markdown, BEACON_COST_SECTION)).toBe(renderSection(BEACON_COST_SECTION, results));
});

it("gives a beacon the front-door view's total at every rate, split into the request and the counting", () => {
  const section = renderSection(BEACON_COST_SECTION, results);
  for (const rate of design(results, 'current').rates) {
    const cost = beaconCostPerMillion(rate);
    expect(cost.total).toBe(rate.usdPerMillion);
    // At least the HTTP API request and the invocation; at most the whole view.
    expect(cost.request).toBeGreaterThan(1);
    expect(cost.request).toBeLessThan(cost.total);
    expect(section).toContain(`**$${cost.total.toFixed(2)}**`);
  }
});
