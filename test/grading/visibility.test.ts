import { describe, expect, it } from 'vitest';
import type { Manifest } from '../../src/course/manifest.js';
import { renderVerify, VERIFY_FORMATS } from '../../src/grading/formats/index.js';
import type { CheckResult, VerifyResult } from '../../src/grading/result.js';
import type { VerifyEvent } from '../../src/grading/verify.js';
import { TITLE_ONLY_MESSAGE, learnerEvent, learnerEvents, learnerView, platformView } from '../../src/grading/visibility.js';
import { createPlainRenderer } from '../../src/ui/plain.js';
import { makeStyle } from '../../src/ui/style.js';

/**
 * Hidden checks: the one filter (src/grading/visibility.ts) and every learner output made from its
 * result. Each secret string below must appear in the unfiltered (instructor) output, so the absence
 * checks cannot pass by accident.
 */
const SECRETS = ['secret-probe', 'Hidden probe title', 'HIDDEN-MESSAGE-7f3', 'HIDDEN-HINT-9c1', 'HIDDEN-EVIDENCE-2d8', 'secret.Dockerfile'];

function check(id: string, status: CheckResult['status'], overrides: Partial<CheckResult> = {}): CheckResult {
  return {
    id,
    title: `Title of ${id}`,
    kind: 'dockerfile.stage-count',
    phase: 'static',
    status,
    required: true,
    points: status === 'pass' ? 10 : 0,
    maxPoints: 10,
    message: `${id} says ${status}`,
    hint: status === 'pass' ? null : `fix ${id}`,
    durationMs: 5,
    ...overrides,
  };
}

const manifest = {
  checks: [
    { id: 'open', visibility: 'visible', detail: 'full' },
    { id: 'secret-probe', visibility: 'hidden', detail: 'full' },
    { id: 'bonus', visibility: 'after-pass', detail: 'full' },
    { id: 'terse', visibility: 'visible', detail: 'title' },
  ],
} as unknown as Pick<Manifest, 'checks'>;

function graded(passed: boolean): VerifyResult {
  const checks = [
    check('open', passed ? 'pass' : 'fail'),
    check('secret-probe', 'fail', {
      title: 'Hidden probe title',
      message: 'HIDDEN-MESSAGE-7f3',
      hint: 'HIDDEN-HINT-9c1',
      required: false,
      evidence: { lastLines: ['HIDDEN-EVIDENCE-2d8'] },
      location: { file: 'secret.Dockerfile', line: 3, column: 1 },
    }),
    check('bonus', 'pass', { title: 'Bonus after pass' }),
    check('terse', 'fail', { message: 'TERSE-MESSAGE', hint: 'TERSE-HINT', required: false, evidence: { lastLines: ['TERSE-EVIDENCE'] }, location: { file: 'Dockerfile', line: 2, column: 1 } }),
  ];
  return {
    schemaVersion: 1,
    challenge: { id: 'demo', title: 'Demo', lesson: 'l' },
    workspace: '/work/ws',
    runId: 'run1',
    passed,
    score: { points: passed ? 20 : 10, maxPoints: 40, percent: passed ? 50 : 25 },
    counts: { pass: passed ? 2 : 1, fail: passed ? 2 : 3, skip: 0, advice: 0 },
    checks,
    timings: { totalMs: 100, staticMs: 1, buildMs: 0, imageMs: 0, runtimeMs: 0 },
    engine: { endpoint: 'unix:///var/run/docker.sock', endpointSource: 'default', foundBy: 'the default socket', serverVersion: '20.10.24', apiVersion: '1.41', os: 'linux', architecture: 'amd64' },
    build: null,
    limits: { buildTimeoutSeconds: 600, contextMaxMegabytes: 50 } as unknown as VerifyResult['limits'],
    cleanup: null,
  } as VerifyResult;
}

const env = { GITHUB_WORKSPACE: '/work/ws' };
const everyFormat = (result: VerifyResult) =>
  VERIFY_FORMATS.map((format) => {
    const { document, commands } = renderVerify(result, format, { env, now: new Date(0) });
    return { format, text: [document, ...(commands ?? [])].join('\n') };
  });

describe('learnerView: what a learner sees of a graded result', () => {
  it('leaves out a hidden check entirely, keeps the score over every check and says how many were held back', () => {
    const view = learnerView(graded(false), manifest, { passedBefore: false });
    expect(view.checks.map((shown) => shown.id)).toEqual(['open', 'terse']);
    expect(view.hidden).toEqual({ checks: 2 });
    expect(view.score).toEqual({ points: 10, maxPoints: 40, percent: 25 });
    expect(view.passed).toBe(false);
    expect(view.counts).toEqual({ pass: 0, fail: 2, skip: 0, advice: 0 });
    const text = JSON.stringify(view);
    for (const secret of SECRETS) expect(text).not.toContain(secret);
    expect(text).not.toContain('Bonus after pass');
  });

  it('after-pass: shown once the learner passed, in this run or before', () => {
    expect(learnerView(graded(true), manifest, { passedBefore: false }).checks.map((shown) => shown.id)).toEqual(['open', 'bonus', 'terse']);
    const before = learnerView(graded(false), manifest, { passedBefore: true });
    expect(before.checks.map((shown) => shown.id)).toEqual(['open', 'bonus', 'terse']);
    expect(before.hidden).toEqual({ checks: 1 });
  });

  it('detail: title keeps title and status, never message, hint, evidence or source line', () => {
    const terse = learnerView(graded(false), manifest, { passedBefore: false }).checks.find((shown) => shown.id === 'terse')!;
    expect(terse).toMatchObject({ title: 'Title of terse', status: 'fail', message: TITLE_ONLY_MESSAGE, hint: null });
    expect(terse.evidence).toBeUndefined();
    expect(terse.location).toBeUndefined();
    expect(JSON.stringify(terse)).not.toMatch(/TERSE-(MESSAGE|HINT|EVIDENCE)/);
  });

  it('a manifest with every check visible and full gets the result back untouched', () => {
    const result = graded(false);
    const plain = { checks: manifest.checks.map((entry) => ({ ...entry, visibility: 'visible', detail: 'full' })) } as unknown as Pick<Manifest, 'checks'>;
    expect(learnerView(result, plain, { passedBefore: false })).toBe(result);
  });
});

