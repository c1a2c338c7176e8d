import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readCourse } from '../../src/course/course-manifest.js';
import { BUILTIN_COURSE, builtinCourse } from '../../src/course/courses.js';
import { parseCourseSpec } from '../../src/course/install.js';
import { shipshape, ROOT } from '../support/cli.js';
import { COURSE_CHALLENGE, COURSE_LESSON, writeCourse } from '../support/course.js';

/**
 * Courses without an engine: the built-in course's manifest, selection with --course and
 * SHIPSHAPE_COURSES, course:add from a directory, and every bad input as one message with exit 2.
 * (Installing from git and npm, then verifying, is test/course/course-install.test.ts.)
 */
let scratch: string;
let env: Record<string, string>;

beforeAll(async () => {
  scratch = await mkdtemp(path.join(os.tmpdir(), 'shipshape-courses-'));
  env = { SHIPSHAPE_DATA_DIR: path.join(scratch, 'data') };
});

afterAll(async () => {
  await rm(scratch, { recursive: true, force: true });
});

/** One clear message on stderr, exit 2, and no stack trace. */
function expectOneMessage(result: { exitCode: number; stderr: string }, pattern: RegExp) {
  expect(result.exitCode).toBe(2);
  expect(result.stderr).toMatch(pattern);
  expect(result.stderr).not.toMatch(/\n\s+at /);
  expect(result.stderr.trim().split('\n').filter((line) => line.startsWith('✖'))).toHaveLength(1);
}

describe('the built-in course', () => {
  it('course.yaml at the package root names the directories and id the code uses', async () => {
    const course = await readCourse(ROOT);
    expect(course.manifest.id).toBe(BUILTIN_COURSE.id);
    expect(course.challengesDir).toBe(builtinCourse().challengesDir);
    expect(course.lessonsDir).toBe(builtinCourse().lessonsDir);
    const pkg = JSON.parse(await readFile(path.join(ROOT, 'package.json'), 'utf8'));
    expect(pkg.files).toContain('course.yaml');
    expect(pkg.oclif.topics.course).toBeDefined();
  });
});

describe('course sources', () => {
  it('tells a git URL (with its ref), an npm package, a tarball and a directory apart', async () => {
    expect(await parseCourseSpec('https://example.org/course.git#v1.0.0')).toEqual({ kind: 'git', url: 'https://example.org/course.git', ref: 'v1.0.0' });
    expect(await parseCourseSpec('file:///srv/course')).toEqual({ kind: 'git', url: 'file:///srv/course', ref: null });
    expect(await parseCourseSpec('git+ssh://git@example.org/c.git')).toMatchObject({ kind: 'git', url: 'ssh://git@example.org/c.git' });
    expect(await parseCourseSpec('@acme/docker-course@2.0.1')).toEqual({ kind: 'npm', spec: '@acme/docker-course@2.0.1' });
    expect(await parseCourseSpec(ROOT)).toEqual({ kind: 'dir', path: ROOT });
    const tgz = path.join(scratch, 'c-1.0.0.tgz');
    await writeFile(tgz, '');
    expect(await parseCourseSpec(tgz)).toEqual({ kind: 'tarball', file: tgz });
    await expect(parseCourseSpec('./no/such/dir')).rejects.toThrow(/not a course source/);
    await expect(parseCourseSpec('https://example.org/c.git#bad ref')).rejects.toThrow(/not a git branch/);
  });
});

