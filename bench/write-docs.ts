/** `npm run docs:bench`: rewrites the generated sections of the docs from bench/results/*.json. */
import { readFileSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { BEACON_COST_SECTION, BEACON_DOCUMENT } from './cost/beacon-section';
import { AGGREGATOR_SECTION, COST_SECTION, GENERATED_DOCUMENT, LATENCY_SECTION, REPOSITORY_ROOT, readResults, renderSection, replaceSection, type GeneratedSection } from './readme-sections';

function writeSections(document: string, sections: readonly GeneratedSection<never>[]): void {
  const markdownPath = resolve(REPOSITORY_ROOT, document);
  let markdown = readFileSync(markdownPath, 'utf8');
  for (const section of sections as readonly GeneratedSection<unknown>[]) {
    markdown = replaceSection(markdown, section, renderSection(section, readResults(section)));
    console.log(`${document}: ${section.name} section written from ${section.resultsFile}`);
  }
  writeFileSync(markdownPath, markdown);
}

writeSections(GENERATED_DOCUMENT, [COST_SECTION, LATENCY_SECTION, AGGREGATOR_SECTION] as readonly GeneratedSection<never>[]);
writeSections(BEACON_DOCUMENT, [BEACON_COST_SECTION] as readonly GeneratedSection<never>[]);
