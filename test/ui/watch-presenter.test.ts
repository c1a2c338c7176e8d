import { Console } from 'node:console';
import { Writable } from 'node:stream';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { UserError } from '../../src/errors.js';
import type { VerifyResult } from '../../src/grading/result.js';
import { createWatchPresenter } from '../../src/ui/watch.js';

// ink reads CI once when first imported, and patches console.Console (see verify-view.test.ts).
vi.stubEnv('CI', 'false');
vi.stubEnv('CONTINUOUS_INTEGRATION', 'false');
const consoleWithConstructor = console as unknown as { Console?: typeof Console };
const hadConsoleConstructor = typeof consoleWithConstructor.Console === 'function';
if (!hadConsoleConstructor) consoleWithConstructor.Console = Console;
afterAll(() => {
  vi.unstubAllEnvs();
  if (!hadConsoleConstructor) delete consoleWithConstructor.Console;
});

class FakeStdout extends Writable {
  columns = 100;
  rows = 50;
  isTTY = false;
  readonly chunks: string[] = [];
  override _write(chunk: Buffer | string, _encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    this.chunks.push(chunk.toString());
    callback();
  }
  text(): string {
    return this.chunks.join('').replace(/\u001B\[[0-9;?]*[A-Za-z]/g, '').replace(/\r/g, '');
  }
}

const PASSED = {
  schemaVersion: 1,
  challenge: { id: 'docker-demo', title: 'Fix the demo image', lesson: 'l' },
  workspace: '/ws',
  runId: 'r',
  passed: true,
  score: { points: 10, maxPoints: 10, percent: 100 },
  counts: { pass: 1, fail: 0, skip: 0 },
  checks: [{ id: 'build', title: 'The image builds', kind: 'build.succeeds', phase: 'build', status: 'pass', required: true, points: 10, maxPoints: 10, message: 'built', hint: null, durationMs: 1 }],
  timings: { totalMs: 1500, staticMs: 0, buildMs: 1000, imageMs: 0, runtimeMs: 0 },
  engine: {},
  build: null,
  limits: {},
  cleanup: null,
} as unknown as VerifyResult;

const options = (stdout: FakeStdout, interactive: boolean) => ({
  interactive,
  challenge: { id: 'docker-demo', title: 'Fix the demo image' },
  workspace: '/ws',
  quitKey: false,
  stdout: stdout as unknown as NodeJS.WriteStream,
});

describe('watch presenter', () => {
  it('plain: a separator per run, the cancel, the short result, errors without a stack, then the wait line', async () => {
    const stdout = new FakeStdout();
    const presenter = await createWatchPresenter(options(stdout, false));
    const onEvent = presenter.runStart({ number: 1, changed: [] });
    onEvent({ type: 'phase', phase: 'static', state: 'start' });
    await presenter.runEnd({ number: 1, changed: [] }, { kind: 'result', result: PASSED });
    presenter.runStart({ number: 2, changed: ['Dockerfile', 'a', 'b', 'c'] });
    presenter.cancelling({ number: 2, changed: ['Dockerfile'] }, ['src/app.php']);
    await presenter.runEnd({ number: 2, changed: [] }, { kind: 'cancelled' });
    presenter.runStart({ number: 3, changed: ['src/app.php'] });
    await presenter.runEnd({ number: 3, changed: [] }, { kind: 'error', error: new UserError('No Dockerfile in /ws.', 1, 'Restore the file.') });
    presenter.stopped();
    const text = stdout.text();
    expect(text).toMatch(/──── run 1 · \d\d:\d\d:\d\d · first run ────\nFix the demo image \(docker-demo\)\n\n▸ Static checks/);
    expect(text).toContain('PASSED  docker-demo: 10/10 points (100%)');
    expect(text).not.toContain('CHECK');
    expect(text).toMatch(/──── run 2 · \d\d:\d\d:\d\d · changed: Dockerfile, a, b and 1 more ────/);
    expect(text).toContain('↻ src/app.php changed: cancelling run 2 to start again...');
    expect(text).toContain('↻ Run 2 cancelled; everything it created was removed.');
    expect(text).toContain('✖ No Dockerfile in /ws.\n  → Restore the file.');
    expect(text).not.toMatch(/\n\s+at /); // no stack
    // A wait line after each finished run, none after the cancelled one (the next run follows at once).
    expect(text.match(/Watching \/ws: save a file to verify again \(Ctrl-C quits\)\./g)).toHaveLength(2);
    expect(text.trimEnd().endsWith('Stopped watching.')).toBe(true);
  });

  it('interactive: each run is a live view ending in the scorecard; a cancel is noted inside it', async () => {
    const stdout = new FakeStdout();
    const presenter = await createWatchPresenter(options(stdout, true));
    const first = presenter.runStart({ number: 1, changed: [] });
    first({ type: 'phase', phase: 'build', state: 'start' });
    first({ type: 'build', event: { type: 'step', index: 1, total: 2, instruction: 'RUN sleep 30' } });
    presenter.cancelling({ number: 1, changed: [] }, ['Dockerfile']);
    await presenter.runEnd({ number: 1, changed: [] }, { kind: 'cancelled' });
    presenter.runStart({ number: 2, changed: ['Dockerfile'] });
    await presenter.runEnd({ number: 2, changed: ['Dockerfile'] }, { kind: 'result', result: PASSED });
    const text = stdout.text();
    expect(text).toContain('ℹ Dockerfile changed: cancelling run 1 to start again...');
    expect(text).toContain('[1/2] RUN sleep 30');
    expect(text).toContain('↻ Run 1 cancelled');
    expect(text).toMatch(/run 2 · \d\d:\d\d:\d\d · changed: Dockerfile/);
    expect(text).toContain('CHECK');
    expect(text).toContain('Passed — next: `shipshape challenge:status`.');
    expect(text.indexOf('↻ Run 1 cancelled')).toBeLessThan(text.indexOf('run 2 ·'));
  });
});
