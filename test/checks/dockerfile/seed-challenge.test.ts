import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { DockerfileModel } from '../../../src/checks/dockerfile/model.js';
import type { CheckKind, Verdict } from '../../../src/checks/kind.js';
import { findCheckKind, loadCheckKinds } from '../../../src/checks/registry.js';
import { planChecks } from '../../../src/grading/plan.js';
import { loadPack, type ChallengePack } from '../../../src/course/packs.js';
import { ROOT } from '../../support/cli.js';

// The seed challenge's own pack: its manifest's static checks on its real starter and solution
// Dockerfiles (comments and all), so a change to either file is graded here too.
const PACK = path.join(ROOT, 'challenges', 'docker-missing-multistage');

let pack: ChallengePack;
const sources: Record<'starter' | 'solution', string> = { starter: '', solution: '' };

beforeAll(async () => {
  pack = await loadPack(PACK);
  await loadCheckKinds(pack.manifest.checks.map((check) => check.kind));
  for (const side of ['starter', 'solution'] as const) {
    sources[side] = await readFile(path.join(PACK, pack.manifest[side], pack.manifest.dockerfile!), 'utf8');
  }
});

const staticChecks = () => planChecks(pack.manifest.checks).checksOf('static');

async function verdict(id: string, side: 'starter' | 'solution'): Promise<Verdict> {
  const check = pack.manifest.checks.find((candidate) => candidate.id === id)!;
  const kind = findCheckKind(check.kind) as CheckKind;
  const dir = path.join(PACK, pack.manifest[side]);
  return kind.run(kind.params.parse(check.with ?? {}), { dockerfile: DockerfileModel.parse(path.join(dir, pack.manifest.dockerfile!), sources[side]), workspaceDir: dir });
}

/** 1-based line of the first line of the starter that starts with `prefix`. */
const starterLine = (prefix: string) => sources.starter.split('\n').findIndex((line) => line.startsWith(prefix)) + 1;

describe('seed challenge: the real starter fails and the real solution passes the static checks', () => {
  it('the manifest has the static checks this test knows, and names them as expected starter failures', () => {
    expect(staticChecks().map((check) => check.id)).toEqual([
      'multi-stage',
      'builder-stage',
      'composer-install-in-builder',
      'final-from-php-fpm',
      'vendor-copied-from-builder',
      'no-composer-copied',
      'healthcheck-declared',
    ]);
    // The starter already starts from php:8.2-fpm-alpine: that one check passes on it; all others are expected to fail.
    expect(staticChecks().filter((check) => !pack.manifest.starterFails.includes(check.id)).map((check) => check.id)).toEqual(['final-from-php-fpm']);
  });

  it('every static check passes the solution', async () => {
    for (const check of staticChecks()) {
      const result = await verdict(check.id, 'solution');
      expect(result.status, `${check.id}: ${result.message}`).toBe('pass');
    }
  });

  it('each static check the manifest expects to fail on the starter fails it, saying where', async () => {
    const expected: Record<string, string | RegExp> = {
      'multi-stage': `only 1 stage (FROM at line ${starterLine('FROM ')})`,
      'builder-stage': 'no stage is named "builder"',
      'composer-install-in-builder': `\`composer install\` runs in the final stage at line ${starterLine('RUN composer install')}`,
      'vendor-copied-from-builder': 'no stage is named "builder"',
      'no-composer-copied': `line ${starterLine('COPY --from=composer:2')} copies /usr/bin/composer from the image composer:2`,
      'healthcheck-declared': 'no HEALTHCHECK in the final stage',
    };
    const failing = staticChecks().filter((check) => pack.manifest.starterFails.includes(check.id));
    expect(failing.map((check) => check.id).sort()).toEqual(Object.keys(expected).sort());
    for (const check of failing) {
      const result = await verdict(check.id, 'starter');
      expect(result.status, `${check.id}: ${result.message}`).toBe('fail');
      expect(result.message, check.id).toContain(expected[check.id]);
    }
    expect(await verdict('final-from-php-fpm', 'starter')).toMatchObject({ status: 'pass' });
  });
});
