import { XMLParser } from 'fast-xml-parser';
import { parse as parseCsv } from 'csv-parse/sync';
import { describe, expect, it } from 'vitest';
import { chooseHints } from '../../src/course/hints.js';
import type { ChallengePack } from '../../src/course/packs.js';
import { advice, fail, pass } from '../../src/checks/kind.js';
import type { BatchResult, SubmissionOutcome } from '../../src/grading/batch.js';
import { BatchResultSchema, ClassroomBatchSchema, renderBatch } from '../../src/grading/batch-report.js';
import { score, type CheckResult, type VerifyResult } from '../../src/grading/result.js';
import { hintFor } from '../../src/grading/verify.js';
import { formatCheckLine, formatScorecard } from '../../src/ui/report.js';
import { makeStyle } from '../../src/ui/style.js';
import type { ChallengeProgress } from '../../src/workspace/progress.js';

function check(id: string, status: CheckResult['status'], overrides: Partial<CheckResult> = {}): CheckResult {
  return {
    id,
    title: `Title of ${id}`,
    kind: 'image.healthcheck-configured',
    phase: 'image',
    status,
    required: true,
    points: status === 'pass' || status === 'advice' ? 10 : 0,
    maxPoints: 10,
    message: `${id} says ${status}`,
    hint: status === 'pass' ? null : status === 'advice' ? `do ${id} better` : `fix ${id}`,
    durationMs: 12,
    ...overrides,
  };
}

const ADVISED = check('healthcheck-in-image', 'advice', {
  message: "the image's health check `php-fpm -t || exit 1` exits 0 even in a container where the application was never started",
  hint: 'Test the running app itself: a request to it.',
});

