import { randomBytes } from 'node:crypto';
import { chmod, mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { planBuildContext } from '../../src/engine/context.js';
import { packedEntries, packedFiles } from '../support/context.js';

let dir: string;

async function write(relative: string, content = 'x'): Promise<void> {
  await mkdir(path.dirname(path.join(dir, relative)), { recursive: true });
  await writeFile(path.join(dir, relative), content);
}

async function packedNames(): Promise<string[]> {
  const names = (await packedEntries(dir)).map(({ name, type }) => (type === 'directory' ? `${name.replace(/\/$/, '')}/` : name));
  // The root directory's own entry carries no content.
  return names.filter((name) => name !== './').sort();
}

beforeEach(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'shipshape-ctx-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('build context packing', () => {
  it('applies .dockerignore but always sends the Dockerfile and .dockerignore', async () => {
    await write('Dockerfile', 'FROM scratch');
    await write('.dockerignore', 'Dockerfile\n.dockerignore\nvendor\n*.md\n');
    await write('vendor/autoload.php');
    await write('README.md');
    await write('src/App.php');
    expect(await packedNames()).toEqual(['.dockerignore', 'Dockerfile', 'src/', 'src/App.php']);
  });

  it('is case-sensitive as docker on Linux is', async () => {
    await write('Dockerfile');
    await write('.dockerignore', 'secret.txt\n');
    await write('secret.txt');
    await write('Secret.txt');
    expect(await packedNames()).toEqual(['.dockerignore', 'Dockerfile', 'Secret.txt']);
  });

  it('re-includes a file under an ignored directory with a ! rule', async () => {
    await write('Dockerfile');
    await write('.dockerignore', 'logs\n!logs/keep.log\n');
    await write('logs/keep.log');
    await write('logs/drop.log');
    expect(await packedNames()).toEqual(['.dockerignore', 'Dockerfile', 'logs/', 'logs/keep.log']);
  });

  it('counts files and bytes and names the largest', async () => {
    await write('Dockerfile', 'FROM scratch\n');
    await write('big.bin', 'y'.repeat(5000));
    await write('.git/objects/pack', 'z'.repeat(9000));
    await write('.dockerignore', '.git\n');
    const plan = await planBuildContext(dir);
    expect(plan.fileCount).toBe(3);
    expect(plan.totalBytes).toBe(13 + 5000 + 5);
    expect(plan.largest[0]).toEqual({ path: 'big.bin', bytes: 5000 });
    expect(plan.ignoredCount).toBe(1);
  });

  it('sends symlinks as links, not their targets', async () => {
    await write('Dockerfile');
    await write('target.txt', 'the target');
    await symlink('/etc/passwd', path.join(dir, 'link'));
    await symlink('target.txt', path.join(dir, 'relative-link'));
    const entries = await packedEntries(dir);
    // A packer that followed the links would send regular files with the targets' bytes.
    expect(entries.find((entry) => entry.name === 'link')).toEqual({ name: 'link', type: 'symlink', linkname: '/etc/passwd', bytes: 0 });
    expect(entries.find((entry) => entry.name === 'relative-link')).toEqual({ name: 'relative-link', type: 'symlink', linkname: 'target.txt', bytes: 0 });
    expect(entries.find((entry) => entry.name === 'target.txt')).toMatchObject({ type: 'file', linkname: null, bytes: 'the target'.length });
  });
});

describe('Shipshape state in the workspace', () => {
  it('never sends .shipshape/ (marker, lock, backups), even without a .dockerignore', async () => {
    await write('Dockerfile');
    await write('.shipshape/challenge.json', '{}');
    await write('.shipshape/backups/x/Dockerfile');
    expect(await packedNames()).toEqual(['Dockerfile']);
  });

  it('sends every byte and mode of small files (read at once), big ones (streamed) and empty ones', async () => {
    const small = randomBytes(20_000);
    const big = randomBytes(3 * 1024 * 1024 + 7);
    await write('Dockerfile', 'FROM scratch');
    await writeFile(path.join(dir, 'small.bin'), small);
    await writeFile(path.join(dir, 'big.bin'), big);
    await write('empty', '');
    await write('run.sh', '#!/bin/sh\n');
    await chmod(path.join(dir, 'run.sh'), 0o755);
    const sent = await packedFiles(dir);
    expect(sent.get('small.bin')?.data.equals(small)).toBe(true);
    expect(sent.get('big.bin')?.data.equals(big)).toBe(true);
    expect(sent.get('empty')?.data.length).toBe(0);
    expect((sent.get('run.sh')!.mode & 0o777).toString(8)).toBe('755');
  });
});
