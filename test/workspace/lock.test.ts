import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { UserError } from '../../src/errors.js';
import { acquireFileLock, acquireWorkspaceLock } from '../../src/workspace/lock.js';

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

describe('file lock with a wait (short critical sections: the installed courses)', () => {
  it('lets concurrent read-modify-write sections run one at a time, so no update is lost', async () => {
    const file = path.join(root, 'counter.json');
    await writeFile(file, '0');
    const busy = () => new UserError('busy', 2);
    const increment = async () => {
      const release = await acquireFileLock(path.join(root, 'counter.lock'), 'test', { waitMs: 10_000, busy });
      try {
        const value = Number(await readFile(file, 'utf8'));
        // Without the lock every section would read 0 during this pause.
        await new Promise((resolve) => setTimeout(resolve, 20));
        await writeFile(file, String(value + 1));
      } finally {
        await release();
      }
    };
    await Promise.all(Array.from({ length: 5 }, increment));
    expect(await readFile(file, 'utf8')).toBe('5');
  });

  it('says who holds it once the wait is over', async () => {
    const lock = path.join(root, 'held.lock');
    const release = await acquireFileLock(lock, 'course:add', { busy: () => new UserError('x', 2) });
    await expect(acquireFileLock(lock, 'course:remove', { waitMs: 100, busy: (holder) => new UserError(`held by ${holder.command} ${holder.pid}`, 2) })).rejects.toThrow(
      `held by course:add ${process.pid}`,
    );
    await release();
  });
});

describe('the installed courses', () => {
  it('two course:add at once: the second sees the first (a clash of challenge ids is refused, not both installed)', async () => {
    const previous = process.env.SHIPSHAPE_DATA_DIR;
    process.env.SHIPSHAPE_DATA_DIR = path.join(root, 'data');
    try {
      const { addCourse } = await import('../../src/course/install.js');
      const { readCourseLock } = await import('../../src/course/courses.js');
      const { writeCourse } = await import('../support/course.js');
      await writeCourse(path.join(root, 'one'), { id: 'course-one' });
      await writeCourse(path.join(root, 'two'), { id: 'course-two' });
      const outcomes = await Promise.allSettled([addCourse(path.join(root, 'one')), addCourse(path.join(root, 'two'))]);
      expect(outcomes.map((outcome) => outcome.status).sort()).toEqual(['fulfilled', 'rejected']);
      const refused = outcomes.find((outcome) => outcome.status === 'rejected') as PromiseRejectedResult;
      expect(String(refused.reason)).toMatch(/course-demo-hello/);
      expect(Object.keys((await readCourseLock()).courses)).toHaveLength(1);
    } finally {
      if (previous === undefined) delete process.env.SHIPSHAPE_DATA_DIR;
      else process.env.SHIPSHAPE_DATA_DIR = previous;
    }
  });
});