describe('advice: a pass with a better way', () => {
  it('earns full points and never blocks a pass; counted apart from pass', () => {
    const graded = score([check('build', 'pass'), ADVISED]);
    expect(graded).toEqual({ passed: true, score: { points: 20, maxPoints: 20, percent: 100 }, counts: { pass: 1, fail: 0, skip: 0, advice: 1 } });
    expect(score([ADVISED, check('size', 'fail')]).passed).toBe(false);
  });

  it('the hint follows the verdict: its own reason first, the manifest hint for a fail, the better way for an advice', () => {
    expect(hintFor(pass('ok'), 'manifest hint')).toBeNull();
    expect(hintFor(fail('no health check'), 'manifest hint')).toBe('manifest hint');
    expect(hintFor(fail('HEALTHCHECK NONE', undefined, 'remove NONE'), 'manifest hint')).toBe('remove NONE');
    expect(hintFor(advice('weak', 'test the app'), 'manifest hint')).toBe('test the app');
  });

  it('the scorecard shows it as ADVICE with full points, its reason and the better way, and still PASSED', () => {
    const result = {
      schemaVersion: 1,
      challenge: { id: 'docker-missing-multistage', title: 'T', lesson: 'l' },
      workspace: '/tmp/w',
      runId: 'r',
      ...score([check('build', 'pass'), ADVISED]),
      checks: [check('build', 'pass'), ADVISED],
      timings: { totalMs: 1000, staticMs: 1, buildMs: 1, imageMs: 1, runtimeMs: 1 },
      engine: {} as VerifyResult['engine'],
      build: null,
      limits: {} as VerifyResult['limits'],
      cleanup: null,
    } satisfies VerifyResult;
    const text = formatScorecard(result, makeStyle(false));
    expect(text).toMatch(/healthcheck-in-image\s+◆ ADVICE\s+10\/10/);
    expect(text).toContain('Advice (no points lost, one thing to do better):');
    expect(text).toContain('    Better: Test the running app itself: a request to it.');
    expect(text).toMatch(/PASSED {2}docker-missing-multistage: 20\/20 points \(100%\), 1 passed, 0 failed, 0 skipped, 1 with advice/);
    expect(text).not.toContain('First to fix');
    expect(formatCheckLine(ADVISED, makeStyle(false))).toMatch(/◆ ADVICE {2}Title of healthcheck-in-image[\s\S]*\n {6}Better: Test the running app itself/);
  });

  describe('in batch reports', () => {
    const outcome = (checks: CheckResult[]): SubmissionOutcome => ({
      name: 'alice',
      status: 'pass',
      passed: true,
      ...score(checks),
      checks,
      message: null,
      phase: null,
      durationMs: 100,
      engine: 'unix:///var/run/docker.sock',
      attempts: 1,
      cached: false,
      contentHash: 'a'.repeat(64),
      gradedAt: '2026-11-23T10:00:00.000Z',
    });
    const batch: BatchResult = {
      schemaVersion: 1,
      challenge: { id: 'demo', title: 'Demo', manifestHash: 'b'.repeat(64) },
      submissionsDir: '/tmp/subs',
      startedAt: '2026-11-23T10:00:00.000Z',
      durationMs: 100,
      concurrency: 1,
      timeoutSeconds: 60,
      engines: [{ endpoint: 'unix:///var/run/docker.sock', graded: 1, lost: false, lostReason: null }],
      counts: { total: 1, pass: 1, fail: 0, timeout: 0, error: 0, cached: 0 },
      submissions: [outcome([check('build', 'pass'), ADVISED])],
      cleanup: { containers: 0, images: 0, errors: [] },
    };

    it('json keeps status "advice" and counts.advice, and older counts without it still parse', () => {
      const parsed = BatchResultSchema.parse(JSON.parse(renderBatch(batch, 'json')));
      expect(parsed.submissions[0]!.checks[1]!.status).toBe('advice');
      expect(parsed.submissions[0]!.counts.advice).toBe(1);
      const old = structuredClone(batch) as unknown as { submissions: Array<{ counts: Record<string, number> }> };
      delete old.submissions[0]!.counts.advice;
      expect(BatchResultSchema.parse(old).submissions[0]!.counts.advice).toBe(0);
    });

    it('junit: a passing testcase with the advice as its output; classroom: a pass with the advice as message; csv: counted as passed', () => {
      const xml = new XMLParser({ ignoreAttributes: false }).parse(renderBatch(batch, 'junit'));
      const cases = xml.testsuites.testsuite.testcase;
      const advised = cases.find((entry: Record<string, unknown>) => String(entry['@_name']).startsWith('healthcheck-in-image'));
      expect(advised.failure).toBeUndefined();
      expect(advised['system-out']).toContain('Advice: the image');
      expect(advised['system-out']).toContain('Better: Test the running app itself');
      expect(xml.testsuites.testsuite['@_failures']).toBe('0');
      const classroom = ClassroomBatchSchema.parse(JSON.parse(renderBatch(batch, 'classroom')));
      const test = classroom.alice!.tests.find((entry) => entry.name.startsWith('healthcheck-in-image'))!;
      expect(test).toMatchObject({ status: 'pass', score: 10 });
      expect(test.message).toMatch(/^Advice: the image[\s\S]*\nBetter: Test the running app itself/);
      const rows = parseCsv(renderBatch(batch, 'csv'), { columns: true }) as Array<Record<string, string>>;
      expect(rows[0]).toMatchObject({ checks_passed: '2', checks_failed: '0', failed_checks: '' });
    });
  });
});

describe('challenge:hint agrees with the scorecard', () => {
  const pack = {
    manifest: {
      id: 'demo',
      hints: ['hints/1.md'],
      checks: [{ id: 'healthcheck-in-image', title: 'The image config carries the health check', hint: 'The manifest hint about the builder stage.' }],
    },
  } as unknown as ChallengePack;
  const progress = (hints?: Record<string, string>): ChallengeProgress =>
    ({
      hintsSeen: [],
      lastVerify: { at: 'now', passed: false, percent: 50, points: 5, maxPoints: 10, failing: ['healthcheck-in-image'], ...(hints ? { hints } : {}) },
    }) as unknown as ChallengeProgress;

  it('shows the hint the last verify showed for that failure, and the manifest hint for older progress files', () => {
    expect(chooseHints(pack, progress({ 'healthcheck-in-image': 'Remove `HEALTHCHECK NONE`.' }), {}).failingCheck).toEqual({
      id: 'healthcheck-in-image',
      title: 'The image config carries the health check',
      hint: 'Remove `HEALTHCHECK NONE`.',
    });
    expect(chooseHints(pack, progress(), {}).failingCheck!.hint).toBe('The manifest hint about the builder stage.');
  });
});
