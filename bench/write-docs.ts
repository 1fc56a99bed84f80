/** `npm run docs:bench`: rewrites the generated sections of docs/benchmarks.md from bench/results/*.json. */
import { readFileSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { COST_SECTION, GENERATED_DOCUMENT, LATENCY_SECTION, REPOSITORY_ROOT, readResults, renderSection, replaceSection, type GeneratedSection } from './readme-sections';

const markdownPath = resolve(REPOSITORY_ROOT, GENERATED_DOCUMENT);
let markdown = readFileSync(markdownPath, 'utf8');
const write = <Results>(section: GeneratedSection<Results>) => {
  markdown = replaceSection(markdown, section, renderSection(section, readResults(section)));
  console.log(`${GENERATED_DOCUMENT}: ${section.name} section written from ${section.resultsFile}`);
};
write(COST_SECTION);
write(LATENCY_SECTION);
writeFileSync(markdownPath, markdown);
