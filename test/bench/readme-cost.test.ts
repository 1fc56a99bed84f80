/**
 * The README's cost section is generated from bench:cost's results (bench/results/cost.json) and must
 * match them exactly: a hand edit or a new run without `npm run readme:cost` fails here.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { currentCostSection, renderCostSection, replaceCostSection, type CostResults } from '../../bench/cost/readme-section';

const root = resolve(fileURLToPath(new URL('.', import.meta.url)), '../..');
const readme = readFileSync(resolve(root, 'README.md'), 'utf8');
const results = JSON.parse(readFileSync(resolve(root, 'bench/results/cost.json'), 'utf8')) as CostResults;

describe("the README's cost section", () => {
  it('is exactly what `npm run readme:cost` renders from bench/results/cost.json', () => {
    expect(currentCostSection(readme)).toBe(renderCostSection(results));
  });

  it('shows the totals of both designs at every rate, from the results', () => {
    const section = renderCostSection(results);
    for (const result of results.results) {
      for (const rate of result.rates) expect(section).toContain(`**$${rate.usdPerMillion.toFixed(2)}**`);
    }
  });

  it('would notice a changed figure', () => {
    const edited = structuredClone(results);
    const first = edited.results[0]?.rates[0];
    if (!first) throw new Error('no rates in cost.json');
    first.usdPerMillion += 0.5;
    expect(renderCostSection(edited)).not.toBe(currentCostSection(readme));
    expect(currentCostSection(replaceCostSection(readme, renderCostSection(edited)))).toBe(renderCostSection(edited));
  });
});