describe('hidden checks in every learner output', () => {
  it.each(VERIFY_FORMATS)('%s: the unfiltered report names the hidden check, the learner report never does', (format) => {
    const full = everyFormat(graded(false)).find((entry) => entry.format === format)!.text;
    // The instructor's report (challenge:grade, challenge:test) has it: the absence below is not an accident.
    expect(full).toContain('Hidden probe title');
    const learner = everyFormat(learnerView(graded(false), manifest, { passedBefore: false })).find((entry) => entry.format === format)!.text;
    for (const secret of SECRETS) expect(learner).not.toContain(secret);
    expect(learner).toContain('Title of open');
  });

  it('terminal, plain renderer: live lines and the scorecard leave the hidden check out and count it', () => {
    const run = (filtered: boolean) => {
      let out = '';
      const renderer = createPlainRenderer((text) => (out += text), makeStyle(false));
      const state = { passedBefore: false };
      const onEvent = filtered ? learnerEvents(renderer.onEvent, manifest, state)! : renderer.onEvent;
      const result = graded(false);
      onEvent({ type: 'phase', phase: 'static', state: 'start' });
      for (const graded of result.checks) onEvent({ type: 'check', result: graded });
      renderer.finish(filtered ? learnerView(result, manifest, state) : result);
      return out;
    };
    const full = run(false);
    for (const secret of SECRETS.slice(0, 3)) expect(full).toContain(secret);
    const learner = run(true);
    for (const secret of SECRETS) expect(learner).not.toContain(secret);
    expect(learner).not.toContain('Bonus after pass');
    expect(learner).toContain('2 hidden checks (in the points, not shown)');
    expect(learner).toContain('Title of open');
  });

  it('live events: a hidden check is dropped, an after-pass one shows live only after an earlier pass', () => {
    const event = (id: string): VerifyEvent => ({ type: 'check', result: graded(false).checks.find((candidate) => candidate.id === id)! });
    expect(learnerEvent(event('secret-probe'), manifest, { passedBefore: true })).toBeNull();
    expect(learnerEvent(event('bonus'), manifest, { passedBefore: false })).toBeNull();
    expect(learnerEvent(event('bonus'), manifest, { passedBefore: true })).not.toBeNull();
    const probe: VerifyEvent = { type: 'probe', index: 1, exitCode: 1, output: 'HIDDEN-PROBE-OUTPUT', atMs: 10 };
    expect(learnerEvent(probe, manifest, { passedBefore: false })).toBe(probe);
    const hiddenRuntime = { checks: [{ id: 'healthy', kind: 'runtime.healthy', visibility: 'hidden', detail: 'full' }] } as unknown as Pick<Manifest, 'checks'>;
    expect(learnerEvent(probe, hiddenRuntime, { passedBefore: true })).toBeNull();
    const note: VerifyEvent = { type: 'note', message: 'hello' };
    expect(learnerEvent(note, manifest, { passedBefore: false })).toBe(note);
  });
});

describe('Gradescope, which hides tests from students itself', () => {
  const gradescope = (passed: boolean, passedBefore = false) => {
    const view = platformView(graded(passed), manifest, { passedBefore });
    return JSON.parse(renderVerify(view.result, 'gradescope', { gradescope: { visibilityOf: view.visibilityOf } }).document) as {
      score: number;
      tests: Array<{ name: string; visibility: string; output: string }>;
    };
  };

  it('gets every check, the held-back ones whole and marked hidden, so Gradescope keeps them from students', () => {
    const document = gradescope(false);
    expect(document.tests.map((test) => test.visibility)).toEqual(['visible', 'hidden', 'hidden', 'visible']);
    // The hidden test keeps what the instructor needs: Gradescope shows it to them only.
    expect(document.tests[1]!.output).toContain('HIDDEN-MESSAGE-7f3');
    expect(document.tests[1]!.name).toContain('Hidden probe title');
    // A title-only check stays title-only for students.
    expect(document.tests[3]!.output).not.toContain('TERSE-MESSAGE');
    expect(document.score).toBe(10);
  });

  it('shows an after-pass check once the learner passed, now or before', () => {
    expect(gradescope(true).tests[2]!.visibility).toBe('visible');
    expect(gradescope(false, true).tests[2]!.visibility).toBe('visible');
    expect(gradescope(true).tests[1]!.visibility).toBe('hidden');
  });
});
