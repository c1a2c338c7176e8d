import { spawn } from 'node:child_process';
import { mkdir, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { findPack } from '../../src/course/packs.js';
import { UserError } from '../../src/errors.js';
import { recordVerify } from '../../src/grading/record.js';
import type { VerifyResult } from '../../src/grading/result.js';
import { courseRootForStart, courseRootFromCwd, courseRootOfWorkspace, startInCourse } from '../../src/workspace/course.js';
import { findCourseRoot, progressFile, readProgress, updateChallengeProgress } from '../../src/workspace/progress.js';
import { findWorkspace } from '../../src/workspace/workspace.js';
import { ROOT } from '../support/cli.js';

let scratch: string;
beforeEach(async () => {
  scratch = await mkdtemp(path.join(os.tmpdir(), 'shipshape-progress-'));
});
afterEach(async () => {
  await rm(scratch, { recursive: true, force: true });
});

const ID = 'docker-missing-multistage';

function fakeResult(percent: number, passed: boolean, failing: string[]): VerifyResult {
  return {
    challenge: { id: ID, title: 't', lesson: 'l' },
    passed,
    score: { points: percent, maxPoints: 100, percent },
    checks: [
      { id: 'multi-stage', status: failing.includes('multi-stage') ? 'fail' : 'pass' },
      { id: 'build', status: 'pass' },
      { id: 'container-healthy', status: failing.includes('container-healthy') ? 'fail' : 'skip' },
    ],
  } as unknown as VerifyResult;
}

describe('progress state', () => {
  it('starts empty, and an update writes a versioned file that reads back', async () => {
    expect(await readProgress(scratch)).toEqual({ schemaVersion: 1, challenges: {} });
    await updateChallengeProgress(scratch, ID, (entry) => {
      entry.attempts = 2;
      entry.hintsSeen = [1];
    });
    const onDisk = JSON.parse(await readFile(progressFile(scratch), 'utf8'));
    expect(onDisk.schemaVersion).toBe(1);
    expect(onDisk.challenges[ID]).toMatchObject({ attempts: 2, hintsSeen: [1], passedAt: null });
    expect((await readProgress(scratch)).challenges[ID]?.attempts).toBe(2);
  });

  it.each([
    ['unparseable JSON', '{"schemaVersion": 1, "challenges": {"x": {"attem'],
    ['a wrong shape', '{"schemaVersion": 1, "challenges": {"x": {"attempts": "many"}}}'],
    ['no version', '[]'],
  ])('a progress file with %s is kept aside with one warning and a fresh one begins', async (_what, text) => {
    await mkdir(path.join(scratch, '.shipshape'));
    await writeFile(progressFile(scratch), text);
    const warnings: string[] = [];
    const progress = await readProgress(scratch, { warn: (message) => warnings.push(message) });
    expect(progress.challenges).toEqual({});
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/damaged .*kept it as progress\.json\.corrupt-/);
    const aside = (await readdir(path.join(scratch, '.shipshape'))).filter((name) => name.startsWith('progress.json.corrupt-'));
    expect(aside).toHaveLength(1);
    expect(await readFile(path.join(scratch, '.shipshape', aside[0]!), 'utf8')).toBe(text);
    // The next update starts from the fresh state and no longer warns.
    await updateChallengeProgress(scratch, ID, (entry) => {
      entry.attempts += 1;
    }, { warn: (message) => warnings.push(message) });
    expect(warnings).toHaveLength(1);
    expect((await readProgress(scratch)).challenges[ID]?.attempts).toBe(1);
  });

  it('a file from a newer version is refused, not thrown away', async () => {
    await mkdir(path.join(scratch, '.shipshape'));
    await writeFile(progressFile(scratch), '{"schemaVersion": 7, "challenges": {}}');
    await expect(readProgress(scratch)).rejects.toThrow(/newer Shipshape/);
    expect(await readFile(progressFile(scratch), 'utf8')).toContain('"schemaVersion": 7');
  });

  it('concurrent updates do not lose one another', async () => {
    await Promise.all(
      Array.from({ length: 12 }, () =>
        updateChallengeProgress(scratch, ID, (entry) => {
          entry.attempts += 1;
        }),
      ),
    );
    expect((await readProgress(scratch)).challenges[ID]?.attempts).toBe(12);
  });

  it('a writer killed mid-write never leaves a truncated progress file', async () => {
    // A child rewrites a large progress file in a loop through the built atomic writer; it is killed
    // with SIGKILL at varying moments. Every time, the file must still be a whole, valid state.
    const atomic = path.join(ROOT, 'dist', 'workspace', 'atomic.js');
    const file = progressFile(scratch);
    // The writer writes once before it says ready, so the file always exists when it is killed, and
    // reports each finished write: the file must hold the last reported state or the one after it.
    const script = `
      const { writeFileAtomic } = await import(${JSON.stringify(atomic)});
      const big = (n) => JSON.stringify({ schemaVersion: 1, challenges: Object.fromEntries(Array.from({ length: 20000 }, (_, i) => ['c' + i, { attempts: n, hintsSeen: [1, 2, 3] }])) });
      await writeFileAtomic(${JSON.stringify(file)}, big(0));
      process.stdout.write('ready\\n');
      for (let n = 1; ; n++) {
        await writeFileAtomic(${JSON.stringify(file)}, big(n));
        process.stdout.write('wrote ' + n + '\\n');
      }
    `;
    const delays = [5, 40, 90, 150, 230];
    let checked = 0;
    let writesSeen = 0;
    for (const delay of delays) {
      const child = spawn(process.execPath, ['--input-type=module', '-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
      let output = '';
      child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
      await new Promise<void>((resolve) => child.stdout.once('data', () => resolve()));
      await new Promise((resolve) => setTimeout(resolve, delay));
      child.kill('SIGKILL');
      // 'close', not 'exit': every line the writer printed has been read by then.
      await new Promise((resolve) => child.once('close', resolve));
      const lastReported = Math.max(0, ...[...output.matchAll(/wrote (\d+)/g)].map((match) => Number(match[1])));
      writesSeen += lastReported;
      const parsed = JSON.parse(await readFile(file, 'utf8'));
      expect(Object.keys(parsed.challenges)).toHaveLength(20000);
      expect([lastReported, lastReported + 1]).toContain(parsed.challenges.c0.attempts);
      expect(parsed.challenges.c19999.attempts).toBe(parsed.challenges.c0.attempts);
      const warnings: string[] = [];
      await readProgress(scratch, { warn: (message) => warnings.push(message) });
      expect(warnings).toEqual([]);
      checked++;
    }
    // Every kill was checked, and the writer was really rewriting the file when it was killed.
    expect(checked).toBe(delays.length);
    expect(writesSeen).toBeGreaterThan(0);
    // The killed writers' temporary files are swept by the next update, which holds the lock.
    await writeFile(path.join(scratch, '.shipshape', '.progress.json.dead0000.tmp'), '{"half":');
    await updateChallengeProgress(scratch, ID, (entry) => {
      entry.attempts = 1;
    });
    expect((await readdir(path.join(scratch, '.shipshape'))).filter((name) => name.endsWith('.tmp'))).toEqual([]);
  }, 60_000);
});

describe('course root', () => {
  it('a default start makes the current directory the course root; --dir workspaces keep their own', async () => {
    const pack = await findPack(ID);
    const course = path.join(scratch, 'course');
    await mkdir(course);
    const started = await startInCourse(pack, path.join(course, ID), { cwd: course, explicitDir: false });
    expect(started.course).toBe(course);
    expect((await readProgress(course)).challenges[ID]).toMatchObject({ workspace: path.join(course, ID) });
    // From inside the workspace, the marker leads back to the course.
    expect(await courseRootOfWorkspace(await findWorkspace(path.join(course, ID, 'src')))).toBe(course);
    expect(await findCourseRoot(path.join(course, ID, 'src'))).toBe(course);

    // A --dir outside any course is its own course root, so a throwaway directory writes nowhere else.
    const elsewhere = path.join(scratch, 'elsewhere', 'ws');
    expect(await courseRootForStart(elsewhere, { cwd: course, explicitDir: true })).toBe(elsewhere);
    // A --dir inside the course joins it.
    expect(await courseRootForStart(path.join(course, 'other'), { cwd: scratch, explicitDir: true })).toBe(course);
  });

  it('records verify results: attempts, best score, first pass, failing checks', async () => {
    const pack = await findPack(ID);
    const started = await startInCourse(pack, path.join(scratch, ID), { cwd: scratch, explicitDir: false });
    const workspace = await findWorkspace(started.dir);
    await recordVerify(workspace, fakeResult(40, false, ['multi-stage', 'container-healthy']));
    let entry = await recordVerify(workspace, fakeResult(70, false, ['container-healthy']));
    expect(entry).toMatchObject({ attempts: 2, bestPercent: 70, passedAt: null });
    expect(entry.lastVerify).toMatchObject({ passed: false, percent: 70, failing: ['container-healthy'] });
    entry = await recordVerify(workspace, fakeResult(100, true, []));
    const passedAt = entry.passedAt;
    expect(passedAt).not.toBeNull();
    entry = await recordVerify(workspace, fakeResult(60, false, ['multi-stage']));
    expect(entry).toMatchObject({ attempts: 4, bestPercent: 100, passedAt });
    expect(entry.lastVerify?.failing).toEqual(['multi-stage']);
  });

  it('a damaged marker is a clear error for the workspace, but does not hide the course around it', async () => {
    await updateChallengeProgress(scratch, ID, () => undefined);
    const ws = path.join(scratch, 'ws');
    await mkdir(path.join(ws, '.shipshape'), { recursive: true });
    await writeFile(path.join(ws, '.shipshape', 'challenge.json'), '{');
    await expect(findWorkspace(ws)).rejects.toBeInstanceOf(UserError);
    expect(await courseRootFromCwd(ws)).toBe(scratch);
  });
});
