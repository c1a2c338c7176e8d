import { execFileSync } from 'node:child_process';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { BUILTIN_LESSONS, listLessons, parseLesson } from '../../src/course/lessons.js';
import { listPacks, loadPack } from '../../src/course/packs.js';
import { listFiles } from '../../src/workspace/files.js';
import { ROOT } from '../support/cli.js';
import { itNeeding, needs } from '../support/needs.js';

describe('course content', () => {
  it('every built-in pack validates and has its starter, solution, task and hints', async () => {
    const packs = await listPacks();
    expect(packs.map((pack) => pack.manifest.id)).toContain('docker-missing-multistage');
    for (const { manifest, dir } of packs) {
      // The graded files: the Dockerfile, the compose file, or both.
      const graded = [manifest.dockerfile, manifest.compose, ...(manifest.composeOverrides ?? [])].filter((file): file is string => Boolean(file));
      expect(graded.length, manifest.id).toBeGreaterThan(0);
      const files = [manifest.task, ...manifest.hints, ...graded.flatMap((file) => [path.join(manifest.starter, file), path.join(manifest.solution, file)])];
      for (const file of files) {
        expect((await readFile(path.join(dir, file), 'utf8')).trim().length, `${manifest.id}: ${file}`).toBeGreaterThan(10);
      }
      expect(manifest.hints).toHaveLength(3);
    }
  });

  // A pack's own .gitignore (a learner's habit it teaches) must not keep its files out of the repository:
  // a clean clone would then ship a solution that cannot pass.
  itNeeding(needs.gitCheckout)('every file of every built-in pack is tracked by git', async () => {
    const tracked = new Set(execFileSync('git', ['ls-files', '-z', 'challenges'], { cwd: ROOT, encoding: 'utf8' }).split('\0').filter(Boolean));
    const untracked: string[] = [];
    for (const { dir } of await listPacks()) {
      for (const file of await listFiles(dir)) {
        const relative = path.relative(ROOT, path.join(dir, file));
        if (!tracked.has(relative)) untracked.push(relative);
      }
    }
    expect(untracked).toEqual([]);
  });

  it('the pack template validates against the schema', async () => {
    const pack = await loadPack(path.join(ROOT, 'templates', 'dockerfile'));
    expect(pack.manifest.checks.map((check) => check.id)).toEqual(['healthcheck-declared', 'build', 'container-healthy']);
  });

  it('each lesson names, in its front matter, challenges that exist', async () => {
    // Every lesson file, read as the CLI reads it: not just the first one.
    const files = (await readdir(BUILTIN_LESSONS)).filter((name) => name.endsWith('.md') && !name.startsWith('.')).sort();
    expect(files.length).toBeGreaterThanOrEqual(2);
    const ids = new Set((await listPacks()).map((pack) => pack.manifest.id));
    const lessons = await Promise.all(files.map(async (name) => parseLesson(name, await readFile(path.join(BUILTIN_LESSONS, name), 'utf8'))));
    expect((await listLessons()).map((lesson) => path.basename(lesson.file)).sort()).toEqual(files);
    const lessonIds = new Set(lessons.map((lesson) => lesson.id));
    for (const [index, lesson] of lessons.entries()) {
      expect(lesson.id, files[index]).toBe(files[index]!.replace(/\.md$/, ''));
      expect(lesson.challenges.length, lesson.id).toBeGreaterThan(0);
      for (const challenge of lesson.challenges) expect(ids.has(challenge), `${lesson.id} names ${challenge}`).toBe(true);
      for (const prerequisite of lesson.prerequisites) expect(lessonIds.has(prerequisite), `${lesson.id} needs ${prerequisite}`).toBe(true);
    }
  });
});
