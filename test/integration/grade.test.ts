import { cp, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { parse as parseCsv } from 'csv-parse/sync';
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import Docker from 'dockerode';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { submissionHash } from '../../src/grading/batch.js';
import { BatchResultSchema, ClassroomBatchSchema } from '../../src/grading/batch-report.js';
import { ROOT, shipshape } from '../support/cli.js';
import { labelledObjects, requireEngine, requireImages, waitFor } from '../support/engine.js';
import { describeNeeding, needs } from '../support/needs.js';

const ID = 'docker-missing-multistage';
const PACK = path.join(ROOT, 'challenges', ID);
// Long enough for the starter's build on a busy 2-core machine, shorter than the hang's own 60 s runtime wait.
const TIMEOUT = '50';

describeNeeding(needs.engine)('challenge:grade on the engine', { timeout: 600_000 }, () => {
  let scratch: string;
  let submissions: string;
  let env: Record<string, string>;
  const hashes = new Map<string, string>();

  beforeAll(async () => {
    requireEngine();
    requireImages('composer:2', 'php:8.2-fpm-alpine');
    scratch = await mkdtemp(path.join(os.tmpdir(), 'shipshape-grade-it-'));
    submissions = path.join(scratch, 'submissions');
    env = { XDG_CACHE_HOME: path.join(scratch, 'cache') };
    await cp(path.join(PACK, 'solution'), path.join(submissions, 'alice'), { recursive: true });
    await cp(path.join(PACK, 'starter'), path.join(submissions, 'bob'), { recursive: true });
    // A RUN step that fails.
    await cp(path.join(PACK, 'solution'), path.join(submissions, 'carol'), { recursive: true });
    const carol = path.join(submissions, 'carol', 'Dockerfile');
    await writeFile(carol, (await readFile(carol, 'utf8')).replace('WORKDIR /app\n', 'WORKDIR /app\nRUN echo "about to fail" && exit 3\n'));
    // A container whose health probe never returns: only the per-submission limit ends it.
    await cp(path.join(PACK, 'solution'), path.join(submissions, 'dave'), { recursive: true });
    const dave = path.join(submissions, 'dave', 'Dockerfile');
    await writeFile(dave, (await readFile(dave, 'utf8')).replace(/^HEALTHCHECK .*$/m, 'HEALTHCHECK --interval=1s --timeout=600s CMD ["sleep", "3600"]'));
    for (const name of await readdir(submissions)) hashes.set(name, await submissionHash(path.join(submissions, name)));
  });

  afterAll(async () => {
    if (scratch) await rm(scratch, { recursive: true, force: true });
  });

  it('grades a batch: pass, fail, failing RUN and a hang each get their status; json validates; nothing is left on the engine', async () => {
    const output = path.join(scratch, 'results.json');
    const result = await shipshape(
      ['challenge:grade', submissions, '--challenge', ID, '--concurrency', '2', '--timeout', TIMEOUT, '--format', 'json', '--output', output, '--plain'],
      { env },
    );
    expect(result.exitCode, result.all).toBe(1);
    const report = BatchResultSchema.parse(JSON.parse(await readFile(output, 'utf8')));
    const byName = Object.fromEntries(report.submissions.map((s) => [s.name, s]));
    expect(Object.keys(byName)).toEqual(['alice', 'bob', 'carol', 'dave']);
    expect(byName.alice!.status, byName.alice!.message ?? '').toBe('pass');
    expect(byName.alice!.score.points).toBe(byName.alice!.score.maxPoints);
    expect(byName.bob!.status).toBe('fail');
    expect(byName.bob!.checks.find((c) => c.id === 'multi-stage')!.status).toBe('fail');
    expect(byName.carol!.status).toBe('fail');
    const build = byName.carol!.checks.find((c) => c.id === 'build')!;
    expect(build.status).toBe('fail');
    // BuildKit (the default): "exit code: 3"; the classic builder: "returned a non-zero code: 3".
    expect(build.message).toMatch(/exit code: 3$|returned a non-zero code: 3$/);
    expect(byName.dave!.status).toBe('timeout');
    expect(byName.dave!.phase).toBe('runtime');
    expect(byName.dave!.message).toContain(`within ${TIMEOUT} s`);
    // What ran before the limit keeps its verdict.
    expect(byName.dave!.checks.find((c) => c.id === 'build')!.status).toBe('pass');
    expect(byName.dave!.checks.find((c) => c.id === 'container-healthy')!.status).toBe('skip');
    expect(report.counts).toMatchObject({ total: 4, pass: 1, fail: 2, timeout: 1, error: 0, cached: 0 });
    for (const s of report.submissions) expect(s.cached).toBe(false);
    expect(report.cleanup.errors).toEqual([]);
    // Progress on stderr, the table on stdout.
    expect(result.stderr).toMatch(/\[4\/4\] /);
    expect(result.stdout).toMatch(/^SUBMISSION\s+STATUS/m);
    expect(result.stdout).toMatch(/^dave\s+TIMEOUT/m);
    expect(await labelledObjects()).toEqual({ containers: 0, images: 0 });
  });

  it('never writes into the submissions', async () => {
    for (const [name, hash] of hashes) expect(await submissionHash(path.join(submissions, name)), name).toBe(hash);
    for (const name of hashes.keys()) expect(await readdir(path.join(submissions, name))).not.toContain('.shipshape');
  });

  it('resumes: an unchanged batch is answered from the cache in junit, csv and classroom without building', async () => {
    const junit = await shipshape(['challenge:grade', submissions, '--challenge', ID, '--timeout', TIMEOUT, '--format', 'junit'], { env });
    expect(junit.exitCode, junit.stderr).toBe(1);
    expect(junit.stderr).toContain('4 unchanged, from the cache');
    expect(XMLValidator.validate(junit.stdout)).toBe(true);
    const doc = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '' }).parse(junit.stdout);
    expect(doc.testsuites.testsuite).toHaveLength(4);
    // 13 checks each, plus the dave's `grading` error case.
    expect(Number(doc.testsuites.tests)).toBe(4 * 13 + 1);
    expect(Number(doc.testsuites.errors)).toBe(1);

    const csv = await shipshape(['challenge:grade', submissions, '--challenge', ID, '--timeout', TIMEOUT, '--format', 'csv'], { env });
    const rows = parseCsv(csv.stdout, { columns: true }) as Array<Record<string, string>>;
    expect(rows.map((row) => [row.submission, row.status, row.cached])).toEqual([
      ['alice', 'pass', 'yes'],
      ['bob', 'fail', 'yes'],
      ['carol', 'fail', 'yes'],
      ['dave', 'timeout', 'yes'],
    ]);

    const classroom = await shipshape(['challenge:grade', submissions, '--challenge', ID, '--timeout', TIMEOUT, '--format', 'classroom'], { env });
    const parsed = ClassroomBatchSchema.parse(JSON.parse(classroom.stdout));
    expect(Object.fromEntries(Object.entries(parsed).map(([name, r]) => [name, r.status]))).toEqual({ alice: 'pass', bob: 'fail', carol: 'fail', dave: 'error' });
    expect(parsed.alice!.max_score).toBe(100);
    expect(await labelledObjects()).toEqual({ containers: 0, images: 0 });
  });

  it('grades again only the submission that changed', async () => {
    const dockerfile = path.join(submissions, 'carol', 'Dockerfile');
    await writeFile(dockerfile, (await readFile(dockerfile, 'utf8')).replace('RUN echo "about to fail" && exit 3\n', ''));
    const result = await shipshape(['challenge:grade', submissions, '--challenge', ID, '--timeout', TIMEOUT, '--json'], { env });
    const report = BatchResultSchema.parse(JSON.parse(result.stdout));
    expect(report.submissions.map((s) => [s.name, s.status, s.cached])).toEqual([
      ['alice', 'pass', true],
      ['bob', 'fail', true],
      ['carol', 'pass', false],
      ['dave', 'timeout', true],
    ]);
    expect(await labelledObjects()).toEqual({ containers: 0, images: 0 });
  });
});

