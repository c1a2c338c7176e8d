import { mkdtemp, mkdir, rm, symlink, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { parse as parseCsv } from 'csv-parse/sync';
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { describe, expect, it } from 'vitest';
import type { BatchResult, SubmissionOutcome } from '../../src/grading/batch.js';
import { submissionHash } from '../../src/grading/batch.js';
import {
  BatchResultSchema,
  CSV_COLUMNS,
  ClassroomBatchSchema,
  renderBatch,
  summaryTable,
} from '../../src/grading/batch-report.js';
import type { CheckResult } from '../../src/grading/result.js';

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
    durationMs: 12,
    ...overrides,
  };
}

function outcome(name: string, status: SubmissionOutcome['status'], checks: CheckResult[], message: string | null = null): SubmissionOutcome {
  const points = checks.reduce((sum, c) => sum + c.points, 0);
  const maxPoints = checks.reduce((sum, c) => sum + c.maxPoints, 0);
  return {
    name,
    status,
    passed: status === 'pass',
    score: { points, maxPoints, percent: Math.round((points / maxPoints) * 100) },
    counts: {
      pass: checks.filter((c) => c.status === 'pass').length,
      fail: checks.filter((c) => c.status === 'fail').length,
      skip: checks.filter((c) => c.status === 'skip').length,
    },
    checks,
    message,
    phase: status === 'timeout' ? 'runtime' : null,
    durationMs: 1500,
    engine: 'unix:///var/run/docker.sock',
    attempts: 1,
    cached: false,
    contentHash: 'a'.repeat(64),
    gradedAt: '2026-11-23T10:00:00.000Z',
  };
}

// Names and messages a learner controls: commas, quotes, line breaks, markup and control codes.
const awkward = 'o\'brien, "the <best>" & co';
const result: BatchResult = {
  schemaVersion: 1,
  challenge: { id: 'demo', title: 'Demo', manifestHash: 'b'.repeat(64) },
  submissionsDir: '/tmp/subs',
  startedAt: '2026-11-23T10:00:00.000Z',
  durationMs: 4200,
  concurrency: 2,
  timeoutSeconds: 60,
  engines: [{ endpoint: 'unix:///var/run/docker.sock', graded: 4, lost: false, lostReason: null }],
  counts: { total: 4, pass: 1, fail: 1, timeout: 1, error: 1, cached: 0 },
  submissions: [
    outcome('alice', 'pass', [check('a', 'pass'), check('b', 'pass')]),
    outcome(awkward, 'fail', [check('a', 'pass'), check('b', 'fail', { message: 'line one\nline "two" <x>\u0007 & done' })], 'not passed: b'),
    outcome('carol', 'timeout', [check('a', 'pass'), check('b', 'skip', { message: 'not reached' })], 'did not finish within 60 s'),
    outcome('dave', 'error', [check('a', 'skip'), check('b', 'skip')], 'no Docker engine left'),
  ],
  cleanup: { containers: 0, images: 0, errors: [] },
};

