import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { manifestJsonSchemaText } from '../../src/course/json-schema.js';
import { courseJsonSchemaText } from '../../src/course/course-manifest.js';
import { ROOT } from '../support/cli.js';

describe('manifest JSON Schema', () => {
  it('the checked-in schema matches the zod schema (run `npm run schema` when this fails)', async () => {
    const checkedIn = await readFile(path.join(ROOT, 'schema', 'manifest.schema.json'), 'utf8');
    expect(checkedIn).toBe(manifestJsonSchemaText());
  });

  it('describes the fields an editor needs', () => {
    const schema = JSON.parse(manifestJsonSchemaText());
    expect(schema.required).toEqual(expect.arrayContaining(['schemaVersion', 'id', 'checks', 'hints', 'starterFails']));
    expect(schema.properties.difficulty.enum).toEqual(['beginner', 'intermediate', 'advanced']);
  });

  it('has each check\'s visibility and detail, and the course manifest has its own checked-in schema', async () => {
    const schema = JSON.parse(manifestJsonSchemaText());
    const check = schema.properties.checks.items.properties;
    expect(check.visibility.enum).toEqual(['visible', 'hidden', 'after-pass']);
    expect(check.detail.enum).toEqual(['full', 'title']);
    expect(await readFile(path.join(ROOT, 'schema', 'course.schema.json'), 'utf8')).toBe(courseJsonSchemaText());
    expect(JSON.parse(courseJsonSchemaText()).required).toEqual(expect.arrayContaining(['schemaVersion', 'id', 'title', 'version']));
  });
});
