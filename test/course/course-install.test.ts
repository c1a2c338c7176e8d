import { cp, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { parse } from 'yaml';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { packRoots } from '../../src/course/packs.js';
import { connectEngine } from '../../src/engine/connect.js';
import { startWebServer } from '../../src/web/server.js';
import { shipshape } from '../support/cli.js';
import { readEvents, request } from '../web/http.js';
import { COURSE_CHALLENGE, COURSE_LESSON, HIDDEN_SECRETS, writeCourse } from '../support/course.js';
import { describeNeeding, needs } from '../support/needs.js';
import { lintWorkflowText } from '../support/workflow-lint.js';

/**
 * Courses as packages, end to end on the engine: a course installed from a local git repository at a
 * tag (pinned by commit) and from an npm pack tarball (pinned by version), listed, its lesson shown,
 * its challenge started and verified. The course's challenge has a hidden and an after-pass check:
 * the learner's --json, every --format report, the plain terminal output and the web API never name the hidden one;
 * challenge:grade (the instructor) does.
 */
const FORMATS = ['json', 'junit', 'sarif', 'github', 'gradescope', 'classroom50'];

describeNeeding(needs.engine)('course:add from git and npm, then start and verify', { timeout: 600_000 }, () => {
  let scratch: string;
  let env: Record<string, string>;
  let source: string;

  beforeAll(async () => {
    scratch = await mkdtemp(path.join(os.tmpdir(), 'shipshape-course-install-'));
    env = { SHIPSHAPE_DATA_DIR: path.join(scratch, 'data') };
    source = path.join(scratch, 'source');
    await writeCourse(source, { id: 'demo-course', version: '1.2.3', packageJson: true });
  });

  afterAll(async () => {
    await rm(scratch, { recursive: true, force: true });
  });

  const lock = async () => JSON.parse(await readFile(path.join(env.SHIPSHAPE_DATA_DIR!, 'courses.lock.json'), 'utf8'));
  const lessonIds = async () => JSON.parse((await shipshape(['lesson:list', '--json'], { env })).stdout).lessons.map((lesson: { id: string }) => lesson.id);

  it('from a local git repository at a tag: pinned by that commit, listed, started, verified; hidden checks stay hidden', async () => {
    const repo = path.join(scratch, 'repo');
    await cp(source, repo, { recursive: true });
    const git = (...args: string[]) => execa('git', ['-c', 'user.name=Test', '-c', 'user.email=test@example.org', ...args], { cwd: repo });
    await git('init', '-q', '-b', 'main');
    await git('add', '-A');
    await git('commit', '-q', '-m', 'course 1.2.3');
    await git('tag', 'v1');
    const tagged = (await git('rev-parse', 'v1')).stdout.trim();
    // A later commit on main: the #v1 ref must install the tagged one.
    await writeFile(path.join(repo, 'course.yaml'), (await readFile(path.join(repo, 'course.yaml'), 'utf8')).replace('1.2.3', '9.9.9'));
    await git('commit', '-q', '-am', 'course 9.9.9');

    const added = await shipshape(['course:add', `file://${repo}#v1`], { env });
    expect(added.exitCode, added.all).toBe(0);
    expect(added.stdout).toContain(`Added demo-course 1.2.3`);
    const entry = (await lock()).courses['demo-course'];
    expect(entry).toMatchObject({ version: '1.2.3', commit: tagged, source: { kind: 'git', url: `file://${repo}`, ref: 'v1' } });
    const listed = JSON.parse((await shipshape(['course:list', '--json'], { env })).stdout).courses;
    expect(listed.find((course: { id: string }) => course.id === 'demo-course')).toMatchObject({ version: '1.2.3', pin: tagged, origin: 'git' });
    expect(await lessonIds()).toContain(COURSE_LESSON);
    // Nothing of the repository's history is kept, and nothing from it ran.
    const installed = path.join(env.SHIPSHAPE_DATA_DIR!, 'courses', 'demo-course');
    expect((await readdir(installed)).sort()).toEqual(['challenges', 'course.yaml', 'lessons', 'package.json']);

    // Exported for CI: every platform installs this course, pinned by its commit, before it verifies.
    const exported = await shipshape(['challenge:export', COURSE_CHALLENGE, path.join(scratch, 'export-git'), '--json'], { env });
    expect(exported.exitCode, exported.all).toBe(0);
    const pinned = `file://${repo}#${tagged}`;
    expect(JSON.parse(exported.stdout).courses).toEqual([pinned]);
    const exportedFile = (file: string) => readFile(path.join(scratch, 'export-git', file), 'utf8');
    const workflow = await exportedFile('.github/workflows/shipshape.yml');
    expect(parse(workflow).jobs.verify.steps[1].with.courses.trim()).toBe(pinned);
    expect(await lintWorkflowText(workflow, '.github/workflows/shipshape.yml')).toEqual([]);
    expect(parse(await exportedFile('.gitlab-ci.yml'))['.shipshape'].script).toContain(`shipshape course:add '${pinned}'`);
    expect(await exportedFile('gradescope/setup.sh')).toContain(`shipshape course:add '${pinned}'`);
    expect(await exportedFile('classroom50/autograder.py')).toContain(`COURSES = ${JSON.stringify([pinned])}`);
    expect(await exportedFile('README.md')).toContain(`shipshape course:add '${pinned}'`);

    const started = await shipshape(['challenge:start', COURSE_CHALLENGE, '--dir', 'ws-git'], { env, cwd: scratch });
    expect(started.exitCode, started.all).toBe(0);
    const workspace = path.join(scratch, 'ws-git');

    // The starter, as the learner sees it: --json.
    const json = await shipshape(['challenge:verify', '--dir', workspace, '--json'], { env });
    expect(json.exitCode, json.all).toBe(1);
    const result = JSON.parse(json.stdout);
    expect(result.checks.map((check: { id: string }) => check.id)).toEqual(['exec-form', 'builds']);
    expect(result.hidden).toEqual({ checks: 2 });
    expect(result.score.maxPoints).toBe(40);
    for (const secret of HIDDEN_SECRETS) expect(json.stdout).not.toContain(secret);

    // Every CI report from one verify, and the plain terminal lines around it.
    const reports = path.join(scratch, 'reports');
    await mkdir(reports, { recursive: true });
    const formatted = await shipshape(['challenge:verify', '--dir', workspace, '--plain', ...FORMATS.flatMap((format) => ['--format', `${format}=${path.join(reports, format)}`])], {
      env: { ...env, GITHUB_WORKSPACE: workspace },
    });
    expect(formatted.exitCode, formatted.all).toBe(1);
    expect(formatted.all).toContain('2 hidden checks (in the points, not shown)');
    for (const secret of HIDDEN_SECRETS) expect(formatted.all).not.toContain(secret);
    for (const format of FORMATS) {
      const report = await readFile(path.join(reports, format), 'utf8');
      expect(report, format).toContain('exec-form');
      // Gradescope hides tests from students itself: the hidden checks are there, marked hidden, and nowhere else.
      const shown = format === 'gradescope' ? JSON.stringify((JSON.parse(report) as { tests: Array<{ visibility: string }> }).tests.filter((test) => test.visibility !== 'hidden')) : report;
      if (format === 'gradescope') expect(report).toContain('"visibility": "hidden"');
      for (const secret of HIDDEN_SECRETS) expect(shown, `${format} names ${secret}`).not.toContain(secret);
    }
    // The learner's progress does not name it either.
    const progress = await readFile(path.join(workspace, '.shipshape', 'progress.json'), 'utf8');
    for (const secret of HIDDEN_SECRETS) expect(progress).not.toContain(secret);

    // The web page's API: the live events and the final result of a verify leave it out too.
    const web = await startWebServer({ courseRoot: workspace, packRoots: await packRoots([], [installed]), connectEngine: () => connectEngine({}) });
    try {
      const headers = { 'x-shipshape-token': web.token, 'content-type': 'application/json' };
      const posted = await request(web.port, { method: 'POST', path: `/api/challenges/${COURSE_CHALLENGE}/verify`, headers });
      expect(posted.status, posted.body).toBe(202);
      const stream = await readEvents(web.port, JSON.parse(posted.body).events, headers);
      const final = stream.messages.find((message) => message.event === 'result');
      expect(final, stream.messages.map((message) => message.data).join('\n')).toBeDefined();
      expect(JSON.parse(final!.data)).toMatchObject({ passed: false, hidden: { checks: 2 } });
      const everything = stream.messages.map((message) => message.data).join('\n');
      expect(everything).toContain('exec-form');
      for (const secret of HIDDEN_SECRETS) expect(everything).not.toContain(secret);
    } finally {
      await web.close();
    }

    // The instructor grading the same answer sees the hidden check whole.
    const submissions = path.join(scratch, 'submissions');
    await mkdir(path.join(submissions, 'learner-1'), { recursive: true });
    await cp(path.join(workspace, 'Dockerfile'), path.join(submissions, 'learner-1', 'Dockerfile'));
    const graded = await shipshape(['challenge:grade', submissions, '--challenge', COURSE_CHALLENGE, '--json', '--state', path.join(scratch, 'grade-state.json')], { env });
    expect(graded.stdout).toContain('app-dir-hidden');
    expect(graded.stdout).toContain('Hidden-app-directory-rule');

    // The solution passes; the after-pass check now shows, the hidden one still does not.
    await cp(path.join(installed, 'challenges', COURSE_CHALLENGE, 'solution', 'Dockerfile'), path.join(workspace, 'Dockerfile'));
    const passed = await shipshape(['challenge:verify', '--dir', workspace, '--json'], { env });
    expect(passed.exitCode, passed.all).toBe(0);
    const passing = JSON.parse(passed.stdout);
    expect(passing.passed).toBe(true);
    expect(passing.checks.map((check: { id: string }) => check.id)).toEqual(['exec-form', 'builds', 'bonus-workdir']);
    expect(passing.hidden).toEqual({ checks: 1 });
    for (const secret of HIDDEN_SECRETS) expect(passed.stdout).not.toContain(secret);

    const removed = await shipshape(['course:remove', 'demo-course'], { env });
    expect(removed.exitCode, removed.all).toBe(0);
    expect((await lock()).courses).toEqual({});
    expect(await lessonIds()).not.toContain(COURSE_LESSON);
  });

  it('from an npm pack tarball: pinned by version and integrity, no script run, listed, started, verified', async () => {
    const packed = await execa('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', scratch], { cwd: source });
    const tarball = path.join(scratch, JSON.parse(packed.stdout)[0].filename);
    const added = await shipshape(['course:add', tarball], { env, cwd: scratch });
    expect(added.exitCode, added.all).toBe(0);
    const entry = (await lock()).courses['demo-course'];
    expect(entry).toMatchObject({ version: '1.2.3', source: { kind: 'npm', spec: tarball } });
    expect(entry.integrity).toMatch(/^sha512-[A-Za-z0-9+/]+=*$/);
    expect(entry.commit).toBeUndefined();
    const installed = path.join(env.SHIPSHAPE_DATA_DIR!, 'courses', 'demo-course');
    for (const dir of [installed, scratch, source]) expect((await readdir(dir)).filter((name) => name.startsWith('ran-'))).toEqual([]);
    expect(await lessonIds()).toContain(COURSE_LESSON);
    const listed = JSON.parse((await shipshape(['course:list', '--json'], { env })).stdout).courses;
    expect(listed.find((course: { id: string }) => course.id === 'demo-course')).toMatchObject({ version: '1.2.3', pin: '1.2.3', origin: 'npm' });

    const started = await shipshape(['challenge:start', COURSE_CHALLENGE, '--dir', 'ws-npm', '--course', 'demo-course'], { env, cwd: scratch });
    expect(started.exitCode, started.all).toBe(0);
    // The next steps it prints name the course it was given, so that copying them works.
    expect(started.stdout).toContain('shipshape challenge:verify --dir ws-npm --course demo-course');
    const workspace = path.join(scratch, 'ws-npm');
    await cp(path.join(installed, 'challenges', COURSE_CHALLENGE, 'solution', 'Dockerfile'), path.join(workspace, 'Dockerfile'));
    const verified = await shipshape(['challenge:verify', '--dir', workspace, '--json'], { env });
    expect(verified.exitCode, verified.all).toBe(0);
    expect(JSON.parse(verified.stdout)).toMatchObject({ passed: true, challenge: { id: COURSE_CHALLENGE } });

    expect((await shipshape(['course:remove', 'demo-course'], { env })).exitCode).toBe(0);
    expect((await lock()).courses).toEqual({});
  });
});
