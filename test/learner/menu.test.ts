import { Console } from 'node:console';
import { createElement } from 'react';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { CourseOutline } from '../../src/course/lessons.js';
import type { MenuChoice } from '../../src/ui/menu.js';

// As in verify-view.test.ts: ink reads CI once at import, and patches console.Console.
vi.stubEnv('CI', 'false');
vi.stubEnv('CONTINUOUS_INTEGRATION', 'false');
const consoleWithConstructor = console as unknown as { Console?: typeof Console };
const hadConsoleConstructor = typeof consoleWithConstructor.Console === 'function';
if (!hadConsoleConstructor) consoleWithConstructor.Console = Console;
let menu: typeof import('../../src/ui/menu.js');
let inkTesting: typeof import('ink-testing-library');
beforeAll(async () => {
  menu = await import('../../src/ui/menu.js');
  inkTesting = await import('ink-testing-library');
});
afterAll(() => {
  vi.unstubAllEnvs();
  if (!hadConsoleConstructor) delete consoleWithConstructor.Console;
});

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const strip = (text: string) => text.replace(/\u001B\[[0-9;?]*[A-Za-z]/g, '');
const DOWN = '\u001B[B';
const UP = '\u001B[A';

const challenge = (id: string, status: 'passed' | 'in-progress' | 'not-started') => ({
  id,
  title: `Title of ${id}`,
  difficulty: 'beginner',
  status,
  attempts: status === 'not-started' ? 0 : 2,
  bestPercent: status === 'not-started' ? null : status === 'passed' ? 100 : 40,
});

const outline: CourseOutline = {
  passed: 1,
  total: 3,
  next: { challenge: 'two', title: 'Title of two', lesson: 'basics' },
  lessons: [
    { id: 'basics', title: 'Basics', order: 1, prerequisites: [], unlocked: true, passed: 1, total: 2, challenges: [challenge('one', 'passed'), challenge('two', 'in-progress')] },
    { id: 'more', title: 'More', order: 2, prerequisites: ['basics'], unlocked: false, passed: 0, total: 1, challenges: [challenge('three', 'not-started')] },
  ],
};

async function drive(keys: string[], gapMs = 30) {
  const chosen: Array<MenuChoice | null> = [];
  const view = inkTesting.render(createElement(menu.CourseMenu, { outline, onChoose: (choice) => chosen.push(choice) }));
  await sleep(50);
  for (const key of keys) {
    view.stdin.write(key);
    if (gapMs > 0) await sleep(gapMs);
  }
  await sleep(30);
  const frame = strip(view.lastFrame() ?? '');
  view.unmount();
  return { chosen, frame };
}

describe('course menu', () => {
  it('lists lessons and challenges with their status, the cursor on the suggested challenge', async () => {
    const { frame, chosen } = await drive([]);
    expect(frame).toContain('1/3 challenges passed');
    expect(frame).toMatch(/Basics 1\/2/);
    expect(frame).toMatch(/More 0\/1 \(after basics\)/);
    expect(frame).toMatch(/✔ Title of one .*one · passed · best 100% · 2 attempts/);
    expect(frame).toMatch(/❯ +◐ Title of two/);
    expect(frame).toMatch(/· Title of three .*not started/);
    expect(chosen).toEqual([]);
  });

  it('down and Enter choose the row below the cursor', async () => {
    // From "two", down moves to the lesson "More".
    expect((await drive([DOWN, '\r'])).chosen).toEqual([{ type: 'lesson', id: 'more' }]);
    expect((await drive([DOWN, DOWN, '\r'])).chosen).toEqual([{ type: 'challenge', id: 'three' }]);
    expect((await drive([UP, UP, '\r'])).chosen).toEqual([{ type: 'lesson', id: 'basics' }]);
  });

  it('keys faster than a re-render still act in order', async () => {
    expect((await drive([DOWN, DOWN, '\r'], 0)).chosen).toEqual([{ type: 'challenge', id: 'three' }]);
  });

  it('the cursor wraps around, and q quits without a choice', async () => {
    expect((await drive([DOWN, DOWN, DOWN, '\r'])).chosen).toEqual([{ type: 'lesson', id: 'basics' }]);
    expect((await drive(['q'])).chosen).toEqual([null]);
    // Only one choice is ever reported.
    expect((await drive(['\r', '\r', 'q'])).chosen).toEqual([{ type: 'challenge', id: 'two' }]);
  });
});
