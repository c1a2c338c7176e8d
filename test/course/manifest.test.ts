import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseManifest } from '../../src/course/manifest-file.js';
import { ROOT } from '../support/cli.js';
import { problemsOf } from '../support/manifest.js';

const SEED = path.join(ROOT, 'challenges', 'docker-missing-multistage', 'manifest.yaml');

const minimal = `schemaVersion: 1
id: demo-one
title: A demo
difficulty: beginner
lesson: docker-intermediate
summary: Something to fix.
hints: [hints/1.md]
starterFails: [stages]
checks:
  - id: stages
    kind: dockerfile.stage-count
    title: Two stages
    with: { min: 2 }
    hint: Add a stage.
`;

describe('manifest schema', () => {
  it('accepts the seed challenge', async () => {
    const manifest = parseManifest(SEED, await readFile(SEED, 'utf8'));
    expect(manifest.id).toBe('docker-missing-multistage');
    expect(manifest.checks.length).toBeGreaterThanOrEqual(10);
  });

  it('fills defaults', () => {
    const manifest = parseManifest('m.yaml', minimal);
    expect(manifest.dockerfile).toBe('Dockerfile');
    expect(manifest.limits.buildTimeoutSeconds).toBe(600);
    expect(manifest.checks[0]!.points).toBe(10);
  });

  it('names the line and column of a wrong parameter type', () => {
    const problems = problemsOf(minimal.replace('{ min: 2 }', '{ min: "two" }'));
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatchObject({ line: 13, path: 'checks[0].with.min' });
  });

  it('refuses an unknown check kind, listing the known ones', () => {
    const problems = problemsOf(minimal.replace('dockerfile.stage-count', 'dockerfile.stage-cuont'));
    expect(problems[0]!.message).toContain('unknown check kind "dockerfile.stage-cuont"');
    expect(problems[0]!.message).toContain('dockerfile.stage-count');
    expect(problems[0]).toMatchObject({ line: 11, column: 11, path: 'checks[0].kind' });
  });

  it('refuses duplicate check ids and starterFails naming no check', () => {
    const text = minimal.replace('starterFails: [stages]', 'starterFails: [stages, nope]') +
      `  - id: stages\n    kind: build.succeeds\n    title: Builds\n    hint: Fix it.\n`;
    const messages = problemsOf(text).map((problem) => problem.message);
    expect(messages).toContain('duplicate check id "stages" (also checks[0])');
    expect(messages).toContain('"nope" is not the id of any check');
  });

  it('refuses paths that escape the pack', () => {
    const problems = problemsOf(minimal.replace('hints: [hints/1.md]', 'hints: [../outside.md]'));
    expect(problems[0]!.message).toContain('must stay inside the pack');
  });

  it('reports YAML syntax errors with their position', () => {
    const problems = problemsOf('schemaVersion: 1\nid: [unclosed\n');
    expect(problems[0]!.message).toMatch(/^YAML:/);
    expect(problems[0]!.line).toBeGreaterThanOrEqual(2);
  });

  it('bounds numbers such as timeouts', () => {
    const problems = problemsOf(`${minimal}limits:\n  buildTimeoutSeconds: 99999\n`);
    expect(problems[0]!.path).toBe('limits.buildTimeoutSeconds');
  });
});

describe('manifest strictness', () => {
  it('refuses unknown keys, so a typo in a field name is caught', () => {
    const problems = problemsOf(minimal.replace('summary:', 'sumary: typo\nsummary:'));
    expect(problems.some((problem) => /Unrecognized key.*sumary/.test(problem.message))).toBe(true);
  });
});

describe('manifest build section', () => {
  const withSecret = `${minimal}  - id: no-leak
    kind: image.history-no-secret
    title: No token in the image
    with: { secret: api_token }
    hint: Use a secret mount.
`;

  it('defaults to a classic build with no secrets or args', () => {
    expect(parseManifest('m.yaml', minimal).build).toEqual({ buildkit: false, secrets: [], args: {} });
  });

  it('accepts BuildKit with a secret that is also passed as a build argument, and fixed args', () => {
    const manifest = parseManifest(
      'm.yaml',
      `${withSecret}build:\n  buildkit: true\n  secrets:\n    - { id: api_token, buildArg: API_TOKEN }\n  args: { APP_VERSION: "1.2" }\n`,
    );
    expect(manifest.build).toEqual({ buildkit: true, secrets: [{ id: 'api_token', buildArg: 'API_TOKEN' }], args: { APP_VERSION: '1.2' } });
  });

  it('refuses secrets without buildkit, duplicate ids, bad names and unknown keys', () => {
    const messages = problemsOf(
      `${minimal}build:\n  secrets:\n    - { id: api_token }\n    - { id: api_token, buildArg: "1BAD" }\n    - { id: other, env: X }\n`,
    ).map((problem) => `${problem.path}: ${problem.message}`);
    expect(messages).toContain('build.buildkit: build secrets need `buildkit: true` (the classic builder has no secret mounts)');
    expect(messages.some((message) => message.startsWith('build.secrets[1].buildArg: a build argument name'))).toBe(true);
    expect(messages.some((message) => /^build\.secrets\[2\]: Unrecognized key.*env/.test(message))).toBe(true);
  });

  it('refuses a check naming a secret that build.secrets does not declare', () => {
    const problems = problemsOf(`${withSecret}build:\n  buildkit: true\n  secrets: [{ id: other_token }]\n`);
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatchObject({
      path: 'checks[1].with.secret',
      message: '"api_token" is not a secret under build.secrets (declared: other_token)',
    });
  });
});
