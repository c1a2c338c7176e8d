import { cp, mkdir, mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findPackDirs, formatProblem, validatePacks } from '../../src/course/validate.js';
import { ROOT, shipshape } from '../support/cli.js';

const TEMPLATE = path.join(ROOT, 'templates', 'dockerfile');

let scratch: string;
let base: string;

/** A copy of the pack template under `<scratch>/<name>/<id>`, with its manifest edited. */
async function brokenPack(name: string, edit: (manifest: string) => string, id = name): Promise<string> {
  const dir = path.join(scratch, name, id);
  await cp(TEMPLATE, dir, { recursive: true });
  await writeFile(path.join(dir, 'manifest.yaml'), edit(base.replace(/^id: .*$/m, `id: ${id}`)));
  return dir;
}

async function problemsOf(dir: string) {
  const report = await validatePacks(await findPackDirs([dir], { requireEach: true }));
  return report.packs.flatMap((pack) => pack.problems).map((problem) => formatProblem(problem, dir));
}

beforeAll(async () => {
  scratch = await mkdtemp(path.join(os.tmpdir(), 'shipshape-validate-'));
  base = await readFile(path.join(TEMPLATE, 'manifest.yaml'), 'utf8');
});
afterAll(async () => {
  if (scratch) await rm(scratch, { recursive: true, force: true });
});

