// Writes docs/checks.md from the check registry (run after `npm run build`).
import { mkdirSync, writeFileSync } from 'node:fs';
import { checkCatalogueMarkdown } from '../dist/course/catalogue.js';

mkdirSync(new URL('../docs/', import.meta.url), { recursive: true });
writeFileSync(new URL('../docs/checks.md', import.meta.url), checkCatalogueMarkdown());
console.log('wrote docs/checks.md');
