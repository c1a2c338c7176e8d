import { Console } from 'node:console';
import { Writable } from 'node:stream';
import { createElement } from 'react';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { CheckResult, VerifyResult } from '../../src/grading/result.js';
import type { VerifyEvent } from '../../src/grading/verify.js';
import { formatScorecard } from '../../src/ui/report.js';
import { makeStyle } from '../../src/ui/style.js';

// ink only writes its final frame when it thinks it runs in CI; is-in-ci reads CI once, when ink is
// first imported, so the view module is imported only after CI is switched off for this file.
vi.stubEnv('CI', 'false');
vi.stubEnv('CONTINUOUS_INTEGRATION', 'false');
// ink patches the console through console.Console, which vitest's console replacement lacks.
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

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const strip = (text: string) => text.replace(/\u001B\[[0-9;?]*[A-Za-z]/g, '').replace(/\r/g, '');

function check(id: string, phase: CheckResult['phase'], status: CheckResult['status'], title: string, message: string): CheckResult {
  return {
    id,
    title,
    kind: 'test.kind',
    phase,
    status,
    required: true,
    points: status === 'pass' ? 10 : 0,
    maxPoints: 10,
    message,
    hint: status === 'pass' ? null : `fix ${id}`,
    durationMs: 1,
  };
}

const CHECKS = {
  stages: check('multi-stage', 'static', 'pass', 'The Dockerfile has at least two stages', 'found 2 stages'),
  health: check('healthcheck-declared', 'static', 'fail', 'The final stage declares a HEALTHCHECK', 'no HEALTHCHECK in the final stage'),
  build: check('build', 'build', 'pass', 'The image builds', 'built in 3 steps'),
  size: check('size-over-base', 'image', 'pass', 'The image adds at most 30 MB', 'adds 12 MB'),
  healthy: check('container-healthy', 'runtime', 'pass', 'A container from the image becomes healthy', 'healthy after 2 s'),
};

function result(checks: CheckResult[]): VerifyResult {
  const pass = checks.filter((c) => c.status === 'pass').length;
  const fail = checks.filter((c) => c.status === 'fail').length;
  const points = checks.reduce((sum, c) => sum + c.points, 0);
  return {
    schemaVersion: 1,
    challenge: { id: 'docker-demo', title: 'Fix the demo image', lesson: 'docker-basics' },
    workspace: '/tmp/demo-workspace',
    runId: 'run-1',
    passed: fail === 0,
    score: { points, maxPoints: checks.length * 10, percent: Math.round((points / (checks.length * 10)) * 100) },
    counts: { pass, fail, skip: 0 },
    checks,
    timings: { totalMs: 4200, staticMs: 10, buildMs: 3000, imageMs: 100, runtimeMs: 1000 },
    engine: { version: '27.0.0', apiVersion: '1.46', os: 'linux', arch: 'amd64', rootless: false } as unknown as VerifyResult['engine'],
    build: { imageId: 'sha256:abc', steps: 3, durationMs: 3000, context: { files: 3, bytes: 1200, ignored: 1 }, keptAs: null },
    limits: {} as VerifyResult['limits'],
    cleanup: { containers: 1, images: 1, errors: [] },
  };
}

/** The scripted run, in the order the grading core emits it, split where the tests look at the screen. */
const SCRIPT: Record<'static' | 'steps' | 'rest', VerifyEvent[][]> = {
  static: [
    [
      { type: 'phase', phase: 'static', state: 'start' },
      { type: 'check', result: CHECKS.stages },
      { type: 'check', result: CHECKS.health },
      { type: 'phase', phase: 'static', state: 'end' },
      { type: 'phase', phase: 'build', state: 'start' },
      { type: 'build', event: { type: 'context', fileCount: 3, totalBytes: 1200, ignoredCount: 1 } },
    ],
  ],
  steps: [1, 2, 3].map((index) => [
    { type: 'build', event: { type: 'step', index, total: 3, instruction: ['FROM node:20-alpine', 'RUN npm ci --omit=dev', 'CMD ["node", "server.js"]'][index - 1]! } },
    ...Array.from({ length: 6 }, (_, line): VerifyEvent => ({ type: 'build', event: { type: 'output', line: `step ${index} output ${line}\n` } })),
  ]),
  rest: [
    [
      { type: 'check', result: CHECKS.build },
      { type: 'phase', phase: 'build', state: 'end' },
      { type: 'phase', phase: 'image', state: 'start' },
      { type: 'note', message: 'building the starter once to compare sizes' },
      { type: 'check', result: CHECKS.size },
      { type: 'phase', phase: 'image', state: 'end' },
      { type: 'phase', phase: 'runtime', state: 'start' },
      { type: 'check', result: CHECKS.healthy },
      { type: 'phase', phase: 'runtime', state: 'end' },
    ],
  ],
};

class FakeStdout extends Writable {
  columns = 100;
  rows = 50;
  isTTY = false;
  readonly chunks: string[] = [];
  override _write(chunk: Buffer | string, _encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    this.chunks.push(chunk.toString());
    callback();
  }
  text(from = 0): string {
    return strip(this.chunks.slice(from).join(''));
  }
}

describe('VerifyView (ink-testing-library)', () => {
  it('shows the build step, its output tail, finished checks and the scorecard', () => {
    const style = makeStyle(false);
    const store = new view.VerifyStore(style);
    const app = inkTesting.render(createElement(view.VerifyView, { snapshot: store.getSnapshot(), style }));
    store.subscribe(() => app.rerender(createElement(view.VerifyView, { snapshot: store.getSnapshot(), style })));
    const feed = (batch: VerifyEvent[]) => {
      for (const event of batch) store.onEvent(event);
      store.flush();
    };
    try {
      feed(SCRIPT.static[0]!);
      let frame = strip(app.lastFrame() ?? '');
      expect(frame).toContain('✔ PASS  The Dockerfile has at least two stages (multi-stage)');
      expect(frame).toContain('✖ FAIL  The final stage declares a HEALTHCHECK (healthcheck-declared)');
      expect(frame).toContain('✖ Static checks (Dockerfile) · 1 passed, 1 failed');
      expect(frame).toContain('context: 3 files, 1.2 kB (1 ignored by .dockerignore)');

      feed(SCRIPT.steps[1]!);
      frame = strip(app.lastFrame() ?? '');
      expect(frame).toMatch(/step 2\/3 {2}RUN npm ci --omit=dev/);
      // Only the last TAIL_LINES output lines of the running step are on screen.
      expect(frame).toContain('│ step 2 output 5');
      expect(frame).toContain(`│ step 2 output ${6 - view.TAIL_LINES}`);
      expect(frame).not.toContain(`│ step 2 output ${5 - view.TAIL_LINES}`);

      feed(SCRIPT.steps[2]!);
      frame = strip(app.lastFrame() ?? '');
      expect(frame).toMatch(/step 3\/3 {2}CMD \["node", "server.js"\]/);
      expect(frame).toMatch(/\[2\/3\] RUN npm ci --omit=dev \d+\.\d s/);

      feed(SCRIPT.rest[0]!);
      frame = strip(app.lastFrame() ?? '');
      expect(frame).not.toContain('step 3/3');
      expect(frame).toContain('The image builds (build)');
      expect(frame).toContain('ℹ building the starter once to compare sizes');
      expect(frame).toContain('A container from the image becomes healthy (container-healthy)');
      expect(frame).toMatch(/✔ Runtime checks · 1 passed/);

      const final = result(Object.values(CHECKS));
      store.close(`\n${formatScorecard(final, style)}`);
      frame = strip(app.lastFrame() ?? '');
      expect(frame).toContain('NOT YET  docker-demo: 40/50 points (80%)');
      expect(frame).not.toMatch(/[⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏]/);
    } finally {
      app.unmount();
    }
  });
});

describe('renderVerifyInteractive', () => {
  async function run(options: { verbose?: boolean; checks: CheckResult[] }) {
    const stdout = new FakeStdout();
    const ui = view.renderVerifyInteractive({
      challenge: { id: 'docker-demo', title: 'Fix the demo image' },
      verbose: options.verbose,
      stdout: stdout as unknown as NodeJS.WriteStream,
    });
    const screens: Record<string, string> = {};
    let mark = 0;
    const play = async (name: string, batch: VerifyEvent[]) => {
      batch.forEach(ui.onEvent); // unbound, as the command passes it
      await sleep(90); // one flush (25 ms) and ink's 30 fps throttle
      screens[name] = stdout.text(mark);
      mark = stdout.chunks.length;
    };
    await play('static', SCRIPT.static[0]!);
    for (const [index, batch] of SCRIPT.steps.entries()) await play(`step${index + 1}`, batch);
    await play('rest', SCRIPT.rest[0]!);
    return { stdout, ui, screens, final: result(options.checks) };
  }

  it('draws the run live and ends with the scorecard, leaving no timers behind', async () => {
    const timersBefore = process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length;
    const { stdout, ui, screens, final } = await run({ checks: Object.values(CHECKS) });

    expect(screens.static).toContain('Fix the demo image (docker-demo)');
    expect(screens.static).toContain('▸ Static checks (Dockerfile)');
    expect(screens.static).toContain('The Dockerfile has at least two stages (multi-stage)');
    expect(screens.static).toContain('no HEALTHCHECK in the final stage');
    expect(screens.step1).toContain('step 1/3  FROM node:20-alpine');
    expect(screens.step2).toContain('step 2/3  RUN npm ci --omit=dev');
    expect(screens.step2).toContain('│ step 2 output 5');
    expect(screens.step3).toContain('step 3/3  CMD ["node", "server.js"]');
    expect(screens.step3).toContain('[2/3] RUN npm ci --omit=dev');
    expect(screens.rest).toContain('The image builds (build)');
    expect(screens.rest).toContain('The image adds at most 30 MB (size-over-base)');
    expect(screens.rest).toContain('A container from the image becomes healthy (container-healthy)');

    const beforeFinish = stdout.chunks.length;
    await ui.finish(final);
    const end = stdout.text(beforeFinish);
    expect(end).toContain('CHECK');
    expect(end).toContain('NOT YET  docker-demo: 40/50 points (80%)');
    expect(end).toContain('First to fix: The final stage declares a HEALTHCHECK (healthcheck-declared)');
    expect(stdout.text()).not.toMatch(/\u001B\[3\dm/); // not a TTY: no colour

    // Nothing redraws after finish: the spinner, the clock and the flush timer are gone.
    const written = stdout.chunks.length;
    await sleep(250);
    expect(stdout.chunks.length).toBe(written);
    expect(process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length).toBeLessThanOrEqual(timersBefore);
    ui.onEvent({ type: 'note', message: 'too late' });
    ui.abort();
    await sleep(60);
    expect(stdout.text(written)).not.toContain('too late');
  });

  it('says PASSED when every required check passed, and prints all output lines with verbose', async () => {
    const passing = Object.values(CHECKS).map((c) => (c.status === 'fail' ? { ...c, status: 'pass' as const, points: 10 } : c));
    const { stdout, ui, final } = await run({ verbose: true, checks: passing });
    await ui.finish(final);
    const text = stdout.text();
    for (const index of [1, 2, 3]) {
      for (let line = 0; line < 6; line++) expect(text).toContain(`step ${index} output ${line}`);
    }
    expect(text).toContain('PASSED  docker-demo: 50/50 points (100%)');
    expect(text).toContain('Passed — next: `shipshape challenge:status`.');
  });

  it('abort unmounts at once, keeping what was printed', async () => {
    const stdout = new FakeStdout();
    const ui = view.renderVerifyInteractive({ challenge: { id: 'docker-demo', title: 'Fix the demo image' }, stdout: stdout as unknown as NodeJS.WriteStream });
    for (const event of SCRIPT.static[0]!) ui.onEvent(event);
    for (const event of SCRIPT.steps[0]!) ui.onEvent(event);
    ui.abort(); // before the batched flush: the pending lines are still written
    const text = stdout.text();
    expect(text).toContain('The final stage declares a HEALTHCHECK');
    expect(text).toContain('[1/3] FROM node:20-alpine');
    const written = stdout.chunks.length;
    await sleep(200);
    expect(stdout.chunks.length).toBe(written);
  });
});
