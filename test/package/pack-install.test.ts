import { mkdtemp, readdir, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT } from '../support/cli.js';

/**
 * The package as a user gets it: `npm pack` of this checkout (after the pretest's build), installed
 * globally into a temporary prefix, then the installed `shipshape` run from an unrelated directory.
 * It catches files missing from package.json's `files`, a broken bin link, and code that reads
 * from the source tree instead of the package.
 */
describe('the npm package', { timeout: 300_000 }, () => {
  let scratch: string;
  let bin: string;

  beforeAll(async () => {
    scratch = await mkdtemp(path.join(os.tmpdir(), 'shipshape-pack-'));
    const packed = await execa('npm', ['pack', '--pack-destination', scratch, '--silent'], { cwd: ROOT });
    const tarball = path.join(scratch, packed.stdout.trim().split('\n').at(-1)!);
    const prefix = path.join(scratch, 'prefix');
    await execa('npm', ['install', '--global', '--prefix', prefix, '--prefer-offline', '--no-audit', '--no-fund', tarball], { cwd: scratch });
    bin = path.join(prefix, 'bin', 'shipshape');
  });
  afterAll(async () => {
    if (scratch) await rm(scratch, { recursive: true, force: true });
  });

  it('installs with a working bin that lists the challenges and lessons from the package', async () => {
    const home = path.join(scratch, 'home');
    const env = { HOME: home, XDG_CACHE_HOME: path.join(home, '.cache'), NO_COLOR: '1', SHIPSHAPE_CACHE_DIR: path.join(home, 'cache') };
    const version = await execa(bin, ['--version'], { cwd: scratch, env, reject: false });
    expect(version.exitCode, version.stderr).toBe(0);
    expect(version.stdout).toMatch(/^shipshape\/\d+\.\d+\.\d+/);

    const list = await execa(bin, ['challenge:list', '--json'], { cwd: scratch, env, reject: false });
    expect(list.exitCode, list.stderr).toBe(0);
    const rows = (JSON.parse(list.stdout) as { challenges: Array<{ id: string }> }).challenges;
    const packs = (await readdir(path.join(ROOT, 'challenges'), { withFileTypes: true })).filter((entry) => entry.isDirectory()).map((entry) => entry.name);
    expect(rows.map((row) => row.id).sort()).toEqual(packs.sort());

    const lessons = await execa(bin, ['lesson:list'], { cwd: scratch, env, reject: false });
    expect(lessons.exitCode, lessons.stderr).toBe(0);
    expect(lessons.stdout).toContain('docker-production');

    const start = await execa(bin, ['challenge:start', 'docker-missing-multistage', '--dir', path.join(scratch, 'work')], { cwd: scratch, env, reject: false });
    expect(start.exitCode, start.all ?? start.stderr).toBe(0);
    expect((await readdir(path.join(scratch, 'work'))).sort()).toContain('Dockerfile');
  });
});
