// Writes schema/manifest.schema.json from the zod schema (run after `npm run build`).
import { mkdirSync, writeFileSync } from 'node:fs';
import { manifestJsonSchemaText } from '../dist/course/json-schema.js';

mkdirSync(new URL('../schema/', import.meta.url), { recursive: true });
writeFileSync(new URL('../schema/manifest.schema.json', import.meta.url), manifestJsonSchemaText());
console.log('wrote schema/manifest.schema.json');

const { courseJsonSchemaText } = await import('../dist/course/course-manifest.js');
writeFileSync(new URL('../schema/course.schema.json', import.meta.url), courseJsonSchemaText());
console.log('wrote schema/course.schema.json');
