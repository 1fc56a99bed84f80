/** `npm run readme:cost`: writes the README's cost section from bench/results/cost.json. */
import { readFileSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { renderCostSection, replaceCostSection, type CostResults } from './readme-section';

const root = resolve(import.meta.dirname, '../..');
const results = JSON.parse(readFileSync(resolve(root, 'bench/results/cost.json'), 'utf8')) as CostResults;
const readmePath = resolve(root, 'README.md');
writeFileSync(readmePath, replaceCostSection(readFileSync(readmePath, 'utf8'), renderCostSection(results)));
console.log('README.md: cost section written from bench/results/cost.json');
