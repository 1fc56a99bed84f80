/** `npm run readme:bench`: rewrites the README's generated sections from bench/results/*.json. */
import { readFileSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { COST_SECTION, LATENCY_SECTION, REPOSITORY_ROOT, readResults, renderSection, replaceSection, type GeneratedSection } from './readme-sections';

const readmePath = resolve(REPOSITORY_ROOT, 'README.md');
let readme = readFileSync(readmePath, 'utf8');
const write = <Results>(section: GeneratedSection<Results>) => {
  readme = replaceSection(readme, section, renderSection(section, readResults(section)));
  console.log(`README.md: ${section.name} section written from ${section.resultsFile}`);
};
write(COST_SECTION);
write(LATENCY_SECTION);
writeFileSync(readmePath, readme);