describeNeeding(needs.engine)('challenge:grade interrupted', { timeout: 600_000 }, () => {
  it('on Ctrl-C cancels what is in flight, removes it, keeps the finished verdicts and exits 130; the next run resumes from them', async () => {
    requireEngine();
    requireImages('composer:2', 'php:8.2-fpm-alpine');
    const scratch = await mkdtemp(path.join(os.tmpdir(), 'shipshape-grade-int-'));
    try {
      const submissions = path.join(scratch, 'submissions');
      const env = { NO_COLOR: '1', XDG_CACHE_HOME: path.join(scratch, 'cache') };
      // Graded in name order, one at a time: `done` finishes first, then the starter's build runs for
      // a while and the interrupt lands during it.
      await cp(path.join(PACK, 'solution'), path.join(submissions, 'done'), { recursive: true });
      await cp(path.join(PACK, 'starter'), path.join(submissions, 'slow'), { recursive: true });
      const state = path.join(scratch, 'state.json');
      const args = ['challenge:grade', submissions, '--challenge', ID, '--state', state, '--concurrency', '1'];
      // The classic builder: its RUN steps are containers this test can see start (BuildKit's are not;
      // Ctrl-C during a BuildKit build is proven in clean-and-interrupt.test.ts).
      const child = execa(process.execPath, [path.join(ROOT, 'bin', 'run.js'), ...args, '--plain', '--builder', 'classic'], { reject: false, env });
      let stderr = '';
      child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
      await waitFor('the second submission to start', async () => stderr.includes('slow: grading on'), 300_000);
      await waitFor('a build step of the second to run', async () => (await labelledOrStepContainers()) > 0, 120_000);
      child.kill('SIGINT');
      const result = await child;
      expect(result.exitCode, stderr).toBe(130);
      expect(stderr).toContain('Cancelled; everything this run created was removed.');
      expect(stderr).not.toMatch(/\n\s+at .+:\d+:\d+/);
      expect(await labelledObjects()).toEqual({ containers: 0, images: 0 });

      // The state file was written (no default stands in for it): the finished verdict is in it, the cancelled one is not.
      const saved = JSON.parse(await readFile(state, 'utf8')) as { challenge: string; entries: Record<string, { key: string; outcome: { status: string; name: string } }> };
      expect(saved.challenge).toBe(ID);
      expect(Object.keys(saved.entries)).toEqual(['done']);
      expect(saved.entries.done!.outcome).toMatchObject({ name: 'done', status: 'pass' });
      expect(saved.entries.done!.key.startsWith(`${await submissionHash(path.join(submissions, 'done'))}:`)).toBe(true);

      // The next run takes `done` from the state file without grading it, and grades only the other
      // (made a quick one here, so the resume does not rebuild the starter).
      await rm(path.join(submissions, 'slow'), { recursive: true });
      await cp(path.join(PACK, 'solution'), path.join(submissions, 'slow'), { recursive: true });
      const resumed = await shipshape([...args, '--json'], { env });
      expect(resumed.exitCode, resumed.all).toBe(0);
      expect(resumed.stderr).toContain('[1/2] done PASS 100/100 (unchanged, from the cache)');
      const report = BatchResultSchema.parse(JSON.parse(resumed.stdout));
      expect(report.submissions.map((s) => [s.name, s.status, s.cached])).toEqual([
        ['done', 'pass', true],
        ['slow', 'pass', false],
      ]);
      expect(report.counts).toMatchObject({ total: 2, pass: 2, cached: 1 });
      expect(Object.keys((JSON.parse(await readFile(state, 'utf8')) as { entries: object }).entries).sort()).toEqual(['done', 'slow']);
      expect(await labelledObjects()).toEqual({ containers: 0, images: 0 });
    } finally {
      await rm(scratch, { recursive: true, force: true });
    }
  });
});

