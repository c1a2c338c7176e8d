import { mkdir, open, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { UserError } from '../errors.js';
import { waitFor } from '../wait.js';
import { STATE_DIR } from './state-dir.js';

export interface LockOwner {
  pid: number;
  host: string;
  command: string;
  since: string;
}

/**
 * One verify at a time per workspace: a lock file created exclusively. A lock whose process is gone
 * (on this host) is stale and taken over.
 */
export function acquireWorkspaceLock(root: string, command: string): Promise<() => Promise<void>> {
  return acquireFileLock(path.join(root, STATE_DIR, 'verify.lock'), command, {
    busy: (holder) =>
      new UserError(`Another ${holder.command} is running in this workspace (pid ${holder.pid}, since ${holder.since}).`, 2, 'Wait for it to finish, or stop it with Ctrl-C.'),
  });
}

export interface FileLockOptions {
  /** The error when a live process holds the lock. */
  busy: (holder: LockOwner) => UserError;
  /** How long to wait for a live holder to let go before `busy` (short critical sections); default 0. */
  waitMs?: number;
}

/** A lock file created exclusively, naming its owner; stale when that process is gone on this host. */
export async function acquireFileLock(file: string, command: string, options: FileLockOptions): Promise<() => Promise<void>> {
  await mkdir(path.dirname(file), { recursive: true });
  const owner: LockOwner = { pid: process.pid, host: os.hostname(), command, since: new Date().toISOString() };
  const deadline = Date.now() + (options.waitMs ?? 0);
  let staleTakeovers = 0;
  let holder: LockOwner | null = null;
  // One attempt: taken (true), or held by a live process or being written (undefined: try again).
  const attempt = async (): Promise<true | undefined> => {
    try {
      const handle = await open(file, 'wx');
      await handle.writeFile(JSON.stringify(owner));
      await handle.close();
      return true;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    holder = await readOwner(file);
    if (holder && isAlive(holder)) return undefined;
    // An unreadable lock may be one another process has just created and not yet written: give it a moment.
    if (!holder && Date.now() < deadline) return undefined;
    // A lock left by a process that is gone (or never written): taken over, but not forever.
    if (++staleTakeovers > 2) throw new UserError(`Could not take the lock ${file}.`, 2, 'Remove it if no other shipshape is running.');
    await rm(file, { force: true });
    return attempt();
  };
  const taken = await waitFor(attempt, { interval: 50, deadline });
  if (!taken.ready) {
    if (holder) throw options.busy(holder);
    throw new UserError(`Could not take the lock ${file}.`, 2, 'Remove it if no other shipshape is running.');
  }
  return async () => {
    await rm(file, { force: true });
  };
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
