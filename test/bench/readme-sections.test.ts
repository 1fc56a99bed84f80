/**
 * The generated sections of docs/benchmarks.md (bench/readme-sections.ts) must match the committed results
 * they are rendered from exactly: a hand edit, or a new benchmark run without `npm run docs:bench`, fails
 * here.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { environment } from '../../bench/page-path/results';
import { costRun } from '../../bench/aggregator/results';
import { AGGREGATOR_SECTION, COST_SECTION, GENERATED_DOCUMENT, LATENCY_SECTION, REPOSITORY_ROOT, currentSection, readResults, renderSection, replaceSection, type GeneratedSection } from '../../bench/readme-sections';

const markdown = readFileSync(resolve(REPOSITORY_ROOT, GENERATED_DOCUMENT), 'utf8');

/** The section is what its results render, and a changed figure would show. */
function checkSection<Results>(section: GeneratedSection<Results>, edit: (results: Results) => Results) {
  const results = readResults(section);
  it(`is exactly what \`npm run docs:bench\` renders from ${section.resultsFile}`, () => {
    expect(currentSection(markdown, section)).toBe(renderSection(section, results));
  });

  it('would notice a changed figure', () => {
    const edited = renderSection(section, edit(results));
    expect(edited).not.toBe(currentSection(markdown, section));
    expect(currentSection(replaceSection(markdown, section, edited), section)).toBe(edited);
  });
  return results;
}

describe(`${GENERATED_DOCUMENT}'s cost section`, () => {
  const results = checkSection(COST_SECTION, (original) => {
    const edited = structuredClone(original);
    const first = edited.results[0]?.rates[0];
    if (!first) throw new Error('no rates in cost.json');
    first.usdPerMillion += 0.5;
    return edited;
  });

  it('shows the totals of both designs at every rate, from the results', () => {
    const section = renderSection(COST_SECTION, results);
    for (const result of results.results) {
      for (const rate of result.rates) expect(section).toContain(`**$${rate.usdPerMillion.toFixed(2)}**`);
    }
  });
});

describe(`${GENERATED_DOCUMENT}'s latency section`, () => {
  const results = checkSection(LATENCY_SECTION, (original) => ({
    ...original,
    environments: original.environments.map((candidate) => (candidate.key === 'new' ? { ...candidate, inFunction: { ...candidate.inFunction, p99: candidate.inFunction.p99 + 1 } } : candidate)),
  }));

  it("states both designs' in-function p99 and the empty handler's floor, from the results", () => {
    const section = renderSection(LATENCY_SECTION, results);
    const ms = (value: number) => `${value.toFixed(2)} ms`;
    expect(section).toContain(`**Page-path p99: ${ms(environment(results, 'new').inFunction.p99)} new, ${ms(environment(results, 'before').inFunction.p99)} before**`);
    const empty = environment(results, 'empty');
    expect(section).toContain(`| empty handler | ${ms(empty.inFunction.p50)} | ${ms(empty.inFunction.p99)} | ${ms(empty.inFunction.max)} | ${ms(empty.atRuntimeApi.p50)} |`);
  });
});

describe(`${GENERATED_DOCUMENT}'s aggregator section`, () => {
  const results = checkSection(AGGREGATOR_SECTION, (original) => ({
    ...original,
    runs: original.runs.map((run) => (run.key === 'ours-deployed' ? { ...run, wcuPerView: run.wcuPerView + 0.01 } : run)),
  }));

  it("states the deployed run's write units and statistics, whether it was exact, and the benchmark's last line, from the results", () => {
    const section = renderSection(AGGREGATOR_SECTION, results);
    const deployed = costRun(results, 'ours-deployed');
    expect(section).toContain(`**${deployed.wcuPerView.toFixed(3)}** | **+${deployed.statistics?.wcuPerView.toFixed(3)}**`);
    expect(section).toContain(`| ${deployed.exact ? 'yes' : '**no**'} |`);
    expect(section).toContain(results.lastLines.at(-1));
    expect(results.lastLines.at(-1)).toMatch(/^wcu-per-view: \d+\.\d\d \(naive \d+\.\d\d\) statistics: \+\d+\.\d\d exact: (yes|no)$/);
  });
});
