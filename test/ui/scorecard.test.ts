import { Console } from 'node:console';
import { createElement } from 'react';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { CheckResult, VerifyResult } from '../../src/grading/result.js';
import { createPlainRenderer } from '../../src/ui/plain.js';
import { formatScorecard, formatShortResult } from '../../src/ui/report.js';
import { colorWanted, makeStyle } from '../../src/ui/style.js';

// As in verify-view.test.ts: ink reads CI once when first imported, and patches console.Console.
vi.stubEnv('CI', 'false');
vi.stubEnv('CONTINUOUS_INTEGRATION', 'false');
const consoleWithConstructor = console as unknown as { Console?: typeof Console };
const hadConsoleConstructor = typeof consoleWithConstructor.Console === 'function';
if (!hadConsoleConstructor) consoleWithConstructor.Console = Console;
let view: typeof import('../../src/ui/verify-view.js');
let inkTesting: typeof import('ink-testing-library');
beforeAll(async () => {
  view = await import('../../src/ui/verify-view.js');
  inkTesting = await import('ink-testing-library');
});
afterAll(() => {
  vi.unstubAllEnvs();
  if (!hadConsoleConstructor) delete consoleWithConstructor.Console;
});

const MB = 1_000_000;
const ESC = '\u001B';

function check(id: string, status: CheckResult['status'], message: string, extra: Partial<CheckResult> = {}): CheckResult {
  return {
    id,
    title: `title of ${id}`,
    kind: 'test.kind',
    phase: 'image',
    status,
    required: true,
    points: status === 'pass' ? 10 : 0,
    maxPoints: 10,
    message,
    hint: status === 'pass' ? null : `hint for ${id}`,
    durationMs: 1,
    ...extra,
  };
}

const TOO_LARGE = check('size-over-base', 'fail', 'adds 53.0 MB over php:8.2-fpm-alpine (68.0 MB -> 121.0 MB); budget 30.0 MB', {
  evidence: {
    addedBytes: 53 * MB,
    limitBytes: 30 * MB,
    largestLayers: [
      { instruction: 'RUN apk add --no-cache git unzip autoconf g++ make linux-headers', bytes: 41 * MB },
      { instruction: 'RUN composer install --no-dev', bytes: 9 * MB },
      { instruction: 'COPY file:… in /usr/bin/composer', bytes: 3 * MB },
    ],
  },
});

function result(checks: CheckResult[], extra: Partial<VerifyResult> = {}): VerifyResult {
  const count = (status: CheckResult['status']) => checks.filter((c) => c.status === status).length;
  const points = checks.reduce((sum, c) => sum + c.points, 0);
  const maxPoints = checks.length * 10;
  return {
    schemaVersion: 1,
    challenge: { id: 'docker-demo', title: 'Fix the demo image', lesson: 'docker-basics' },
    workspace: '/tmp/demo-workspace',
    runId: 'run-1',
    passed: checks.every((c) => !c.required || c.status === 'pass'),
    score: { points, maxPoints, percent: Math.round((points / maxPoints) * 100) },
    counts: { pass: count('pass'), fail: count('fail'), skip: count('skip') },
    checks,
    timings: { totalMs: 4200, staticMs: 10, buildMs: 3000, imageMs: 100, runtimeMs: 1000 },
    engine: {} as VerifyResult['engine'],
    build: null,
    limits: {} as VerifyResult['limits'],
    cleanup: { containers: 0, images: 0, errors: [] },
    ...extra,
  };
}

const FAILING = result([
  check('multi-stage', 'pass', 'found 2 stages', { phase: 'static' }),
  check('optional-label', 'fail', 'no LABEL maintainer', { phase: 'static', required: false }),
  TOO_LARGE,
  check('container-healthy', 'skip', 'skipped: an image check failed', { phase: 'runtime' }),
]);

const COMPARISON = {
  starter: { bytes: 529_900_000, layers: 11, buildMs: 23_700, measured: 'cache' as const },
  image: { bytes: 177_300_000, layers: 10, buildMs: 5_200 },
  savedBytes: 352_600_000,
  factor: 2.99,
};

/** The scorecard as the ink view shows it at the end of a run (the live area gone). */
function finalFrame(text: string, style = makeStyle(false)): string {
  const store = new view.VerifyStore(style);
  const app = inkTesting.render(createElement(view.VerifyView, { snapshot: store.getSnapshot(), style }));
  try {
    store.close(text);
    app.rerender(createElement(view.VerifyView, { snapshot: store.getSnapshot(), style }));
    return app.lastFrame() ?? '';
  } finally {
    app.unmount();
  }
}

