import { cp, mkdir, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { findPack, loadPack } from '../../src/course/packs.js';
import { listFiles } from '../../src/workspace/files.js';
import { resetChallenge, stopChallenge } from '../../src/workspace/lifecycle.js';
import { acquireWorkspaceLock } from '../../src/workspace/lock.js';
import { startChallenge } from '../../src/workspace/workspace.js';
import { ROOT } from '../support/cli.js';

let scratch: string;
beforeEach(async () => {
  scratch = await mkdtemp(path.join(os.tmpdir(), 'shipshape-life-'));
});
afterEach(async () => {
  await rm(scratch, { recursive: true, force: true });
});

const pack = () => findPack('docker-missing-multistage');
const starterDir = path.join(ROOT, 'challenges', 'docker-missing-multistage', 'starter');
const userFiles = async (dir: string) => (await listFiles(dir)).filter((file) => !file.startsWith('.shipshape/'));

describe('challenge:stop', () => {
  it('puts back what was there before the start: overwritten files restored, changed ones backed up, unchanged ones removed', async () => {
    const dir = path.join(scratch, 'ws');
    await mkdir(dir);
    await writeFile(path.join(dir, 'Dockerfile'), 'FROM my-own-project\n');
    await writeFile(path.join(dir, 'notes.txt'), 'mine from before');
    await startChallenge(await pack(), dir, { force: true });
    // The learner works: edits a starter file and adds one of their own.
    await writeFile(path.join(dir, 'composer.json'), '{"edited": true}\n');
    await writeFile(path.join(dir, 'scratch.txt'), 'added during the challenge');

    const result = await stopChallenge(dir);
    expect(result.restored).toEqual(['Dockerfile']);
    expect(result.backedUp).toEqual(['composer.json']);
    expect(result.removed).toContain('healthcheck.php');
    expect(result.leftInPlace).toEqual(['scratch.txt']);
    expect(await readFile(path.join(dir, 'Dockerfile'), 'utf8')).toBe('FROM my-own-project\n');
    expect(await readFile(path.join(dir, 'notes.txt'), 'utf8')).toBe('mine from before');
    expect(await readFile(path.join(result.backupDir!, 'composer.json'), 'utf8')).toBe('{"edited": true}\n');
    // The Dockerfile the start had written over was also unchanged, so it was removed before the restore.
    expect(await userFiles(dir)).toEqual(['Dockerfile', 'notes.txt', 'scratch.txt']);
    const state = await readdir(path.join(dir, '.shipshape'));
    expect(state).not.toContain('challenge.json');
    expect(state).not.toContain('recovery.json');
  });

  it('an original whose backup was deleted is reported as lost, not invented', async () => {
    const dir = path.join(scratch, 'ws');
    await mkdir(dir);
    await writeFile(path.join(dir, 'Dockerfile'), 'FROM original\n');
    const started = await startChallenge(await pack(), dir, { force: true });
    await rm(started.backupDir!, { recursive: true });
    const result = await stopChallenge(dir);
    expect(result).toMatchObject({ restored: [], lost: ['Dockerfile'] });
  });

  it('a fresh directory is left empty again, with no state directory', async () => {
    const dir = path.join(scratch, 'fresh');
    await startChallenge(await pack(), dir);
    await stopChallenge(dir);
    expect(await readdir(dir)).toEqual([]);
  });

  it('a restart of the same challenge keeps the record of the first start', async () => {
    const dir = path.join(scratch, 'ws');
    await mkdir(dir);
    await writeFile(path.join(dir, 'notes.txt'), 'before');
    await startChallenge(await pack(), dir);
    await startChallenge(await pack(), dir);
    const result = await stopChallenge(dir);
    expect(result.removed).toContain('Dockerfile');
    expect(await userFiles(dir)).toEqual(['notes.txt']);
  });
});

describe('one active challenge per workspace', () => {
  it('starting a different challenge is refused, naming challenge:stop, and changes nothing', async () => {
    const other = path.join(scratch, 'packs', 'other-challenge');
    await cp(path.join(ROOT, 'templates', 'dockerfile'), other, { recursive: true });
    const manifest = path.join(other, 'manifest.yaml');
    await writeFile(manifest, (await readFile(manifest, 'utf8')).replace('id: my-new-challenge', 'id: other-challenge'));
    const dir = path.join(scratch, 'ws');
    await startChallenge(await pack(), dir);
    const before = await userFiles(dir);
    const error = await startChallenge(await loadPack(other), dir, { force: true }).catch((caught: Error) => caught);
    expect(error).toBeInstanceOf(Error);
    expect((error as Error).message).toMatch(/already holds the active challenge docker-missing-multistage/);
    expect((error as { suggestion?: string }).suggestion).toMatch(/challenge:stop/);
    expect(await userFiles(dir)).toEqual(before);
    // After a stop, the other challenge starts.
    await stopChallenge(dir);
    await expect(startChallenge(await loadPack(other), dir)).resolves.toMatchObject({ dir });
  });

  it('stop and reset wait for no verify: a live lock holder makes them refuse', async () => {
    const dir = path.join(scratch, 'ws');
    await startChallenge(await pack(), dir);
    const release = await acquireWorkspaceLock(dir, 'challenge:verify');
    try {
      await expect(stopChallenge(dir)).rejects.toThrow(/Another challenge:verify is running/);
      await expect(resetChallenge(await pack(), dir)).rejects.toThrow(/Another challenge:verify is running/);
    } finally {
      await release();
    }
    expect(await readFile(path.join(dir, 'Dockerfile'), 'utf8')).toBe(await readFile(path.join(starterDir, 'Dockerfile'), 'utf8'));
  });
});

describe('challenge:reset', () => {
  it('moves changed and added files to a backup and writes the starter back; files from before the start stay', async () => {
    const dir = path.join(scratch, 'ws');
    await mkdir(dir);
    await writeFile(path.join(dir, 'README.txt'), 'was here first');
    await startChallenge(await pack(), dir);
    await writeFile(path.join(dir, 'Dockerfile'), 'FROM attempt\n');
    await rm(path.join(dir, 'healthcheck.php'));
    await mkdir(path.join(dir, 'extra'));
    await writeFile(path.join(dir, 'extra', 'x.txt'), 'x');

    const result = await resetChallenge(await pack(), dir);
    expect(result.moved.sort()).toEqual(['Dockerfile', 'extra/x.txt']);
    expect(result.written.sort()).toEqual(['Dockerfile', 'healthcheck.php']);
    expect(await readFile(path.join(result.backupDir!, 'Dockerfile'), 'utf8')).toBe('FROM attempt\n');
    expect(await readFile(path.join(result.backupDir!, 'extra', 'x.txt'), 'utf8')).toBe('x');
    expect(await userFiles(dir)).toEqual(['README.txt', ...(await listFiles(starterDir))].sort((a, b) => a.localeCompare(b)));
    expect(await readFile(path.join(dir, 'Dockerfile'), 'utf8')).toBe(await readFile(path.join(starterDir, 'Dockerfile'), 'utf8'));

    const again = await resetChallenge(await pack(), dir);
    expect(again).toMatchObject({ moved: [], written: [], backupDir: null });
  });
});
