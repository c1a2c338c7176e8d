import { mkdir, open, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { UserError } from '../errors.js';
import { STATE_DIR } from './state-dir.js';

interface LockOwner {
  pid: number;
  host: string;
  command: string;
  since: string;
}

/**
 * One verify at a time per workspace: a lock file created exclusively. A lock whose process is gone
 * (on this host) is stale and taken over.
 */
export async function acquireWorkspaceLock(root: string, command: string): Promise<() => Promise<void>> {
  const file = path.join(root, STATE_DIR, 'verify.lock');
  await mkdir(path.dirname(file), { recursive: true });
  const owner: LockOwner = { pid: process.pid, host: os.hostname(), command, since: new Date().toISOString() };
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const handle = await open(file, 'wx');
      await handle.writeFile(JSON.stringify(owner));
      await handle.close();
      return async () => {
        await rm(file, { force: true });
      };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const holder = await readOwner(file);
      if (holder && isAlive(holder)) {
        throw new UserError(
          `Another ${holder.command} is running in this workspace (pid ${holder.pid}, since ${holder.since}).`,
          2,
          'Wait for it to finish, or stop it with Ctrl-C.',
        );
      }
      await rm(file, { force: true });
    }
  }
  throw new UserError(`Could not take the workspace lock ${file}.`, 2, 'Remove it if no other shipshape is running.');
}

async function readOwner(file: string): Promise<LockOwner | null> {
  try {
    return JSON.parse(await readFile(file, 'utf8')) as LockOwner;
  } catch {
    return null;
  }
}

function isAlive(owner: LockOwner): boolean {
  // A lock from another host (a shared folder) cannot be checked: respect it.
  if (owner.host !== os.hostname()) return true;
  try {
    process.kill(owner.pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
