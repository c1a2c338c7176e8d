import { cp, mkdir, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { execa } from 'execa';
import { ROOT, shipshape } from '../support/cli.js';

/** Bare `shipshape` as if on a terminal (test/support/fake-tty.mjs); keys are sent once the menu shows. */
async function menuSession(cwd: string, keys: string[]) {
  const child = execa(process.execPath, [path.join(ROOT, 'test', 'support', 'fake-tty.mjs')], {
    cwd,
    reject: false,
    // Without CI: the menu is for people at a terminal, and ink would not redraw under CI.
    env: { ...Object.fromEntries(Object.entries(process.env).filter(([name]) => name !== 'CI' && name !== 'CONTINUOUS_INTEGRATION')), NO_COLOR: '1' },
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
  for (const key of keys) {
    child.stdin!.write(key);
    await new Promise((resolve) => setTimeout(resolve, 150));
  }
  const result = await child;
  return { exitCode: result.exitCode, all: String(result.all) };
}

const ID = 'docker-missing-multistage';
let course: string;
let workspace: string;
beforeEach(async () => {
  course = await mkdtemp(path.join(os.tmpdir(), 'shipshape-course-'));
  workspace = path.join(course, ID);
});
afterEach(async () => {
  await rm(course, { recursive: true, force: true });
});

const progressOf = async () => JSON.parse(await readFile(path.join(course, '.shipshape', 'progress.json'), 'utf8'));
const noStack = (text: string) => expect(text).not.toMatch(/\n\s+at /);

async function start() {
  const started = await shipshape(['challenge:start', ID], { cwd: course });
  expect(started.exitCode, started.all).toBe(0);
}

describe('learner commands through the CLI', () => {
  it('start records progress in the course root; list, status and its alias show it', async () => {
    const before = await shipshape(['challenge:list', '--json'], { cwd: course });
    expect(JSON.parse(before.stdout).challenges.find((row: { id: string }) => row.id === ID)).toMatchObject({ status: 'not-started', lesson: 'docker-intermediate' });
    await start();
    expect((await progressOf()).challenges[ID]).toMatchObject({ workspace, attempts: 0 });

    const list = await shipshape(['challenge:list'], { cwd: course });
    expect(list.stdout).toMatch(/^ID +TITLE +DIFFICULTY +LESSON +STATUS$/m);
    expect(list.stdout).toMatch(new RegExp(`^${ID} .* in progress$`, 'm'));

    // From inside the workspace, the same course progress is found.
    const status = await shipshape(['challenge:status', '--json'], { cwd: path.join(workspace, 'src') });
    expect(status.exitCode, status.all).toBe(0);
    const json = JSON.parse(status.stdout);
    expect(json).toMatchObject({ courseRoot: course, total: expect.any(Number), next: { challenge: ID, lesson: 'docker-intermediate' } });
    expect(json.nextCommand).toBe('shipshape challenge:verify');
    expect(json.lessons[0].challenges[0]).toMatchObject({ id: ID, status: 'in-progress', attempts: 0 });

    const alias = await shipshape(['progress'], { cwd: course });
    expect(alias.exitCode, alias.all).toBe(0);
    expect(alias.stdout).toMatch(/Course progress +\[░+\] 0\/\d+ challenges passed/);
    expect(alias.stdout).toMatch(/Docker Intermediate +\[░+\] 0\/\d+/);
    expect(alias.stdout).toMatch(new RegExp(`◐ ${ID} +in progress · 0 attempts`));
    expect(alias.stdout).toContain(`shipshape challenge:verify --dir ${ID}`);
  });

  it('a passed challenge shows as passed and the course as complete', async () => {
    await start();
    await writeFile(
      path.join(course, '.shipshape', 'progress.json'),
      JSON.stringify({ schemaVersion: 1, challenges: { [ID]: { attempts: 3, bestPercent: 100, passedAt: '2026-01-01T00:00:00.000Z' } } }),
    );
    const list = await shipshape(['challenge:list', '--json'], { cwd: course });
    expect(JSON.parse(list.stdout).challenges.find((row: { id: string }) => row.id === ID).status).toBe('passed');
    const status = await shipshape(['challenge:status'], { cwd: course });
    expect(status.stdout).toMatch(new RegExp(`✔ ${ID} +passed · best 100% · 3 attempts`));
  });

  it('hint reveals the levels in turn, remembers them, and puts the failing check first', async () => {
    await start();
    const first = await shipshape(['challenge:hint'], { cwd: workspace });
    expect(first.exitCode, first.all).toBe(0);
    expect(first.stdout).toContain('Hint 1 of 3');
    expect(first.stdout).toContain('Run `shipshape challenge:hint` again for hint 2 of 3.');
    const second = await shipshape(['challenge:hint', ID], { cwd: course });
    expect(second.stdout).toContain('Hint 2 of 3');
    expect((await progressOf()).challenges[ID].hintsSeen).toEqual([1, 2]);

    const all = await shipshape(['challenge:hint', '--all', '--json'], { cwd: workspace });
    expect(JSON.parse(all.stdout).hints.map((hint: { level: number }) => hint.level)).toEqual([1, 2, 3]);
    const again = await shipshape(['challenge:hint'], { cwd: workspace });
    expect(again.stdout).toContain('Hint 3 of 3');
    expect(again.stdout).toContain('That was the last hint');

    const bad = await shipshape(['challenge:hint', '--level', '9'], { cwd: workspace });
    expect(bad.exitCode).toBe(2);
    expect(bad.stderr).toContain('there is no level 9');
    noStack(bad.stderr);

    // What a failed verify leaves in the progress: the first failing check's manifest hint leads.
    const progress = await progressOf();
    progress.challenges[ID].lastVerify = { at: 'x', passed: false, percent: 30, points: 30, maxPoints: 100, failing: ['builder-stage', 'multi-stage'] };
    await writeFile(path.join(course, '.shipshape', 'progress.json'), JSON.stringify(progress));
    const failing = await shipshape(['challenge:hint', '--level', '1'], { cwd: workspace });
    expect(failing.stdout.split('\n')[0]).toMatch(/Your last verify failed A stage named builder starts from composer:2 \(builder-stage\)/);
    expect(failing.stdout.indexOf('FROM composer:2 AS builder')).toBeLessThan(failing.stdout.indexOf('Hint 1 of 3'));
  });

  it('solution asks first: refused without a terminal, shown with --yes and noted', async () => {
    await start();
    const refused = await shipshape(['challenge:solution'], { cwd: workspace });
    expect(refused.exitCode).toBe(2);
    expect(refused.stderr).toContain('needs a confirmation');
    expect(refused.stderr).toContain('--yes');
    noStack(refused.stderr);
    expect((await progressOf()).challenges[ID].solutionViewedAt).toBeNull();

    const shown = await shipshape(['challenge:solution', '--yes'], { cwd: workspace });
    expect(shown.exitCode, shown.all).toBe(0);
    expect(shown.stdout).toMatch(/^--- yours\/Dockerfile$/m);
    expect(shown.stdout).toMatch(/^\+FROM composer:2 AS builder$/m);
    expect((await progressOf()).challenges[ID].solutionViewedAt).toEqual(expect.any(String));
  });

  it('reset backs up and restores; stop ends the challenge; a second challenge in an active workspace is refused', async () => {
    await start();
    await writeFile(path.join(workspace, 'Dockerfile'), 'FROM mine\n');
    const reset = await shipshape(['challenge:reset'], { cwd: workspace });
    expect(reset.exitCode, reset.all).toBe(0);
    expect(reset.stdout).toMatch(/Moved 1 file to \.shipshape\/backups\/[^:]+:\n  Dockerfile/);
    const backups = await readdir(path.join(workspace, '.shipshape', 'backups'));
    expect(await readFile(path.join(workspace, '.shipshape', 'backups', backups[0]!, 'Dockerfile'), 'utf8')).toBe('FROM mine\n');
    expect(await readFile(path.join(workspace, 'Dockerfile'), 'utf8')).toBe(await readFile(path.join(ROOT, 'challenges', ID, 'starter', 'Dockerfile'), 'utf8'));

    const packs = path.join(course, 'packs');
    await mkdir(packs);
    await cp(path.join(ROOT, 'templates', 'dockerfile'), path.join(packs, 'other'), { recursive: true });
    const other = await shipshape(['challenge:start', 'my-new-challenge', '--pack', packs, '--dir', workspace], { cwd: course });
    expect(other.exitCode).toBe(1);
    expect(other.stderr).toContain(`already holds the active challenge ${ID}`);
    expect(other.stderr).toContain('challenge:stop');
    noStack(other.stderr);

    const stop = await shipshape(['challenge:stop', '--dir', workspace], { cwd: course });
    expect(stop.exitCode, stop.all).toBe(0);
    expect(stop.stdout).toContain(`Stopped ${ID}`);
    expect(stop.stdout).toMatch(/removed the unchanged starter files: .*Dockerfile/);
    expect((await readdir(workspace)).sort()).toEqual(['.shipshape']);
    expect((await progressOf()).challenges[ID].workspace).toBeNull();
    const nowFree = await shipshape(['challenge:start', 'my-new-challenge', '--pack', packs, '--dir', workspace], { cwd: course });
    expect(nowFree.exitCode, nowFree.all).toBe(0);
  });

  it('a damaged progress file is kept aside with one warning, and the command carries on', async () => {
    await start();
    await writeFile(path.join(course, '.shipshape', 'progress.json'), '{"schemaVersion":1,"chall');
    const status = await shipshape(['challenge:status'], { cwd: course });
    expect(status.exitCode, status.all).toBe(0);
    expect(status.stderr.trim().split('\n')).toHaveLength(1);
    expect(status.stderr).toMatch(/⚠ Progress file .* was damaged .*progress\.json\.corrupt-/);
    const kept = (await readdir(path.join(course, '.shipshape'))).filter((name) => name.startsWith('progress.json.corrupt-'));
    expect(await readFile(path.join(course, '.shipshape', kept[0]!), 'utf8')).toBe('{"schemaVersion":1,"chall');
    expect(status.stdout).toMatch(new RegExp(`· ${ID} +not started`));
  });

  it('lessons: list and show; an unknown one is one clear message', async () => {
    const list = await shipshape(['lesson:list', '--json'], { cwd: course });
    expect(JSON.parse(list.stdout).lessons[0]).toMatchObject({ id: 'docker-intermediate', challenges: expect.arrayContaining([ID]) });
    const show = await shipshape(['lesson:show', 'docker-intermediate'], { cwd: course });
    expect(show.exitCode, show.all).toBe(0);
    expect(show.stdout).toContain('Build tools do not belong in the image you run');
    expect(show.stdout).not.toContain('prerequisites:');
    expect(show.stdout).toMatch(new RegExp(`Challenges in this lesson\\n +· ${ID}: `));
    const unknown = await shipshape(['lesson:show', 'nope'], { cwd: course });
    expect(unknown.exitCode).toBe(2);
    expect(unknown.stderr).toContain('Unknown lesson "nope"');
    noStack(unknown.stderr);
  });

  it('bare shipshape without a terminal prints the help; --help and --version still work; menu needs a terminal', async () => {
    const bare = await shipshape([], { cwd: course });
    expect(bare.exitCode).toBe(0);
    expect(bare.stdout).toContain('COMMANDS');
    expect(bare.stdout).toMatch(/challenge:status +Show your progress/);
    expect(bare.stdout).not.toMatch(/^ +progress +Show/m);
    const help = await shipshape(['--help'], { cwd: course });
    expect(help.stdout).toContain('COMMANDS');
    const version = await shipshape(['--version'], { cwd: course });
    expect(version.stdout).toMatch(/^shipshape\/\d+\.\d+\.\d+/);
    const menu = await shipshape(['menu'], { cwd: course });
    expect(menu.exitCode).toBe(2);
    expect(menu.stderr).toContain('The menu needs a terminal.');
  });

  it('bare shipshape on a terminal opens the menu: Enter on the suggested challenge starts it, up + Enter reads the lesson', async () => {
    const started = await menuSession(course, ['\r']);
    expect(started.exitCode, started.all).toBe(0);
    expect(started.all).toMatch(/Docker Intermediate 0\/\d+/);
    expect(started.all).toContain(`Started ${ID}`);
    expect(started.all).toContain(`Next: cd ${ID} && $EDITOR Dockerfile, then run: shipshape challenge:verify`);
    expect(JSON.parse(await readFile(path.join(workspace, '.shipshape', 'challenge.json'), 'utf8')).challenge).toBe(ID);
    expect((await progressOf()).challenges[ID].workspace).toBe(workspace);

    const lesson = await menuSession(course, ['\u001B[A', '\r']);
    expect(lesson.exitCode, lesson.all).toBe(0);
    expect(lesson.all).toContain('Build tools do not belong in the image you run');
    expect(lesson.all).toMatch(new RegExp(`◐ ${ID}: .*in progress`));

    const quit = await menuSession(course, ['q']);
    expect(quit.exitCode, quit.all).toBe(0);
    expect(quit.all).not.toContain('Started');
  }, 60_000);
});
