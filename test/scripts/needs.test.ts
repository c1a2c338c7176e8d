import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT } from '../support/cli.js';

const CONFIG = path.join(ROOT, 'test', 'fixtures', 'needs', 'vitest.config.ts');

/**
 * test/support/needs.ts end to end: a child vitest runs a fixture with unmet needs, with and without
 * CI, and scripts/test-summary.mjs reads its JSON report as .ci/run does.
 */
describe('declared skips (test/support/needs.ts) through vitest and the summary', { timeout: 120_000 }, () => {
  let scratch: string;
  beforeAll(async () => {
    scratch = await mkdtemp(path.join(os.tmpdir(), 'shipshape-needs-'));
  });
  afterAll(async () => {
    await rm(scratch, { recursive: true, force: true });
  });

  async function run(ci: boolean) {
    const output = path.join(scratch, `${ci ? 'ci' : 'local'}.json`);
    const env: Record<string, string | undefined> = { ...process.env };
    delete env.CI;
    if (ci) env.CI = 'true';
    const vitest = await execa(process.execPath, [path.join(ROOT, 'node_modules', 'vitest', 'vitest.mjs'), 'run', '--config', CONFIG, '--outputFile.json', output], {
      cwd: ROOT,
      env,
      extendEnv: false,
      reject: false,
    });
    const report = JSON.parse(await readFile(output, 'utf8')) as { testResults: Array<{ assertionResults: Array<{ title: string; status: string; meta: Record<string, string> }> }> };
    const tests = Object.fromEntries(report.testResults.flatMap((file) => file.assertionResults).map((test) => [test.title, test]));
    const summary = await execa(process.execPath, [path.join(ROOT, 'scripts', 'test-summary.mjs'), output], { cwd: ROOT, env, extendEnv: false, reject: false });
    return { vitest, tests, summary: { exitCode: summary.exitCode, lines: String(summary.stdout).trim().split('\n') } };
  }

  it('outside CI: unmet needs skip with their reasons in the report; the summary prints them and passes', async () => {
    const { vitest, tests, summary } = await run(false);
    expect(vitest.exitCode, String(vitest.stderr)).toBe(0);
    expect(tests['rides it']).toMatchObject({ status: 'skipped', meta: { skipReason: 'no unicorn on this machine: install one' } });
    expect(tests['looks at the rainbow']).toMatchObject({ status: 'skipped', meta: { skipReason: 'no rainbow here' } });
    expect(tests.breathes!.status).toBe('passed');
    expect(summary).toEqual({
      exitCode: 0,
      lines: [
        'skipped 2 in test/fixtures/needs/needs.fixture.ts (declared): no unicorn on this machine: install one',
        'skipped 1 in test/fixtures/needs/needs.fixture.ts (declared): no rainbow here',
        '1 passed, 0 failed, 3 skipped',
      ],
    });
  });

  it('under CI: a test that cannot run fails with its reason (its suite set-up never runs); an optional need still skips, declared', async () => {
    const { vitest, tests, summary } = await run(true);
    expect(vitest.exitCode).not.toBe(0);
    const reason = 'cannot run here (CI is set, so this fails instead of skipping): no unicorn on this machine: install one';
    expect(String(vitest.stdout) + String(vitest.stderr)).not.toContain('the suite set-up ran');
    expect(tests['rides it']!.meta).toEqual({ cannotRun: reason });
    expect(tests['looks at the rainbow']).toMatchObject({ status: 'skipped', meta: { skipReason: 'no rainbow here' } });
    expect(summary.exitCode).toBe(1);
    expect(summary.lines).toContain(`FAILED 2 in test/fixtures/needs/needs.fixture.ts: ${reason}`);
    expect(summary.lines.at(-1)).toBe('1 passed, 2 failed, 1 skipped');
  });
});
