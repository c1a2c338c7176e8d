import { describe, expect, it } from 'vitest';
import { parseManifest } from '../../src/course/manifest-file.js';
import { problemsOf } from '../support/manifest.js';

const base = (extra: string, checks: string) => `schemaVersion: 1
id: demo-compose
title: A compose demo
difficulty: beginner
lesson: docker-intermediate
summary: Something to fix.
hints: [hints/1.md]
starterFails: [c1]
${extra}checks:
${checks}`;

const composeCheck = `  - id: c1
    kind: compose.service-defined
    title: The db service exists
    with: { service: db }
    hint: Add it.
`;
const dockerfileCheck = `  - id: d1
    kind: dockerfile.stage-count
    title: Two stages
    with: { min: 2 }
    hint: Add a stage.
`;

describe('manifest schema: compose challenges', () => {
  it('accepts a compose-only challenge without a Dockerfile, and keeps the Dockerfile default otherwise', () => {
    const compose = parseManifest('m.yaml', base('compose: compose.yaml\n', composeCheck));
    expect(compose.compose).toBe('compose.yaml');
    expect(compose.dockerfile).toBeUndefined();
    expect(compose.limits.composeUpTimeoutSeconds).toBe(300);
    const dockerfile = parseManifest('m.yaml', base('', dockerfileCheck).replace('[c1]', '[d1]'));
    expect(dockerfile.dockerfile).toBe('Dockerfile');
    expect(dockerfile.compose).toBeUndefined();
  });

  it('accepts both files together', () => {
    const both = parseManifest('m.yaml', base('dockerfile: Dockerfile\ncompose: compose.yaml\n', composeCheck + dockerfileCheck));
    expect([both.dockerfile, both.compose]).toEqual(['Dockerfile', 'compose.yaml']);
  });

  it('refuses a compose check without a compose file, at the check, saying what to add', () => {
    const problems = problemsOf(base('', composeCheck));
    expect(problems).toEqual([
      expect.objectContaining({ line: 11, path: 'checks[0].kind', message: 'compose.service-defined grades a compose file: add `compose: compose.yaml` (the file graded) to the manifest' }),
    ]);
  });

  it('refuses a Dockerfile check in a manifest that names only a compose file', () => {
    const problems = problemsOf(base('compose: compose.yaml\n', composeCheck + dockerfileCheck));
    expect(problems.map((problem) => problem.message)).toEqual([
      'dockerfile.stage-count grades a Dockerfile, and this manifest names only a compose file: add `dockerfile: <path>` to the manifest',
    ]);
  });

  it('refuses a compose path leaving the pack', () => {
    expect(problemsOf(base('compose: ../compose.yaml\n', composeCheck))[0]!.message).toContain('must stay inside the pack');
  });
});
