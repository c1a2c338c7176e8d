import { chmod, cp, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { XMLParser } from 'fast-xml-parser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { Classroom50ResultSchema } from '../../src/grading/formats/classroom50.js';
import { GradescopeResultSchema } from '../../src/grading/formats/gradescope.js';
import { ROOT, shipshape } from '../support/cli.js';
import { dockerTestsEnabled, labelledObjects, requireEngine, requireImages } from '../support/engine.js';

const ID = 'docker-missing-multistage';
const PACK = path.join(ROOT, 'challenges', ID);
const require = createRequire(import.meta.url);

/**
 * The exported repository, committed and cloned, run through its own CI commands on the engine. The
 * workflows install Shipshape from npm, where this build is not published: `shipshape` on PATH is
 * this build's CLI instead, and the commands are taken from the exported files and action.yml as is.
 */
describe.runIf(dockerTestsEnabled)('an exported repository grades itself with its CI commands', { timeout: 900_000 }, () => {
  let scratch: string;
  let clone: string;
  let env: Record<string, string>;
  let starterFails: string[];

  const bash = (script: string, extra: Record<string, string> = {}, cwd = clone) =>
    execa('bash', ['-c', script], { cwd, env: { ...env, ...extra }, reject: false, all: true, timeout: 600_000 });

  beforeAll(async () => {
    requireEngine();
    requireImages('composer:2', 'php:8.2-fpm-alpine');
    scratch = await mkdtemp(path.join(os.tmpdir(), 'shipshape-export-ci-'));
    const origin = path.join(scratch, 'origin');
    const exported = await shipshape(['challenge:export', ID, origin]);
    expect(exported.exitCode, exported.all).toBe(0);
    const git = (args: string[], cwd: string) => execa('git', args, { cwd, env: { GIT_AUTHOR_NAME: 't', GIT_AUTHOR_EMAIL: 't@example.com', GIT_COMMITTER_NAME: 't', GIT_COMMITTER_EMAIL: 't@example.com' } });
    await git(['init', '-q', '-b', 'main'], origin);
    await git(['add', '-A'], origin);
    await git(['commit', '-q', '-m', 'export'], origin);
    clone = path.join(scratch, 'clone');
    await execa('git', ['clone', '-q', origin, clone]);
    const bin = path.join(scratch, 'bin');
    await mkdir(bin);
    await writeFile(path.join(bin, 'shipshape'), `#!/bin/sh\nexec "${process.execPath}" "${path.join(ROOT, 'bin', 'run.js')}" "$@"\n`);
    await chmod(path.join(bin, 'shipshape'), 0o755);
    env = { PATH: `${bin}:${process.env.PATH}`, NO_COLOR: '1', XDG_CACHE_HOME: path.join(scratch, 'cache'), SHIPSHAPE_SESSION: process.env.SHIPSHAPE_SESSION ?? '' };
    starterFails = parse(await readFile(path.join(PACK, 'manifest.yaml'), 'utf8')).starterFails;
  });

  afterAll(async () => {
    if (scratch) await rm(scratch, { recursive: true, force: true });
  });

  it('the clone holds the marker and the CI files (the gitignore keeps the marker)', async () => {
    const marker = JSON.parse(await readFile(path.join(clone, '.shipshape', 'challenge.json'), 'utf8'));
    expect(marker.challenge).toBe(ID);
    await readFile(path.join(clone, '.github', 'workflows', 'shipshape.yml'), 'utf8');
    await readFile(path.join(clone, 'gradescope', '.shipshape', 'challenge.json'), 'utf8');
  });

  it("GitHub: the action's verify step fails the starter with annotations and SARIF results on the Dockerfile's lines", async () => {
    const action = parse(await readFile(path.join(ROOT, 'action.yml'), 'utf8'));
    const step = action.runs.steps.find((candidate: { id?: string }) => candidate.id === 'verify');
    const workflow = parse(await readFile(path.join(clone, '.github', 'workflows', 'shipshape.yml'), 'utf8'));
    const directory = workflow.jobs.verify.steps[1].with.directory;
    const out = path.join(scratch, 'gh');
    await mkdir(out);
    const run = await bash(step.run, {
      WORKSPACE: directory,
      SARIF: 'auto',
      JUNIT: path.join(out, 'junit.xml'),
      RUNNER_TEMP: out,
      GITHUB_OUTPUT: path.join(out, 'output'),
      GITHUB_STEP_SUMMARY: path.join(out, 'summary.md'),
      GITHUB_WORKSPACE: clone,
    });
    expect(run.exitCode, run.all).toBe(0);
    const outputs = Object.fromEntries((await readFile(path.join(out, 'output'), 'utf8')).trim().split('\n').map((line) => line.split('=')));
    expect(outputs).toMatchObject({ 'exit-code': '1', passed: 'false', sarif: path.join(out, 'shipshape.sarif') });

    // Annotations: one per failing check, each on a line of the Dockerfile.
    const annotations = String(run.stdout).split('\n').filter((line) => line.startsWith('::error '));
    expect(annotations).toHaveLength(starterFails.length);
    const at = (id: string) => annotations.find((line) => line.startsWith(`::error title=${id}%3A`));
    expect(at('composer-install-in-builder')).toContain('file=Dockerfile,line=15,');
    expect(at('no-composer-copied')).toContain('file=Dockerfile,line=10,');
    expect(at('healthcheck-declared')).toContain('file=Dockerfile,line=4,');
    expect(await readFile(path.join(out, 'summary.md'), 'utf8')).toContain('**Not yet**');

    // SARIF: valid, and located where the cause is written.
    const Ajv4 = require('ajv-draft-04');
    const addFormats = require('ajv-formats');
    const ajv = new Ajv4({ allErrors: true, strict: false, unicodeRegExp: false });
    addFormats(ajv);
    const validate = ajv.compile(JSON.parse(await readFile(path.join(ROOT, 'test', 'fixtures', 'schemas', 'sarif-2.1.0-rtm.5.json'), 'utf8')));
    const sarif = JSON.parse(await readFile(outputs.sarif!, 'utf8'));
    expect(validate(sarif), JSON.stringify(validate.errors)).toBe(true);
    const lines = Object.fromEntries(
      sarif.runs[0].results.map((result: any) => [result.ruleId, `${result.locations[0].physicalLocation.artifactLocation.uri}:${result.locations[0].physicalLocation.region.startLine}`]),
    );
    expect(Object.keys(lines).sort()).toEqual([...starterFails].sort());
    expect(lines).toMatchObject({
      'multi-stage': 'Dockerfile:4',
      'composer-install-in-builder': 'Dockerfile:15',
      'no-composer-copied': 'Dockerfile:10',
      'composer-absent': 'Dockerfile:10',
      'size-over-base': 'Dockerfile:7',
      'healthcheck-declared': 'Dockerfile:4',
      'container-healthy': 'Dockerfile:4',
    });
    const provenance = sarif.runs[0].invocations[0].properties.provenance;
    expect(provenance.engine.storageDriver).toBeTruthy();
    expect(provenance.baseImages.map((image: { ref: string }) => image.ref).sort()).toEqual(['composer:2', 'php:8.2-fpm-alpine']);
    expect(provenance.baseImages.every((image: { id: string | null }) => image.id?.startsWith('sha256:'))).toBe(true);

    const junit = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '' }).parse(await readFile(path.join(out, 'junit.xml'), 'utf8'));
    expect(Number(junit.testsuites.testsuite.failures)).toBe(starterFails.length);
    expect(await labelledObjects()).toEqual({ containers: 0, images: 0 });
  });

  it('Gradescope: run_autograder grades the starter submission into a valid results.json', async () => {
    const submission = path.join(scratch, 'submission');
    await cp(path.join(PACK, 'starter'), submission, { recursive: true });
    const results = path.join(scratch, 'gradescope', 'results.json');
    const run = await bash(await readFile(path.join(clone, 'gradescope', 'run_autograder'), 'utf8'), {
      SOURCE: path.join(clone, 'gradescope'),
      SUBMISSION: submission,
      RESULTS: results,
    });
    expect(run.exitCode, run.all).toBe(0);
    const parsed = GradescopeResultSchema.parse(JSON.parse(await readFile(results, 'utf8')));
    expect(parsed.tests!.filter((test) => test.status === 'failed').map((test) => test.name!.split(':')[0]).sort()).toEqual([...starterFails].sort());
    expect(parsed.score).toBeLessThan(parsed.tests!.reduce((sum, test) => sum + (test.max_score ?? 0), 0));
  });

  it('GitLab and Classroom 50: with the solution copied in, the same commands pass', async () => {
    await cp(path.join(PACK, 'solution'), clone, { recursive: true, force: true });
    const gitlab = parse(await readFile(path.join(clone, '.gitlab-ci.yml'), 'utf8'));
    const job = gitlab['shipshape-root'];
    const script = (gitlab['.shipshape'].script as string[]).filter((line) => !line.startsWith('npm install')).join('\n');
    const run = await bash(script, job.variables);
    expect(run.exitCode, run.all).toBe(0);
    const junit = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '' }).parse(await readFile(path.join(clone, job.artifacts.reports.junit), 'utf8'));
    expect(junit.testsuites.testsuite.failures).toBe('0');

    const classroom = await execa('python3', [path.join(clone, 'classroom50', 'autograder.py')], {
      cwd: clone,
      env: { ...env, SHIPSHAPE_BIN: 'shipshape', CLASSROOM: 'cs-docker', ASSIGNMENT: ID, SUBMISSION_TAG: 'submit/2026-12-01T10-00-00Z-abc1234', OWNER: 'alice' },
      reject: false,
      all: true,
    });
    expect(classroom.exitCode, classroom.all).toBe(0);
    const result = Classroom50ResultSchema.parse(JSON.parse(await readFile(path.join(clone, 'result.json'), 'utf8')));
    expect(result.score).toBe(result['max-score']);
    expect(result.tests.every((test) => test.passed)).toBe(true);
    expect(await labelledObjects()).toEqual({ containers: 0, images: 0 });
  });
});
