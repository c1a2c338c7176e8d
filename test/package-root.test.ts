import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { CODE_ROOT, PACKAGE_ROOT } from '../src/package-root.js';

describe('package root', () => {
  it('is the folder of our package.json, found by walking up (the bundle sits deeper than dist/)', () => {
    expect(JSON.parse(readFileSync(path.join(PACKAGE_ROOT, 'package.json'), 'utf8')).name).toBe('shipshape');
    // Under the tests the code runs from src/; built, from dist/ (dist/bundle/ included).
    expect(CODE_ROOT).toBe(path.join(PACKAGE_ROOT, 'src'));
  });
});
