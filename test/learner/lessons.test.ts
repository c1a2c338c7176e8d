import { cp, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { chooseHints, readHint } from '../../src/course/hints.js';
import { type Lesson, courseOutline, findLesson, listLessons, parseLesson } from '../../src/course/lessons.js';
import { type ChallengePack, findPack } from '../../src/course/packs.js';
import { solutionDiff } from '../../src/course/solution.js';
import { emptyChallengeProgress, type Progress } from '../../src/workspace/progress.js';
import { startChallenge } from '../../src/workspace/workspace.js';
import { ROOT } from '../support/cli.js';

const ID = 'docker-missing-multistage';

function lesson(id: string, order: number, challenges: string[], prerequisites: string[] = []): Lesson {
  return { id, title: `Lesson ${id}`, order, challenges, prerequisites, body: '', file: `${id}.md` };
}

async function packsNamed(ids: Array<[string, string]>): Promise<ChallengePack[]> {
  const seed = await findPack(ID);
  return ids.map(([id, lessonId]) => ({ ...seed, manifest: { ...seed.manifest, id, title: `Title ${id}`, lesson: lessonId } }));
}

function progressWith(entries: Record<string, Partial<ReturnType<typeof emptyChallengeProgress>>>): Progress {
  return {
    schemaVersion: 1,
    challenges: Object.fromEntries(Object.entries(entries).map(([id, entry]) => [id, { ...emptyChallengeProgress(), ...entry }])),
  };
}

describe('lessons', () => {
  it('loads the built-in lesson with its front matter and body', async () => {
    const lessons = await listLessons();
    expect(lessons.map((item) => item.id)).toContain('docker-intermediate');
    const intermediate = await findLesson('docker-intermediate');
    expect(intermediate.challenges).toContain(ID);
    expect(intermediate.body.startsWith('# Docker Intermediate')).toBe(true);
    await expect(findLesson('nope')).rejects.toThrow(/Unknown lesson "nope"/);
  });

  it('names the file and line of a bad front matter field', () => {
    const text = '---\nid: ok-lesson\ntitle: A lesson\norder: first\n---\n# Body\n';
    expect(() => parseLesson('lessons/x.md', text)).toThrow(/lessons\/x\.md:4:\d+ order:/);
    expect(() => parseLesson('lessons/y.md', '# no front matter\n')).toThrow(/lessons\/y\.md:1: a lesson starts with front matter/);
  });

  it('outlines status per lesson and suggests the first open challenge whose prerequisites are met', async () => {
    const lessons = [lesson('basics', 1, ['a', 'b']), lesson('advanced', 2, ['c'], ['basics'])];
    const packs = await packsNamed([['a', 'basics'], ['b', 'basics'], ['c', 'advanced'], ['d', 'orphan']]);

    let outline = courseOutline(lessons, packs, progressWith({ a: { passedAt: 'x', attempts: 2, bestPercent: 100 }, b: { startedAt: 'y' } }));
    expect(outline).toMatchObject({ passed: 1, total: 4, next: { challenge: 'b', lesson: 'basics' } });
    expect(outline.lessons.map((item) => [item.id, item.unlocked, item.passed, item.total])).toEqual([
      ['basics', true, 1, 2],
      ['advanced', false, 0, 1],
      ['orphan', true, 0, 1],
    ]);
    expect(outline.lessons[0]!.challenges.map((item) => item.status)).toEqual(['passed', 'in-progress']);

    // With basics done, advanced opens and comes first (lesson order).
    outline = courseOutline(lessons, packs, progressWith({ a: { passedAt: 'x' }, b: { passedAt: 'y' } }));
    expect(outline.lessons[1]!.unlocked).toBe(true);
    expect(outline.next).toMatchObject({ challenge: 'c' });

    // A locked lesson is skipped: the orphan lesson's challenge is suggested instead.
    outline = courseOutline(lessons, packs, progressWith({ a: { passedAt: 'x' } }));
    expect(outline.next).toMatchObject({ challenge: 'b' });
    outline = courseOutline([lessons[1]!, lesson('basics', 1, ['a', 'b'])], packs, progressWith({ a: { passedAt: 'x' }, d: {} }));
    expect(outline.next?.challenge).toBe('b');

    outline = courseOutline(lessons, packs, progressWith({ a: { passedAt: 'x' }, b: { passedAt: 'x' }, c: { passedAt: 'x' }, d: { passedAt: 'x' } }));
    expect(outline).toMatchObject({ passed: 4, total: 4, next: null });
  });
});

describe('hints', () => {
  it('gives the next unseen level, then repeats the last one once all were seen', async () => {
    const pack = await findPack(ID);
    const entry = emptyChallengeProgress();
    expect(chooseHints(pack, entry, {})).toMatchObject({ levels: [1], exhausted: false, failingCheck: null });
    entry.hintsSeen = [1, 2];
    expect(chooseHints(pack, entry, {}).levels).toEqual([3]);
    entry.hintsSeen = [1, 2, 3];
    expect(chooseHints(pack, entry, {})).toMatchObject({ levels: [3], exhausted: true });
    expect(chooseHints(pack, entry, { all: true }).levels).toEqual([1, 2, 3]);
    expect(chooseHints(pack, entry, { level: 2 }).levels).toEqual([2]);
    expect(() => chooseHints(pack, entry, { level: 4 })).toThrow(/levels 1 to 3/);
    expect((await readHint(pack, 2)).text).toMatch(/^# Hint 2/);
  });

  it("after a failed verify, the first failing check's manifest hint comes first", async () => {
    const pack = await findPack(ID);
    const entry = emptyChallengeProgress();
    entry.lastVerify = { at: 'x', passed: false, percent: 50, points: 50, maxPoints: 100, failing: ['healthcheck-declared', 'container-healthy'] };
    const choice = chooseHints(pack, entry, {});
    expect(choice.failingCheck?.id).toBe('healthcheck-declared');
    expect(choice.failingCheck?.hint).toBe(pack.manifest.checks.find((check) => check.id === 'healthcheck-declared')!.hint);
    entry.lastVerify = { ...entry.lastVerify, passed: true, failing: [] };
    expect(chooseHints(pack, entry, {}).failingCheck).toBeNull();
  });
});

describe('solution diff', () => {
  let scratch: string;
  beforeEach(async () => {
    scratch = await mkdtemp(path.join(os.tmpdir(), 'shipshape-diff-'));
  });
  afterEach(async () => {
    await rm(scratch, { recursive: true, force: true });
  });

  it('diffs the learner files against the solution with unified hunks, and is empty once they match', async () => {
    const pack = await findPack(ID);
    await startChallenge(pack, scratch);
    await writeFile(path.join(scratch, 'mine.txt'), 'not part of the challenge');
    const diffs = await solutionDiff(pack, scratch);
    const dockerfile = diffs.find((diff) => diff.file === 'Dockerfile');
    expect(dockerfile?.change).toBe('modified');
    expect(dockerfile?.patch).toMatch(/^--- yours\/Dockerfile$/m);
    expect(dockerfile?.patch).toMatch(/^\+\+\+ solution\/Dockerfile$/m);
    expect(dockerfile?.patch).toMatch(/^\+FROM composer:2 AS builder$/m);
    expect(dockerfile?.patch).toMatch(/^@@ -\d+,\d+ \+\d+,\d+ @@/m);
    expect(diffs.map((diff) => diff.file)).not.toContain('mine.txt');

    await cp(path.join(ROOT, 'challenges', ID, 'solution'), scratch, { recursive: true });
    expect(await solutionDiff(pack, scratch)).toEqual([]);
  });
});