describe('scorecard', () => {
  it('is a table of check, result, points and message with pass, fail and skip rows', () => {
    const lines = finalFrame(formatScorecard(FAILING, makeStyle(false), 96)).split('\n');
    expect(lines[0]).toMatch(/^CHECK\s+RESULT\s+POINTS\s+MESSAGE$/);
    // Columns line up: every row's RESULT starts where the header's does.
    const resultColumn = lines[0]!.indexOf('RESULT');
    const rows = lines.slice(1, 5);
    expect(rows.map((row) => row.slice(resultColumn, resultColumn + 6))).toEqual(['✔ PASS', '✖ FAIL', '✖ FAIL', '○ SKIP']);
    expect(rows[0]).toMatch(/^multi-stage\s+✔ PASS\s+10\/10\s+found 2 stages$/);
    expect(rows[2]).toMatch(/^size-over-base\s+✖ FAIL\s+0\/10\s+adds 53\.0 MB over php:8\.2-fpm-alpine/);
    expect(rows[3]).toMatch(/^container-healthy\s+○ SKIP\s+0\/10\s+skipped: an image check failed$/);
    expect(lines).toContain('NOT YET  docker-demo: 10/40 points (25%), 1 passed, 2 failed, 1 skipped in 4.2 s');
  });

  it("names the first required failure with its largest layers, its hint and the next step", () => {
    const text = finalFrame(formatScorecard(FAILING, makeStyle(false)));
    // The optional check failed first, but the required one is what blocks the pass.
    expect(text).toContain('First to fix: title of size-over-base (size-over-base)');
    expect(text).toContain('│ largest layers:');
    expect(text).toMatch(/│ {3}41\.0 MB {2}RUN apk add --no-cache git unzip autoconf g\+\+ make linux-headers/);
    expect(text).toMatch(/│ {4}9\.0 MB {2}RUN composer install --no-dev/);
    expect(text).toMatch(/│ {4}3\.0 MB {2}COPY file:… in \/usr\/bin\/composer/);
    expect(text).toContain('Hint: hint for size-over-base');
    expect(text).toContain('Next: fix size-over-base, then run `shipshape challenge:verify`.');
    expect(text).not.toContain('Before/after');
  });

  it('after a pass shows the before/after against the starter and points to challenge:status', () => {
    const passed = result([check('multi-stage', 'pass', 'found 2 stages'), check('size-over-base', 'pass', 'adds 40.5 kB')], { comparison: COMPARISON });
    const text = finalFrame(formatScorecard(passed, makeStyle(false)));
    expect(text).toContain('PASSED  docker-demo: 20/20 points (100%)');
    expect(text).toContain('Before/after against the starter:');
    expect(text).toMatch(/image size {2}529\.9 MB → 177\.3 MB {2}\(3\.0× smaller, −352\.6 MB\)/);
    expect(text).toMatch(/layers {6}11 {7}→ 10 {8}\(−1\)/);
    expect(text).toMatch(/build time {2}23\.7 s {3}→ 5\.2 s$/m);
    expect(text).toContain('Passed — next: `shipshape challenge:status`.');
    expect(text).not.toContain('First to fix');
  });

  it('in watch mode the next step is a save, and the short result leaves the table out', () => {
    const text = formatShortResult(FAILING, makeStyle(false), { watching: true });
    expect(text).not.toContain('CHECK');
    expect(text.split('\n')[0]).toBe('NOT YET  docker-demo: 10/40 points (25%), 1 passed, 2 failed, 1 skipped in 4.2 s');
    expect(text).toContain('largest layers:');
    expect(text).toContain('Next: fix size-over-base, then save: watch mode verifies again.');
  });
});

describe('live view', () => {
  it('shows a failing size check with its largest layers as soon as it finishes', () => {
    const style = makeStyle(false);
    const store = new view.VerifyStore(style);
    const app = inkTesting.render(createElement(view.VerifyView, { snapshot: store.getSnapshot(), style }));
    try {
      store.onEvent({ type: 'phase', phase: 'image', state: 'start' });
      store.onEvent({ type: 'check', result: TOO_LARGE });
      store.flush();
      app.rerender(createElement(view.VerifyView, { snapshot: store.getSnapshot(), style }));
      const frame = app.lastFrame() ?? '';
      expect(frame).toContain('✖ FAIL  title of size-over-base (size-over-base)');
      expect(frame).toContain('budget 30.0 MB');
      expect(frame).toMatch(/│ largest layers:\n\s+│ {3}41\.0 MB {2}RUN apk add --no-cache git unzip/);
      // Still running: the phase strip shows the image phase with a spinner.
      expect(frame).toMatch(/[⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏] Image/);
    } finally {
      app.unmount();
    }
  });

  it('does not repeat build output under a failed build check (the step output is already above it)', () => {
    const failedBuild = check('build', 'fail', 'build failed at Step 3/5 : RUN false', { phase: 'build', evidence: { lastLines: ['about to fail'] } });
    const store = new view.VerifyStore(makeStyle(false));
    store.onEvent({ type: 'check', result: failedBuild });
    store.flush();
    const text = store.getSnapshot().lines.map((line) => line.text).join('\n');
    expect(text).toContain('build failed at Step 3/5 : RUN false');
    expect(text).not.toContain('about to fail');
    // The scorecard's first failure does show it.
    expect(formatScorecard(result([failedBuild]), makeStyle(false))).toContain('│ about to fail');
  });
});

describe('NO_COLOR', () => {
  const terminal = { isTTY: true };

  it('a terminal gets colour without it, and no escape code at all with it (ink frame and plain lines)', () => {
    vi.stubEnv('TERM', 'xterm-256color');
    vi.stubEnv('NO_COLOR', undefined as unknown as string);
    delete process.env.NO_COLOR;
    const coloured = makeStyle(colorWanted(terminal));
    expect(finalFrame(formatScorecard(FAILING, coloured), coloured)).toContain(ESC);

    vi.stubEnv('NO_COLOR', '1');
    const plain = makeStyle(colorWanted(terminal));
    const frame = finalFrame(formatScorecard(FAILING, plain), plain);
    expect(frame).toContain('✖ FAIL');
    expect(frame).not.toContain(ESC);

    let written = '';
    const renderer = createPlainRenderer((text) => (written += text), plain, { verbose: true });
    renderer.onEvent({ type: 'phase', phase: 'build', state: 'start' });
    renderer.onEvent({ type: 'build', event: { type: 'step', index: 1, total: 2, instruction: 'FROM scratch' } });
    renderer.onEvent({ type: 'build', event: { type: 'output', line: 'output line' } });
    renderer.onEvent({ type: 'check', result: TOO_LARGE });
    renderer.finish(FAILING);
    expect(written).toContain('[1/2] FROM scratch');
    expect(written).toContain('largest layers:');
    expect(written).not.toContain(ESC);
  });
});
