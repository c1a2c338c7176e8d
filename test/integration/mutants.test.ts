import { cp, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { MutantsResult } from '../../src/grading/mutants/run.js';
import type { Recording } from '../../src/grading/recording.js';
import { ROOT, shipshape } from '../support/cli.js';
import { labelledObjects, requireEngine, requireImages } from '../support/engine.js';
import { describeNeeding, needs } from '../support/needs.js';

interface TestReport {
  passed: boolean;
  challenges: Array<{ challenge: string; passed: boolean; mismatches: string[]; recording: { state: string; diff?: string }; mutants?: MutantsResult }>;
}

/**
 * Two small packs made from the challenge:new template (debian:bookworm-slim, a HEALTHCHECK to add):
 * - mutants-weak grades only that a container becomes healthy, so a trivial `CMD true` passes: a survivor;
 * - mutants-strong keeps the template's static HEALTHCHECK check (catches both generated mutants before any
 *   build) and a hand-written wrong solution that only the runtime check catches.
 */
async function writePacks(root: string): Promise<void> {
  const template = path.join(ROOT, 'templates', 'dockerfile');
  const weak = path.join(root, 'mutants-weak');
  const strong = path.join(root, 'mutants-strong');
  await cp(template, weak, { recursive: true });
  await cp(template, strong, { recursive: true });
  const manifest = await readFile(path.join(template, 'manifest.yaml'), 'utf8');
  await writeFile(
    path.join(weak, 'manifest.yaml'),
    `${manifest.slice(0, manifest.indexOf('starterFails:')).replace(/^id: .*$/m, 'id: mutants-weak')}starterFails:
  - container-healthy
checks:
  - id: build
    kind: build.succeeds
    title: The image builds
    hint: Read the failing step's output.
  - id: container-healthy
    kind: runtime.healthy
    title: A container from the image becomes healthy
    with: { timeoutSeconds: 30, probeIntervalSeconds: 1 }
    hint: Add a HEALTHCHECK.
`,
  );
  await writeFile(path.join(strong, 'manifest.yaml'), manifest.replace(/^id: .*$/m, 'id: mutants-strong').replace('with: { timeoutSeconds: 30 }', 'with: { timeoutSeconds: 30, probeIntervalSeconds: 1 }'));
  const solution = await readFile(path.join(template, 'solution', 'Dockerfile'), 'utf8');
  await mkdir(path.join(strong, 'mutants', 'missing-script'), { recursive: true });
  await writeFile(path.join(strong, 'mutants', 'missing-script', 'Dockerfile'), solution.replace('/app/healthcheck.sh', '/app/no-such-check.sh'));
}

describeNeeding(needs.engine)('challenge:test --mutants and --record', { timeout: 900_000 }, () => {
  let scratch: string;
  let packs: string;
  let env: Record<string, string>;

  beforeAll(async () => {
    requireEngine();
    requireImages('debian:bookworm-slim');
    scratch = await mkdtemp(path.join(os.tmpdir(), 'shipshape-mutants-it-'));
    packs = path.join(scratch, 'packs');
    await writePacks(packs);
    await mkdir(path.join(scratch, 'tmp'));
    env = { XDG_CACHE_HOME: path.join(scratch, 'cache'), TMPDIR: path.join(scratch, 'tmp') };
  });

  afterAll(async () => {
    if (scratch) await rm(scratch, { recursive: true, force: true });
  });

  it('reports a mutant that survives a weak check with its diff and exits 1; a static check kills the others before any build', async () => {
    const plain = await shipshape(['challenge:test', '--pack', packs, 'mutants-weak', '--mutants'], { env });
    expect(plain.exitCode, plain.all).toBe(1);
    expect(plain.stdout).toContain('✖ SURVIVED [2/2] HEALTHCHECK made trivial (CMD true) (dockerfile.trivial-healthcheck)');
    expect(plain.stdout).toContain('-HEALTHCHECK --interval=10s --timeout=2s CMD ["/bin/sh", "/app/healthcheck.sh"]');
    expect(plain.stdout).toContain('+HEALTHCHECK --interval=1s --timeout=3s CMD true');
    expect(plain.stdout).toContain('✖ mutants-weak: 1 surviving mutant(s)');

    const result = await shipshape(['challenge:test', '--pack', packs, 'mutants-weak', 'mutants-strong', '--mutants', '--json'], { env });
    expect(result.exitCode, result.all).toBe(1);
    const report = JSON.parse(result.stdout) as TestReport;
    const [weak, strong] = report.challenges;
    expect(weak!.mismatches).toEqual([]);
    expect(weak!.mutants!.mutants.map((mutant) => [mutant.source, mutant.status, mutant.killedBy?.id ?? null])).toEqual([
      ['dockerfile.drop-healthcheck', 'killed', 'container-healthy'],
      ['dockerfile.trivial-healthcheck', 'survived', null],
    ]);
    expect(weak!.mutants!.survivors[0]!.diff).toMatch(/^--- a\/Dockerfile\n\+\+\+ b\/Dockerfile\n@@ /);
    // The runtime check needed a build: the weak pack's killed mutant was built.
    expect(weak!.mutants!.mutants[0]!.built).toBe(true);

    expect(strong!.passed).toBe(true);
    expect(strong!.mutants!.mutants.map((mutant) => [mutant.source, mutant.killedBy?.id, mutant.killedBy?.phase, mutant.built])).toEqual([
      ['dockerfile.drop-healthcheck', 'healthcheck-declared', 'static', false],
      ['dockerfile.trivial-healthcheck', 'healthcheck-declared', 'static', false],
      ['mutants/missing-script', 'container-healthy', 'runtime', true],
    ]);
    expect(report.passed).toBe(false);
    expect(await labelledObjects()).toEqual({ containers: 0, images: 0 });
  });

  it('records the scorecards, matches them on the next run, and shows a diff and exits 1 when a message changes', async () => {
    const recorded = await shipshape(['challenge:test', '--pack', packs, 'mutants-strong', '--record'], { env });
    expect(recorded.exitCode, recorded.all).toBe(0);
    const file = path.join(packs, 'mutants-strong', 'recording.json');
    expect(recorded.stdout).toContain(`recorded the scorecards in ${file}`);
    const recording = JSON.parse(await readFile(file, 'utf8')) as Recording;
    expect(recording.starter.map((check) => `${check.id}:${check.status}`)).toEqual(['healthcheck-declared:fail', 'build:pass', 'container-healthy:fail']);
    expect(recording.solution.every((check) => check.status === 'pass')).toBe(true);

    const again = await shipshape(['challenge:test', '--pack', packs, 'mutants-strong', '--json'], { env });
    expect(again.exitCode, again.all).toBe(0);
    expect((JSON.parse(again.stdout) as TestReport).challenges[0]!.recording).toEqual({ state: 'matches' });

    // As if the check's wording had changed since the recording: the recorded message is an older one.
    const healthy = recording.solution.find((check) => check.id === 'container-healthy')!;
    const current = healthy.message;
    healthy.message = 'an older wording of the verdict';
    await writeFile(file, JSON.stringify(recording, null, 2));
    const changed = await shipshape(['challenge:test', '--pack', packs, 'mutants-strong'], { env });
    expect(changed.exitCode, changed.all).toBe(1);
    expect(changed.stdout).toContain('✖ the scorecards differ from recording.json');
    expect(changed.stdout).toContain('-      "message": "an older wording of the verdict"');
    expect(changed.stdout).toContain(`+      "message": ${JSON.stringify(current)}`);
    expect(changed.stdout).toContain('✖ mutants-strong: scorecards differ from the recording');
    expect(await labelledObjects()).toEqual({ containers: 0, images: 0 });
  });
});

/**
 * The whole course on the default engine (Docker 20.10 in CI): every challenge proven, its verdicts equal to its
 * recording.json, and every mutant of every solution killed. One engine only: the mutants add about as much
 * time again as the proofs, and the 28.5 legs already prove the course and compare its recordings
 * (test/matrix/current-engines.test.ts).
 */
describeNeeding(needs.engine)('the built-in challenges: no surviving mutant, every recording matched', { timeout: 3_600_000 }, () => {
  let scratch: string;

  beforeAll(async () => {
    requireEngine();
    scratch = await mkdtemp(path.join(os.tmpdir(), 'shipshape-mutants-all-'));
    await mkdir(path.join(scratch, 'tmp'));
  });

  afterAll(async () => {
    if (scratch) await rm(scratch, { recursive: true, force: true });
  });

  it('challenge:test --all --mutants kills every mutant and matches every recording', async () => {
    const result = await shipshape(['challenge:test', '--all', '--mutants', '--json'], {
      env: { XDG_CACHE_HOME: path.join(scratch, 'cache'), TMPDIR: path.join(scratch, 'tmp') },
      timeoutMs: 3_300_000,
    });
    let report: TestReport;
    try {
      report = JSON.parse(result.stdout) as TestReport;
    } catch {
      throw new Error(`challenge:test printed no JSON (exit ${result.exitCode}):\n${result.all.slice(-4000)}`);
    }
    expect(report.challenges.length).toBeGreaterThanOrEqual(13);
    expect(report.challenges.flatMap((proof) => proof.mismatches.map((mismatch) => `${proof.challenge}: ${mismatch}`))).toEqual([]);
    const survivors = report.challenges.flatMap((proof) => proof.mutants!.survivors.map((mutant) => `${proof.challenge}: ${mutant.label}\n${mutant.diff}`));
    expect(survivors).toEqual([]);
    // A pack added without its recording fails here: `challenge:test <id> --record` on Docker 20.10 writes it.
    expect(report.challenges.filter((proof) => proof.recording.state !== 'matches').map((proof) => `${proof.challenge}: ${proof.recording.state}\n${proof.recording.diff ?? ''}`)).toEqual([]);
    const mutants = report.challenges.flatMap((proof) => proof.mutants!.mutants);
    expect(mutants.length).toBeGreaterThanOrEqual(20);
    // Killed by a check, not only by the grader refusing the files.
    expect(mutants.filter((mutant) => !mutant.killedBy).map((mutant) => `${mutant.label}: ${mutant.rejected}`)).toEqual([]);
    expect(result.exitCode, result.all.slice(-2000)).toBe(0);
    expect(await labelledObjects()).toEqual({ containers: 0, images: 0 });
  });
});
