import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadCheckKinds } from '../../src/checks/registry.js';
import { checkCatalogueMarkdown } from '../../src/course/catalogue.js';
import { ROOT } from '../support/cli.js';

const CHECK_KINDS = await loadCheckKinds();

describe('check catalogue', () => {
  it('the checked-in docs/checks.md matches the registry (run `npm run docs` when this fails)', async () => {
    const checkedIn = await readFile(path.join(ROOT, 'docs', 'checks.md'), 'utf8');
    expect(checkedIn).toBe(checkCatalogueMarkdown());
  });

  it('documents every kind with its phase, parameters and example', () => {
    const text = checkCatalogueMarkdown();
    for (const kind of CHECK_KINDS) {
      expect(text).toContain(`## ${kind.kind}\n\nPhase: \`${kind.phase}\`.`);
      expect(text).toContain(`kind: ${kind.kind}`);
    }
    expect(text).toContain('| `min` | integer (≥ 1, ≤ 20) | no | `2` | Fewest stages accepted |');
  });
});
