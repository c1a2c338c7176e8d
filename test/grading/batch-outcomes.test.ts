import path from 'node:path';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { loadPack, type ChallengePack } from '../../src/course/packs.js';
import { CLEANUP_GRACE_MS, startLimit, unlessStuck } from '../../src/grading/batch/limit.js';
import { errorOutcome, gradedOutcome, timeoutOutcome } from '../../src/grading/batch/outcomes.js';
import { planChecks } from '../../src/grading/plan.js';
import type { CheckResult, VerifyResult } from '../../src/grading/result.js';
import { ROOT } from '../support/cli.js';

// The keys of each outcome in the order `--format json` and the results cache have always printed them.
const GRADED_KEYS = ['name', 'contentHash', 'attempts', 'engine', 'cached', 'status', 'passed', 'score', 'counts', 'checks', 'provenance', 'message', 'phase', 'durationMs', 'gradedAt'];
const TIMEOUT_KEYS = GRADED_KEYS.filter((key) => key !== 'provenance');
const ERROR_KEYS = ['name', 'status', 'passed', 'score', 'counts', 'checks', 'message', 'phase', 'durationMs', 'engine', 'attempts', 'cached', 'contentHash', 'gradedAt'];

const base = { name: 'alice', contentHash: 'abc', attempts: 2, engine: 'unix:///fake.sock' };

function result(check: CheckResult['id'], status: CheckResult['status'], required = true): CheckResult {
  return { id: check, title: check, kind: 'build.succeeds', phase: 'build', status, required, points: status === 'pass' ? 5 : 0, maxPoints: 5, message: status, durationMs: 1 } as CheckResult;
}

describe('batch outcomes of one submission (the real docker-missing-multistage manifest, no engine)', () => {
  let pack: ChallengePack;
  beforeAll(async () => {
    pack = await loadPack(path.join(ROOT, 'challenges', 'docker-missing-multistage'));
  });

  it('an error skips every check in the phase the plan gives it, with the reason, and scores nothing', () => {
    const plan = planChecks(pack.manifest.checks);
    const outcome = errorOutcome({ ...base, engine: null }, pack.manifest.checks, plan, 'No Dockerfile in the workspace.', 7);
    expect(Object.keys(outcome)).toEqual(ERROR_KEYS);
    expect(outcome).toMatchObject({ status: 'error', passed: false, engine: null, attempts: 2, cached: false, durationMs: 7, phase: null, message: 'No Dockerfile in the workspace.' });
    expect(outcome.score.points).toBe(0);
    expect(outcome.checks.map((check) => check.id)).toEqual(pack.manifest.checks.map((check) => check.id));
    expect(outcome.checks.every((check) => check.status === 'skip' && check.message === 'not graded: No Dockerfile in the workspace.')).toBe(true);
    const phaseOf = Object.fromEntries(outcome.checks.map((check) => [check.kind, check.phase]));
    expect(phaseOf).toMatchObject({ 'dockerfile.stage-count': 'static', 'build.succeeds': 'build', 'image.size-vs-starter': 'image', 'runtime.healthy': 'runtime' });
  });

  it('a timeout keeps what finished, skips what was not reached and names the phase it struck in', () => {
    const plan = planChecks(pack.manifest.checks);
    const finished = pack.manifest.checks.slice(0, 2).map((check) => ({ ...result(check.id, 'pass'), points: check.points, maxPoints: check.points }));
    const outcome = timeoutOutcome(base, pack.manifest.checks, plan, { timeoutSeconds: 40, reached: finished, phase: 'runtime', durationMs: 40_100 });
    expect(Object.keys(outcome)).toEqual(TIMEOUT_KEYS);
    expect(outcome).toMatchObject({ status: 'timeout', passed: false, phase: 'runtime', message: 'did not finish within 40 s (during the runtime phase)', engine: 'unix:///fake.sock' });
    expect(outcome.checks.slice(0, 2)).toEqual(finished);
    expect(outcome.checks.slice(2).every((check) => check.status === 'skip' && check.message === 'not reached: the 40 s limit for this submission ran out')).toBe(true);
    expect(outcome.checks).toHaveLength(pack.manifest.checks.length);
    expect(outcome.score.points).toBe(finished.reduce((sum, check) => sum + check.points, 0));
    const before = timeoutOutcome(base, pack.manifest.checks, plan, { timeoutSeconds: 5, reached: [], phase: null, durationMs: 5000 });
    expect(before.message).toBe('did not finish within 5 s');
  });

  it('a verdict lists the required checks that did not pass; provenance is null when verify gave none', () => {
    const verify = {
      passed: false,
      score: { points: 5, maxPoints: 15, percent: 33 },
      counts: { pass: 1, fail: 1, skip: 1 },
      checks: [result('build', 'pass'), result('size', 'fail'), result('optional', 'fail', false), result('healthy', 'skip')],
    } as unknown as VerifyResult;
    const outcome = gradedOutcome(base, verify, 1234);
    expect(Object.keys(outcome)).toEqual(GRADED_KEYS);
    expect(outcome).toMatchObject({ status: 'fail', passed: false, message: 'not passed: size, healthy', provenance: null, durationMs: 1234, cached: false });
    expect(gradedOutcome(base, { ...verify, passed: true }, 1).message).toBeNull();
  });
});

describe("a submission's limit (fake timers)", () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('aborts its signal when the time runs out, as a timeout', () => {
    vi.useFakeTimers();
    const limit = startLimit(10);
    vi.advanceTimersByTime(9_999);
    expect(limit.signal.aborted).toBe(false);
    vi.advanceTimersByTime(1);
    expect(limit.signal.aborted).toBe(true);
    expect(limit.timedOut()).toBe(true);
    limit.dispose();
  });

  it("follows the batch's cancel (not a timeout) until it is disposed", () => {
    vi.useFakeTimers();
    const batch = new AbortController();
    const limit = startLimit(10, batch.signal);
    batch.abort();
    expect(limit.signal.aborted).toBe(true);
    expect(limit.timedOut()).toBe(false);

    const later = new AbortController();
    const disposed = startLimit(10, later.signal);
    disposed.dispose();
    later.abort();
    vi.advanceTimersByTime(60_000);
    expect(disposed.signal.aborted).toBe(false);
  });

  it('gives the slot back when a verify is stuck past the grace, and drops its late failure', async () => {
    vi.useFakeTimers();
    let fail!: (error: Error) => void;
    const stuck = new Promise<string>((_, reject) => (fail = reject));
    const raced = unlessStuck(stuck, 10_000 + CLEANUP_GRACE_MS);
    await vi.advanceTimersByTimeAsync(10_000 + CLEANUP_GRACE_MS);
    await expect(raced).resolves.toBe('stuck');
    fail(new Error('late'));
    await expect(unlessStuck(Promise.resolve('verdict'), 1000)).resolves.toBe('verdict');
    await expect(unlessStuck(Promise.reject(new Error('broke')), 1000)).rejects.toThrow('broke');
    expect(vi.getTimerCount()).toBe(0);
  });
});
