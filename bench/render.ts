// node --import tsx bench/render.ts — writes bench/results.md again from bench/results.json (the targets
// re-evaluated), after a change to the report's wording; measures nothing.
import { readFileSync, writeFileSync } from 'node:fs';
import { evaluateTargets, renderResults, type Results } from './report.js';

const results = JSON.parse(readFileSync(new URL('./results.json', import.meta.url), 'utf8')) as Results;
results.targets = evaluateTargets(results);
writeFileSync(new URL('./results.json', import.meta.url), JSON.stringify(results, null, '\t') + '\n');
writeFileSync(new URL('./results.md', import.meta.url), renderResults(results));
