import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { acquireWorkspaceLock } from '../../src/workspace/lock.js';

let root: string;
beforeEach(async () => {
  root = await mkdtemp(path.join(os.tmpdir(), 'shipshape-lock-'));
});
afterEach(async () => {
  await rm(root, { recursive: true, force: true });
});

describe('workspace lock', () => {
  it('lets one verify in and refuses a second with who holds it', async () => {
    const release = await acquireWorkspaceLock(root, 'challenge:verify');
    await expect(acquireWorkspaceLock(root, 'challenge:verify')).rejects.toThrow(
      new RegExp(`Another challenge:verify is running in this workspace \\(pid ${process.pid}`),
    );
    await release();
    const again = await acquireWorkspaceLock(root, 'challenge:verify');
    await again();
  });

  it('takes over a stale lock whose process is gone', async () => {
    await mkdir(path.join(root, '.shipshape'));
    const stale = { pid: 2 ** 22 + 12345, host: os.hostname(), command: 'challenge:verify', since: 'earlier' };
    await writeFile(path.join(root, '.shipshape', 'verify.lock'), JSON.stringify(stale));
    const release = await acquireWorkspaceLock(root, 'challenge:verify');
    const owner = JSON.parse(await readFile(path.join(root, '.shipshape', 'verify.lock'), 'utf8'));
    expect(owner.pid).toBe(process.pid);
    await release();
  });
});