describe('batch result formats', () => {
  it('json validates against its schema and round-trips', () => {
    const parsed = BatchResultSchema.parse(JSON.parse(renderBatch(result, 'json')));
    expect(parsed.submissions.map((s) => s.status)).toEqual(['pass', 'fail', 'timeout', 'error']);
  });

  it('json schema rejects a malformed result', () => {
    expect(BatchResultSchema.safeParse({ ...result, submissions: [{ ...result.submissions[0], status: 'maybe' }] }).success).toBe(false);
    expect(BatchResultSchema.safeParse({ ...result, engines: [] }).success).toBe(false);
  });

  it('classroom gives one autograding result per submission with the right statuses and scores', () => {
    const classroom = ClassroomBatchSchema.parse(JSON.parse(renderBatch(result, 'classroom')));
    expect(Object.keys(classroom)).toEqual(['alice', awkward, 'carol', 'dave']);
    expect(classroom.alice).toMatchObject({ version: 1, status: 'pass', max_score: 20 });
    expect(classroom[awkward]!.status).toBe('fail');
    expect(classroom[awkward]!.tests.map((t) => [t.status, t.score])).toEqual([['pass', 10], ['fail', 0]]);
    expect(classroom[awkward]!.tests[1]!.message).toContain('Hint: fix b');
    // No verdict at all (a timeout, an engine problem) is an error, never a fail.
    expect(classroom.carol!.status).toBe('error');
    expect(classroom.dave!.status).toBe('error');
    expect(classroom.carol!.tests[1]!.status).toBe('error');
  });

  it('junit is well-formed XML with counts that match its testcases', () => {
    const xml = renderBatch(result, 'junit');
    expect(XMLValidator.validate(xml)).toBe(true);
    const doc = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '', htmlEntities: true, isArray: (name) => ['testsuite', 'testcase', 'property'].includes(name) }).parse(xml);
    const suites = doc.testsuites.testsuite as Array<Record<string, any>>;
    expect(suites.map((suite) => suite.name)).toEqual(['alice', awkward, 'carol', 'dave']);
    let totals = { tests: 0, failures: 0, errors: 0, skipped: 0 };
    for (const suite of suites) {
      const cases = suite.testcase as Array<Record<string, unknown>>;
      const counted = {
        tests: cases.length,
        failures: cases.filter((c) => 'failure' in c).length,
        errors: cases.filter((c) => 'error' in c).length,
        skipped: cases.filter((c) => 'skipped' in c).length,
      };
      expect({ tests: Number(suite.tests), failures: Number(suite.failures), errors: Number(suite.errors), skipped: Number(suite.skipped) }).toEqual(counted);
      totals = { tests: totals.tests + counted.tests, failures: totals.failures + counted.failures, errors: totals.errors + counted.errors, skipped: totals.skipped + counted.skipped };
    }
    expect(totals).toEqual({ tests: 10, failures: 1, errors: 2, skipped: 3 });
    expect({
      tests: Number(doc.testsuites.tests),
      failures: Number(doc.testsuites.failures),
      errors: Number(doc.testsuites.errors),
      skipped: Number(doc.testsuites.skipped),
    }).toEqual(totals);
    const failing = (suites[1]!.testcase as Array<Record<string, any>>)[1]!;
    expect(failing.failure.message).toBe('line one\nline "two" <x> & done');
    const timeout = (suites[2]!.testcase as Array<Record<string, any>>).find((c) => c.name === 'grading')!;
    expect(timeout.error.type).toBe('timeout');
  });

  it('csv has the header and one properly quoted row per submission', () => {
    const csv = renderBatch(result, 'csv');
    expect(csv.endsWith('\r\n')).toBe(true);
    const rows = parseCsv(csv, { columns: true }) as Array<Record<string, string>>;
    expect(Object.keys(rows[0]!)).toEqual([...CSV_COLUMNS]);
    expect(rows.map((row) => row.submission)).toEqual(['alice', awkward, 'carol', 'dave']);
    expect(rows[1]).toMatchObject({ status: 'fail', points: '10', max_points: '20', failed_checks: 'b', message: 'not passed: b' });
    expect(rows[3]).toMatchObject({ status: 'error', message: 'no Docker engine left' });
  });

  it('summary table lists every submission and the totals', () => {
    const lines = summaryTable(result);
    expect(lines[0]).toMatch(/^SUBMISSION\s+STATUS\s+SCORE/);
    expect(lines.at(-1)).toBe('4 submissions: 1 passed, 1 failed, 1 timed out, 1 errors in 4.2 s');
  });
});

describe('submission hash', () => {
  it('changes with contents, names, modes and link targets, and ignores Shipshape state', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'shipshape-hash-'));
    try {
      await writeFile(path.join(dir, 'Dockerfile'), 'FROM scratch\n');
      await mkdir(path.join(dir, 'src'));
      await writeFile(path.join(dir, 'src', 'a.php'), '<?php\n');
      const first = await submissionHash(dir);
      expect(first).toMatch(/^[0-9a-f]{64}$/);
      expect(await submissionHash(dir)).toBe(first);
      await mkdir(path.join(dir, '.shipshape'));
      await writeFile(path.join(dir, '.shipshape', 'verify.lock'), '{}');
      expect(await submissionHash(dir)).toBe(first);
      await writeFile(path.join(dir, 'src', 'a.php'), '<?php echo 1;\n');
      const second = await submissionHash(dir);
      expect(second).not.toBe(first);
      await symlink('src/a.php', path.join(dir, 'link'));
      const third = await submissionHash(dir);
      expect(third).not.toBe(second);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
