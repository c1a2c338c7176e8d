import { mkdir, mkdtemp, readFile, readdir, rm, symlink, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { findPack } from '../../src/course/packs.js';
import { UserError } from '../../src/errors.js';
import { findWorkspace, startChallenge } from '../../src/workspace/workspace.js';

let scratch: string;
beforeEach(async () => {
  scratch = await mkdtemp(path.join(os.tmpdir(), 'shipshape-ws-'));
});
afterEach(async () => {
  await rm(scratch, { recursive: true, force: true });
});

const pack = () => findPack('docker-missing-multistage');

describe('challenge:start scaffolding', () => {
  it('writes the starter and a marker that findWorkspace finds from a subdirectory', async () => {
    const dir = path.join(scratch, 'ws');
    const result = await startChallenge(await pack(), dir);
    expect(result.written).toContain('Dockerfile');
    const workspace = await findWorkspace(path.join(dir, 'src'));
    expect(workspace.root).toBe(dir);
    expect(workspace.marker.challenge).toBe('docker-missing-multistage');
  });

  it('starting again over untouched files is fine and rewrites nothing', async () => {
    const dir = path.join(scratch, 'ws');
    await startChallenge(await pack(), dir);
    const again = await startChallenge(await pack(), dir);
    expect(again.written).toEqual([]);
    expect(again.backedUp).toEqual([]);
  });

  it('refuses to overwrite a file the learner changed, listing it, and changes nothing', async () => {
    const dir = path.join(scratch, 'ws');
    await startChallenge(await pack(), dir);
    await writeFile(path.join(dir, 'Dockerfile'), 'FROM my-work\n');
    const error = await startChallenge(await pack(), dir).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(UserError);
    expect((error as UserError).message).toContain('  Dockerfile');
    expect((error as UserError).exitCode).toBe(1);
    expect(await readFile(path.join(dir, 'Dockerfile'), 'utf8')).toBe('FROM my-work\n');
  });

  it('with --force moves the learner files to a timestamped backup first', async () => {
    const dir = path.join(scratch, 'ws');
    await mkdir(dir, { recursive: true });
    await writeFile(path.join(dir, 'Dockerfile'), 'FROM mine\n');
    await writeFile(path.join(dir, 'notes.txt'), 'keep me');
    const result = await startChallenge(await pack(), dir, { force: true });
    expect(result.backedUp).toEqual(['Dockerfile']);
    expect(await readFile(path.join(result.backupDir!, 'Dockerfile'), 'utf8')).toBe('FROM mine\n');
    expect(await readFile(path.join(dir, 'notes.txt'), 'utf8')).toBe('keep me');
    expect(await readFile(path.join(dir, 'Dockerfile'), 'utf8')).not.toBe('FROM mine\n');
  });

  it('never writes through a symlinked directory', async () => {
    const dir = path.join(scratch, 'ws');
    const outside = path.join(scratch, 'outside');
    await mkdir(dir, { recursive: true });
    await mkdir(outside);
    await symlink(outside, path.join(dir, 'src'));
    await expect(startChallenge(await pack(), dir, { force: true })).rejects.toThrow(/symbolic link/);
    expect(await readdir(outside)).toEqual([]);
  });

  it('reports a missing workspace clearly', async () => {
    await expect(findWorkspace(scratch)).rejects.toThrow(/No challenge workspace/);
  });
});