describe('challenge pack validation', () => {
  it('accepts the built-in packs and the template', async () => {
    const report = await validatePacks(await findPackDirs([path.join(ROOT, 'challenges'), TEMPLATE]));
    expect(report.packs.length).toBeGreaterThanOrEqual(2);
    expect(report.packs.flatMap((pack) => pack.problems)).toEqual([]);
  });

  it('a wrong type: file, line, column and schema path', async () => {
    const dir = await brokenPack('wrong-type', (text) => text.replace('{ timeoutSeconds: 30 }', '{ timeoutSeconds: "soon" }'));
    expect(await problemsOf(dir)).toEqual([
      'manifest.yaml:27:29 checks[2].with.timeoutSeconds: Invalid input: expected number, received string',
    ]);
  });

  it('an unknown check kind', async () => {
    const dir = await brokenPack('unknown-kind', (text) => text.replace('kind: build.succeeds', 'kind: build.succeed'));
    const [problem, ...rest] = await problemsOf(dir);
    expect(rest).toEqual([]);
    expect(problem).toMatch(/^manifest\.yaml:21:11 checks\[1\]\.kind: unknown check kind "build\.succeed"; known kinds: .*build\.succeeds/);
  });

  it('a missing referenced file', async () => {
    const dir = await brokenPack('missing-file', (text) => text.replace('  - hints/3.md', '  - hints/4.md'));
    expect(await problemsOf(dir)).toEqual(['manifest.yaml:11:5 hints[2]: hints/4.md does not exist in the pack']);
  });

  it('an empty hint and a starter without its Dockerfile', async () => {
    const dir = await brokenPack('empty-hint', (text) => text);
    await writeFile(path.join(dir, 'hints', '2.md'), '  \n');
    await rm(path.join(dir, 'starter', 'Dockerfile'));
    expect(await problemsOf(dir)).toEqual([
      'manifest.yaml:10:5 hints[1]: hints/2.md is empty',
      'manifest.yaml:2:1 starter: starter/Dockerfile does not exist in the pack',
    ]);
  });

  it('a path escaping the pack with ..', async () => {
    const dir = await brokenPack('dotdot', (text) => text.replace('  - hints/1.md', '  - ../../etc/passwd'));
    expect(await problemsOf(dir)).toEqual(['manifest.yaml:9:5 hints[0]: must stay inside the pack (no absolute path, no `..`)']);
  });

  it('a path escaping the pack through a symlink', async () => {
    const dir = await brokenPack('symlink', (text) => text.replace('  - hints/1.md', '  - hints/outside.md'));
    const outside = path.join(scratch, 'outside.md');
    await writeFile(outside, 'a hint that lives elsewhere\n');
    await symlink(outside, path.join(dir, 'hints', 'outside.md'));
    await symlink('/etc/hostname', path.join(dir, 'solution', 'leak'));
    expect(await problemsOf(dir)).toEqual([
      `manifest.yaml:9:5 hints[0]: hints/outside.md resolves to ${outside}, outside the pack (symlink)`,
      'manifest.yaml:2:1 solution: solution/leak is a symlink to /etc/hostname, outside the pack',
    ]);
  });

  it('a duplicate check id', async () => {
    const dir = await brokenPack('duplicate', (text) => text.replace('  - id: build\n', '  - id: healthcheck-declared\n'));
    expect(await problemsOf(dir)).toEqual(['manifest.yaml:20:9 checks[1].id: duplicate check id "healthcheck-declared" (also checks[0])']);
  });

  it('a starterFails entry naming no check', async () => {
    const dir = await brokenPack('starter-fails', (text) => text.replace('  - container-healthy\nchecks', '  - container-health\nchecks'));
    expect(await problemsOf(dir)).toEqual(['manifest.yaml:14:5 starterFails[1]: "container-health" is not the id of any check']);
  });

  it('bad YAML', async () => {
    const dir = await brokenPack('bad-yaml', (text) => text.replace('difficulty: beginner', 'difficulty: [beginner'));
    const problems = await problemsOf(dir);
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(/^manifest\.yaml:\d+:\d+: YAML: /);
  });

  it('the same challenge id in two packs, naming both places', async () => {
    const first = await brokenPack('twins', (text) => text, 'twin-one');
    const second = await brokenPack('twins', (text) => text.replace(/^id: .*$/m, 'id: twin-one'), 'twin-two');
    const problems = await problemsOf(path.dirname(first));
    expect(problems).toEqual([`twin-two/manifest.yaml:3:5 id: challenge id "twin-one" is also used by ${path.join(first, 'manifest.yaml')}`]);
    expect(second).toBeTruthy();
  });

  it('the CLI prints file:line:col path: message and exits 1; --json lists packs; 0 when valid', async () => {
    const dir = path.join(scratch, 'duplicate', 'duplicate');
    const plain = await shipshape(['challenge:validate', dir]);
    expect(plain.exitCode, plain.all).toBe(1);
    expect(plain.stdout).toContain(`${path.join(dir, 'manifest.yaml')}:20:9 checks[1].id: duplicate check id "healthcheck-declared" (also checks[0])`);
    const json = await shipshape(['challenge:validate', '--json', dir]);
    expect(json.exitCode).toBe(1);
    const report = JSON.parse(json.stdout);
    expect(report.packs).toHaveLength(1);
    expect(report.packs[0]).toMatchObject({ dir, id: 'duplicate', problems: [{ line: 20, column: 9, path: 'checks[1].id' }] });
    const valid = await shipshape(['challenge:validate']);
    expect(valid.exitCode, valid.all).toBe(0);
    const missing = await shipshape(['challenge:validate', path.join(scratch, 'nowhere')]);
    expect(missing.exitCode).toBe(2);
    expect(missing.stderr).toContain('No challenge pack at');
    expect(missing.stderr).not.toMatch(/\n\s+at /);
  });

  it('--pack with a pack whose id clashes with a built-in one names both places', async () => {
    const root = path.join(scratch, 'clash');
    await mkdir(root);
    await cp(path.join(ROOT, 'challenges', 'docker-missing-multistage'), path.join(root, 'copy'), { recursive: true });
    const result = await shipshape(['challenge:list', '--pack', root]);
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toContain(
      `Challenge id "docker-missing-multistage" is defined twice: ${path.join(ROOT, 'challenges', 'docker-missing-multistage', 'manifest.yaml')} and ${path.join(root, 'copy', 'manifest.yaml')}.`,
    );
    const validate = await shipshape(['challenge:validate', '--pack', root]);
    expect(validate.exitCode).toBe(1);
    expect(validate.stdout).toContain('id: challenge id "docker-missing-multistage" is also used by');
  });

  it('--pack adds a directory of packs to challenge:list', async () => {
    const root = path.join(scratch, 'twins');
    await rm(path.join(root, 'twin-two'), { recursive: true });
    const result = await shipshape(['challenge:list', '--pack', root, '--json']);
    expect(result.exitCode, result.all).toBe(0);
    expect(JSON.parse(result.stdout).challenges.map((challenge: { id: string }) => challenge.id)).toContain('twin-one');
  });

  it('challenge:new scaffolds a pack that validates, and refuses to overwrite it', async () => {
    const cwd = path.join(scratch, 'new-cwd');
    await mkdir(cwd);
    const created = await shipshape(['challenge:new', 'fresh-one'], { cwd });
    expect(created.exitCode, created.all).toBe(0);
    const manifest = await readFile(path.join(cwd, 'challenges', 'fresh-one', 'manifest.yaml'), 'utf8');
    expect(manifest).toMatch(/^id: fresh-one$/m);
    const valid = await shipshape(['challenge:validate', path.join(cwd, 'challenges')]);
    expect(valid.exitCode, valid.all).toBe(0);
    expect(valid.stdout).toContain('1 pack valid');
    const again = await shipshape(['challenge:new', 'fresh-one'], { cwd });
    expect(again.exitCode).toBe(2);
    expect(again.stderr).toContain('already exists; nothing was written');
    const badId = await shipshape(['challenge:new', 'Bad_Id', '--pack', cwd]);
    expect(badId.exitCode).toBe(2);
    expect(badId.stderr).toContain('is not a valid challenge id');
  });
});