describe('course:add from a directory, --course and SHIPSHAPE_COURSES', { timeout: 120_000 }, () => {
  let courseDir: string;

  beforeAll(async () => {
    courseDir = path.join(scratch, 'dir-course');
    await writeCourse(courseDir, { id: 'dir-course', version: '0.3.0' });
  });

  it('a course directory given to --course is read in place: its lessons and challenges are listed, alone', async () => {
    const lessons = await shipshape(['lesson:list', '--course', courseDir, '--json'], { env });
    expect(lessons.exitCode).toBe(0);
    expect(JSON.parse(lessons.stdout).lessons.map((lesson: { id: string }) => lesson.id)).toEqual([COURSE_LESSON]);
    const both = await shipshape(['challenge:list', '--json'], { env: { ...env, SHIPSHAPE_COURSES: [courseDir, 'builtin'].join(path.delimiter) } });
    const ids = JSON.parse(both.stdout).challenges.map((challenge: { id: string }) => challenge.id);
    expect(ids).toContain(COURSE_CHALLENGE);
    expect(ids).toContain('docker-missing-multistage');
    const builtinOnly = await shipshape(['challenge:list', '--json', '--course', 'builtin'], { env });
    expect(JSON.parse(builtinOnly.stdout).challenges.map((challenge: { id: string }) => challenge.id)).not.toContain(COURSE_CHALLENGE);
  });

  it('course:add <dir> installs a copy: listed by course:list, seen by lesson:list and lesson:show by default', async () => {
    const added = await shipshape(['course:add', courseDir, '--json'], { env });
    expect(added.exitCode).toBe(0);
    expect(JSON.parse(added.stdout).course).toMatchObject({ id: 'dir-course', version: '0.3.0', lessons: 1, challenges: 1 });
    const listed = JSON.parse((await shipshape(['course:list', '--json'], { env })).stdout).courses;
    expect(listed.map((course: { id: string }) => course.id)).toEqual([BUILTIN_COURSE.id, 'dir-course']);
    const lessons = JSON.parse((await shipshape(['lesson:list', '--json'], { env })).stdout).lessons.map((lesson: { id: string }) => lesson.id);
    expect(lessons).toContain(COURSE_LESSON);
    expect(lessons).toContain('docker-intermediate');
    const shown = await shipshape(['lesson:show', COURSE_LESSON], { env });
    expect(shown.exitCode).toBe(0);
    expect(shown.stdout).toContain('A lesson that came with the course package.');
    const only = JSON.parse((await shipshape(['lesson:list', '--json', '--course', 'dir-course'], { env })).stdout).lessons;
    expect(only.map((lesson: { id: string }) => lesson.id)).toEqual([COURSE_LESSON]);
  });

  it('the menu lists the installed course\'s lesson with the built-in ones', async () => {
    // Bare `shipshape` as on a terminal (test/support/fake-tty.mjs), without CI so ink draws; q quits.
    const child = execa(process.execPath, [path.join(ROOT, 'test', 'support', 'fake-tty.mjs')], {
      cwd: scratch,
      reject: false,
      env: { ...Object.fromEntries(Object.entries(process.env).filter(([name]) => name !== 'CI' && name !== 'CONTINUOUS_INTEGRATION')), ...env, NO_COLOR: '1' },
      extendEnv: false,
      all: true,
      timeout: 60_000,
    });
    let output = '';
    await new Promise<void>((resolve, reject) => {
      child.all!.on('data', (chunk: Buffer) => {
        output += chunk.toString();
        if (output.includes('challenges passed')) resolve();
      });
      child.once('exit', () => reject(new Error(`the menu never showed:\n${output}`)));
    });
    child.stdin!.write('q');
    const result = await child;
    expect(result.exitCode, String(result.all)).toBe(0);
    expect(String(result.all)).toContain('Course demo basics');
    expect(String(result.all)).toContain('Docker Intermediate');
  });

  it('bad input: a name clash, no course manifest, an invalid one, an unreachable git URL, an unknown course', async () => {
    expectOneMessage(await shipshape(['course:add', courseDir], { env }), /A course "dir-course" is already installed \(version 0\.3\.0\)/);

    const clash = path.join(scratch, 'clash');
    await writeCourse(clash, { id: 'other-course' });
    expectOneMessage(await shipshape(['course:add', clash], { env }), /clashes with a course already there: challenge "course-demo-hello", lesson "course-demo-basics"/);

    const bare = path.join(scratch, 'bare');
    await mkdir(bare, { recursive: true });
    expectOneMessage(await shipshape(['course:add', bare], { env }), /is not a course: it has no course\.yaml/);

    const invalid = path.join(scratch, 'invalid');
    await writeCourse(invalid, { id: 'invalid-course' });
    await writeFile(path.join(invalid, 'course.yaml'), 'schemaVersion: 1\nid: Invalid Id\ntitle: x\nversion: one\n');
    const bad = await shipshape(['course:add', invalid], { env });
    expect(bad.exitCode).toBe(2);
    expect(bad.stderr).toMatch(/Invalid course manifest:\n.*course\.yaml:2:5 id: lower-case letters/);
    expect(bad.stderr).toMatch(/course\.yaml:4:10 version: a semantic version/);

    const badPack = path.join(scratch, 'bad-pack');
    await writeCourse(badPack, { id: 'bad-pack-course' });
    await writeFile(path.join(badPack, 'challenges', COURSE_CHALLENGE, 'manifest.yaml'), 'schemaVersion: 1\nid: course-demo-hello\n');
    expect((await shipshape(['course:add', badPack], { env })).stderr).toMatch(/Invalid challenge manifest/);

    const unreachable = await shipshape(['course:add', `file://${path.join(scratch, 'no-such-repo')}#main`], { env });
    expectOneMessage(unreachable, /Could not clone file:\/\/.*no-such-repo/);

    expectOneMessage(await shipshape(['course:remove', 'no-such-course'], { env }), /No installed course "no-such-course"\.\n.*Installed: dir-course/);
    expectOneMessage(await shipshape(['course:remove', BUILTIN_COURSE.id], { env }), /built-in course cannot be removed/);
    expectOneMessage(await shipshape(['lesson:list', '--course', 'no-such-course'], { env }), /Unknown course "no-such-course"/);

    // Nothing of the refused courses was installed or locked.
    const lock = JSON.parse(await readFile(path.join(env.SHIPSHAPE_DATA_DIR!, 'courses.lock.json'), 'utf8'));
    expect(Object.keys(lock.courses)).toEqual(['dir-course']);
    expect((await execa('ls', ['-A', path.join(env.SHIPSHAPE_DATA_DIR!, 'courses')])).stdout.split('\n')).toEqual(['dir-course']);
  });

  it('challenge:export of a challenge from a course installed from a directory is refused: no CI runner could install it', async () => {
    const exported = await shipshape(['challenge:export', COURSE_CHALLENGE, path.join(scratch, 'export-dir-course')], { env });
    expectOneMessage(exported, /comes from the course "dir-course", installed from .*dir-course on this machine: a CI runner cannot install it/);
    expect(exported.stderr).toContain('course:remove dir-course');
    // The built-in course's challenges export as before, with no course to install.
    const builtin = await shipshape(['challenge:export', 'docker-missing-multistage', path.join(scratch, 'export-builtin'), '--json'], { env });
    expect(builtin.exitCode, builtin.stderr).toBe(0);
    expect(JSON.parse(builtin.stdout).courses).toEqual([]);
    expect(await readFile(path.join(scratch, 'export-builtin', '.github', 'workflows', 'shipshape.yml'), 'utf8')).not.toContain('courses:');
  });

  it('course:remove takes it away again; the lock file forgets it', async () => {
    const removed = await shipshape(['course:remove', 'dir-course'], { env });
    expect(removed.exitCode).toBe(0);
    const lock = JSON.parse(await readFile(path.join(env.SHIPSHAPE_DATA_DIR!, 'courses.lock.json'), 'utf8'));
    expect(lock.courses).toEqual({});
    const lessons = JSON.parse((await shipshape(['lesson:list', '--json'], { env })).stdout).lessons.map((lesson: { id: string }) => lesson.id);
    expect(lessons).not.toContain(COURSE_LESSON);
  });
});
