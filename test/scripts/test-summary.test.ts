import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT } from '../support/cli.js';

const SCRIPT = path.join(ROOT, 'scripts', 'test-summary.mjs');

type Status = 'passed' | 'failed' | 'skipped' | 'pending' | 'todo';
const test = (name: string, status: Status, meta: Record<string, string> = {}) => ({ ancestorTitles: ['suite'], fullName: `suite ${name}`, title: name, status, failureMessages: [], meta });

/** A vitest JSON report as the json reporter writes it, for one file with these tests. */
function report(tests: ReturnType<typeof test>[], extra: Record<string, unknown> = {}) {
  const count = (...statuses: Status[]) => tests.filter((entry) => statuses.includes(entry.status)).length;
  return {
    numPassedTests: count('passed'),
    numFailedTests: count('failed'),
    numPendingTests: count('skipped', 'pending'),
    numTodoTests: count('todo'),
    numFailedTestSuites: 0,
    success: count('failed') === 0,
    startTime: Date.now(),
    testResults: [{ name: path.join(ROOT, 'test', 'x.test.ts'), status: 'passed', message: '', assertionResults: tests }],
    ...extra,
  };
}

describe('scripts/test-summary.mjs', () => {
  let scratch: string;
  beforeAll(async () => {
    scratch = await mkdtemp(path.join(os.tmpdir(), 'shipshape-summary-'));
  });
  afterAll(async () => {
    await rm(scratch, { recursive: true, force: true });
  });

  async function summary(content: unknown, ci: boolean) {
    const file = path.join(scratch, `${Math.random().toString(36).slice(2)}.json`);
    await writeFile(file, JSON.stringify(content));
    const env: Record<string, string | undefined> = { ...process.env, CI: ci ? 'true' : '' };
    if (!ci) delete env.CI;
    const result = await execa(process.execPath, [SCRIPT, file], { cwd: ROOT, reject: false, env, extendEnv: false });
    return { exitCode: result.exitCode, lines: String(result.stdout).trim().split('\n') };
  }

  it('all passed: one line, exit 0, with or without CI', async () => {
    for (const ci of [false, true]) {
      expect(await summary(report([test('a', 'passed'), test('b', 'passed')]), ci)).toEqual({ exitCode: 0, lines: ['2 passed, 0 failed'] });
    }
  });

  it('a declared skip is printed with its reason and does not fail CI', async () => {
    const result = await summary(report([test('a', 'passed'), test('b', 'skipped', { skipReason: 'needs root (this runs as uid 1000)' })]), true);
    expect(result).toEqual({ exitCode: 0, lines: ['skipped 1 in test/x.test.ts (declared): needs root (this runs as uid 1000)', '1 passed, 0 failed, 1 skipped'] });
  });

  it('an undeclared skip fails CI (counted as failed) and is only a warning outside CI', async () => {
    const tests = [test('a', 'passed'), test('b', 'skipped'), test('c', 'todo')];
    const ci = await summary(report(tests), true);
    expect(ci.exitCode).toBe(1);
    expect(ci.lines[0]).toBe('FAILED: 2 tests skipped with no declared reason (CI is set; declare a skip with test/support/needs.ts):');
    expect(ci.lines).toContain('  test/x.test.ts › suite b');
    expect(ci.lines.at(-1)).toBe('1 passed, 2 failed');
    const local = await summary(report(tests), false);
    expect(local.exitCode).toBe(0);
    expect(local.lines[0]).toMatch(/^warning: 2 tests skipped with no declared reason/);
    expect(local.lines.at(-1)).toBe('1 passed, 0 failed, 2 skipped');
  });

  it('a test that cannot run under CI counts as failed, with its reason, once (not again as its failed suite)', async () => {
    const reason = 'cannot run here (CI is set, so this fails instead of skipping): /usr/sbin/sshd is missing';
    const result = await summary(report([test('a', 'passed'), test('b', 'skipped', { cannotRun: reason }), test('c', 'skipped', { cannotRun: reason })], { success: false, numFailedTestSuites: 1 }), true);
    expect(result).toEqual({ exitCode: 1, lines: [`FAILED 2 in test/x.test.ts: ${reason}`, '1 passed, 2 failed'] });
  });

  it('a file that failed to load is a failure even with no failed test; no report at all is one too', async () => {
    expect(await summary(report([test('a', 'passed')], { success: false, numFailedTestSuites: 1 }), false)).toEqual({ exitCode: 1, lines: ['1 passed, 1 failed'] });
    const missing = await execa(process.execPath, [SCRIPT, path.join(scratch, 'none.json')], { reject: false });
    expect(missing.exitCode).toBe(1);
    expect(String(missing.stdout).trim()).toBe('0 passed, 1 failed');
  });
});
