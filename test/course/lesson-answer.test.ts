import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { DockerfileModel } from '../../src/checks/dockerfile/model.js';
import { findCheckKind, loadCheckKinds } from '../../src/checks/registry.js';
import { loadPack } from '../../src/course/packs.js';
import { ROOT } from '../support/cli.js';

// The engine test (test/integration/seed-challenge.test.ts) grades the whole answer; this one needs no engine.
describe("the seed lesson's answer against docker-missing-multistage's static checks", () => {
  it('passes every static check of the manifest', async () => {
    const pack = await loadPack(path.join(ROOT, 'challenges', 'docker-missing-multistage'));
    const source = await readFile(path.join(ROOT, 'test', 'fixtures', 'dockerfiles', 'lesson-answer.Dockerfile'), 'utf8');
    const dockerfile = DockerfileModel.parse('Dockerfile', source);
    const statics = pack.manifest.checks.filter((check) => check.kind.startsWith('dockerfile.'));
    expect(statics.map((check) => check.id)).toEqual(
      expect.arrayContaining(['multi-stage', 'builder-stage', 'composer-install-in-builder', 'vendor-copied-from-builder', 'healthcheck-declared']),
    );
    await loadCheckKinds(statics.map((check) => check.kind));
    for (const check of statics) {
      const kind = findCheckKind(check.kind)!;
      const verdict = await kind.run(kind.params.parse(check.with), { dockerfile, workspaceDir: '/tmp' } as never);
      expect(verdict.status, `${check.id}: ${verdict.message}`).toBe('pass');
    }
  });
});
