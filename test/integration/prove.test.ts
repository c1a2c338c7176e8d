import { cp, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ProveResult } from '../../src/grading/prove.js';
import { ROOT, shipshape } from '../support/cli.js';
import { labelledObjects, requireEngine, requireImages } from '../support/engine.js';
import { describeNeeding, needs } from '../support/needs.js';

const ID = 'docker-missing-multistage';

/** The prove scratch directories left in `tmp` (the CLI's own TMPDIR: others on the machine prove challenges too). */
async function proveTemps(tmp: string): Promise<string[]> {
  return (await readdir(tmp)).filter((name) => name.startsWith('shipshape-prove-'));
}

describeNeeding(needs.engine)('challenge:test proves challenges on the engine', { timeout: 600_000 }, () => {
  let scratch: string;
  let env: Record<string, string>;
  let tmp: string;

  beforeAll(async () => {
    requireEngine();
    requireImages('composer:2', 'php:8.2-fpm-alpine', 'debian:bookworm-slim');
    scratch = await mkdtemp(path.join(os.tmpdir(), 'shipshape-prove-it-'));
    tmp = path.join(scratch, 'tmp');
    await mkdir(tmp);
    env = { XDG_CACHE_HOME: path.join(scratch, 'cache'), TMPDIR: tmp };
  });

  afterAll(async () => {
    if (scratch) await rm(scratch, { recursive: true, force: true });
  });

  it('proves the seed challenge: starter fails exactly starterFails, solution passes everything', async () => {
    const result = await shipshape(['challenge:test', ID, '--json'], { env });
    expect(result.exitCode, result.all).toBe(0);
    const report = JSON.parse(result.stdout) as { passed: boolean; challenges: ProveResult[] };
    expect(report.passed).toBe(true);
    const [proof] = report.challenges;
    expect(proof!.mismatches).toEqual([]);
    expect(proof!.rows.every((row) => row.ok && row.exercised && row.solution === 'pass')).toBe(true);
    // Each expected starter failure really failed (a skip would prove nothing); every other check passed.
    const expectedFails = proof!.rows.filter((row) => row.starterExpected === 'fail');
    expect(expectedFails.length).toBeGreaterThan(0);
    expect(expectedFails.filter((row) => row.starter !== 'fail').map((row) => `${row.id}: ${row.starter}`)).toEqual([]);
    expect(proof!.rows.filter((row) => row.starterExpected === 'pass').every((row) => row.starter === 'pass')).toBe(true);
    expect(proof!.rows.find((row) => row.id === 'multi-stage')).toMatchObject({ starterExpected: 'fail', starter: 'fail' });
    expect(proof!.rows.find((row) => row.id === 'final-from-php-fpm')).toMatchObject({ starterExpected: 'pass', starter: 'pass' });
    expect(await labelledObjects()).toEqual({ containers: 0, images: 0 });
    expect(await proveTemps(tmp)).toEqual([]);
  });

  it('reports a pack whose starterFails misses a failing check, and exits 1', async () => {
    const root = path.join(scratch, 'packs');
    const dir = path.join(root, 'wrong');
    await cp(path.join(ROOT, 'challenges', ID), dir, { recursive: true });
    const manifestPath = path.join(dir, 'manifest.yaml');
    const text = await readFile(manifestPath, 'utf8');
    await writeFile(manifestPath, text.replace(/^id: .*$/m, 'id: wrong-starter-fails').replace('  - healthcheck-declared\n  - size-over-base', '  - size-over-base'));
    const result = await shipshape(['challenge:test', '--pack', root, 'wrong-starter-fails'], { env });
    expect(result.exitCode, result.all).toBe(1);
    expect(result.stdout).toMatch(/healthcheck-declared\s+pass\/fail\s+pass\s+yes\s+MISMATCH/);
    expect(result.stdout).toContain('✖ healthcheck-declared: starter: expected to pass but got fail');
    expect(result.stdout).toContain('✖ wrong-starter-fails: 1 mismatch(es)');
    expect(await labelledObjects()).toEqual({ containers: 0, images: 0 });
    expect(await proveTemps(tmp)).toEqual([]);
  });

  it('a challenge scaffolded by challenge:new validates and proves', async () => {
    const cwd = path.join(scratch, 'author');
    await cp(path.join(ROOT, 'templates', 'README.md'), path.join(cwd, 'README.md'));
    const created = await shipshape(['challenge:new', 'heartbeat-check'], { cwd });
    expect(created.exitCode, created.all).toBe(0);
    const valid = await shipshape(['challenge:validate', path.join(cwd, 'challenges', 'heartbeat-check')]);
    expect(valid.exitCode, valid.all).toBe(0);
    const proved = await shipshape(['challenge:test', '--pack', path.join(cwd, 'challenges'), 'heartbeat-check'], { env, cwd });
    expect(proved.exitCode, proved.all).toBe(0);
    expect(proved.stdout).toMatch(/container-healthy\s+fail\/fail\s+pass\s+yes\s+ok/);
    expect(proved.stdout).toContain('✔ heartbeat-check proven');
    expect(await labelledObjects()).toEqual({ containers: 0, images: 0 });
  });

  it('asks for ids or --all without touching the engine', async () => {
    const result = await shipshape(['challenge:test']);
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toContain('Name the challenges to prove, or pass --all.');
  });
});