/** Build step containers of the starter (unlabelled by the classic builder) or labelled ones of ours. */
async function labelledOrStepContainers(): Promise<number> {
  const containers = await new Docker().listContainers({ all: true });
  return containers.filter((container) => container.Command.includes('apk add')).length;
}

describe('challenge:grade bad input', () => {
  it('a missing submissions directory, an unknown challenge, a bad --docker-host: one message, exit 2', async () => {
    const scratch = await mkdtemp(path.join(os.tmpdir(), 'shipshape-grade-bad-'));
    try {
      const missing = await shipshape(['challenge:grade', path.join(scratch, 'nope'), '--challenge', ID]);
      expect(missing.exitCode).toBe(2);
      expect(missing.stderr).toContain('No submissions directory at');
      await cp(path.join(PACK, 'solution'), path.join(scratch, 'subs', 'x'), { recursive: true });
      const unknown = await shipshape(['challenge:grade', path.join(scratch, 'subs'), '--challenge', 'no-such-challenge']);
      expect(unknown.exitCode).toBe(2);
      expect(unknown.stderr).toContain('Unknown challenge "no-such-challenge"');
      const host = await shipshape(['challenge:grade', path.join(scratch, 'subs'), '--challenge', ID, '--docker-host', 'foo://x']);
      expect(host.exitCode).toBe(2);
      expect(host.stderr).toContain('Cannot use the Docker host "foo://x"');
      const inside = await shipshape(['challenge:grade', path.join(scratch, 'subs'), '--challenge', ID, '--output', path.join(scratch, 'subs', 'x', 'out.json')]);
      expect(inside.exitCode).toBe(2);
      expect(inside.stderr).toContain('inside the submissions directory');
      for (const r of [missing, unknown, host, inside]) expect(r.all).not.toMatch(/\n\s+at .+:\d+:\d+/);
    } finally {
      await rm(scratch, { recursive: true, force: true });
    }
  });
});
