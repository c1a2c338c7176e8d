import { z } from 'zod';
import type { BatchResult, SubmissionOutcome } from './batch.js';
import { earned, type CheckResult } from './result.js';

import path from 'node:path';
import { classroom50Result, Classroom50ResultSchema } from './formats/classroom50.js';
import { gradescopeResult, GradescopeResultSchema } from './formats/gradescope.js';
import { sarifLog, sarifRun } from './formats/sarif.js';
import type { VerifyResult } from './result.js';
import type { Manifest } from '../course/manifest.js';
import { platformView } from './visibility.js';

/** `classroom` is GitHub Classroom's autograding format (GitHub Classroom was discontinued in 2026); kept for old pipelines. */
export const BATCH_FORMATS = ['json', 'junit', 'csv', 'classroom', 'classroom50', 'gradescope', 'sarif'] as const;
export type BatchFormat = (typeof BATCH_FORMATS)[number];

const CheckResultSchema = z.object({
  id: z.string(),
  title: z.string(),
  kind: z.string(),
  phase: z.enum(['static', 'build', 'image', 'runtime']),
  /** advice: passed (full points) with a better way in `hint`. */
  status: z.enum(['pass', 'fail', 'skip', 'advice']),
  required: z.boolean(),
  points: z.number().nonnegative(),
  maxPoints: z.number().nonnegative(),
  message: z.string(),
  hint: z.string().nullable(),
  evidence: z.record(z.string(), z.unknown()).optional(),
  /** A skip because the engine lacks what the check needs. */
  skippedFor: z.literal('engine').optional(),
  location: z
    .object({ file: z.string(), line: z.number().int().positive(), column: z.number().int().positive(), endLine: z.number().int().positive().optional(), endColumn: z.number().int().positive().optional() })
    .optional(),
  durationMs: z.number().nonnegative(),
});

const CountsSchema = z.object({ pass: z.number().int(), fail: z.number().int(), skip: z.number().int(), advice: z.number().int().default(0) });
const ScoreSchema = z.object({ points: z.number(), maxPoints: z.number(), percent: z.number().min(0).max(100) });

export const SubmissionOutcomeSchema = z.object({
  name: z.string().min(1),
  status: z.enum(['pass', 'fail', 'timeout', 'error']),
  passed: z.boolean(),
  score: ScoreSchema,
  counts: CountsSchema,
  checks: z.array(CheckResultSchema),
  message: z.string().nullable(),
  phase: z.enum(['static', 'build', 'image', 'runtime']).nullable(),
  durationMs: z.number().nonnegative(),
  engine: z.string().nullable(),
  attempts: z.number().int().nonnegative(),
  cached: z.boolean(),
  contentHash: z.string().regex(/^[0-9a-f]{64}$/),
  gradedAt: z.iso.datetime(),
  provenance: z.record(z.string(), z.unknown()).nullable().optional(),
});

/** `challenge:grade --format json` (and `--json`). */
export const BatchResultSchema = z.object({
  schemaVersion: z.literal(1),
  challenge: z.object({ id: z.string(), title: z.string(), manifestHash: z.string().regex(/^[0-9a-f]{64}$/) }),
  submissionsDir: z.string(),
  startedAt: z.iso.datetime(),
  durationMs: z.number().nonnegative(),
  concurrency: z.number().int().positive(),
  timeoutSeconds: z.number().positive(),
  engines: z.array(z.object({ endpoint: z.string(), graded: z.number().int(), lost: z.boolean(), lostReason: z.string().nullable() })).min(1),
  counts: z.object({
    total: z.number().int(),
    pass: z.number().int(),
    fail: z.number().int(),
    timeout: z.number().int(),
    error: z.number().int(),
    cached: z.number().int(),
  }),
  submissions: z.array(SubmissionOutcomeSchema),
  cleanup: z.object({ containers: z.number().int(), images: z.number().int(), errors: z.array(z.string()) }),
});

/**
 * Legacy: GitHub Classroom was discontinued in 2026 (its reporter action is deprecated); kept for
 * pipelines that still read it. One learner's result in the GitHub Classroom autograding format (what the classroom-resources
 * graders emit and autograding-grading-reporter reads): overall status, max_score, one entry per test.
 */
export const ClassroomResultSchema = z.object({
  version: z.literal(1),
  status: z.enum(['pass', 'fail', 'error']),
  max_score: z.number().nonnegative(),
  tests: z.array(
    z.object({
      name: z.string().min(1),
      status: z.enum(['pass', 'fail', 'error']),
      score: z.number().nonnegative(),
      max_score: z.number().nonnegative().optional(),
      message: z.string().nullable(),
      test_code: z.string().optional(),
      filename: z.string().optional(),
      line_no: z.number().int().positive().optional(),
      duration: z.number().nonnegative().optional(),
    }),
  ),
});
export type ClassroomResult = z.infer<typeof ClassroomResultSchema>;

/** `--format classroom`: one autograding result per submission, keyed by submission folder. */
export const ClassroomBatchSchema = z.record(z.string(), ClassroomResultSchema);

export interface BatchRenderOptions {
  /** The challenge's checks, for their `visibility`: Gradescope documents mark the held-back ones hidden. */
  manifest?: Pick<Manifest, 'checks'>;
}

export function renderBatch(result: BatchResult, format: BatchFormat, options: BatchRenderOptions = {}): string {
  switch (format) {
    case 'json':
      return `${JSON.stringify(BatchResultSchema.parse(result), null, 2)}\n`;
    case 'classroom':
      return `${JSON.stringify(ClassroomBatchSchema.parse(toClassroom(result)), null, 2)}\n`;
    case 'junit':
      return toJunit(result);
    case 'csv':
      return toCsv(result);
    case 'classroom50':
      return `${JSON.stringify(z.record(z.string(), Classroom50ResultSchema).parse(toClassroom50Batch(result)), null, 2)}\n`;
    case 'gradescope':
      return `${JSON.stringify(z.record(z.string(), GradescopeResultSchema).parse(toGradescopeBatch(result, options)), null, 2)}\n`;
    case 'sarif':
      return `${JSON.stringify(toSarifBatch(result), null, 2)}\n`;
  }
}

/** A submission as the verify reports read it: its checks, score and provenance, its folder as the workspace. */
export function asVerifyResult(result: BatchResult, outcome: SubmissionOutcome): VerifyResult {
  return {
    schemaVersion: 1,
    challenge: { id: result.challenge.id, title: result.challenge.title, lesson: '' },
    workspace: path.join(result.submissionsDir, outcome.name),
    runId: outcome.name,
    passed: outcome.passed,
    score: outcome.score,
    counts: outcome.counts,
    checks: outcome.checks,
    timings: { totalMs: outcome.durationMs, staticMs: 0, buildMs: 0, imageMs: 0, runtimeMs: 0 },
    engine: null as unknown as VerifyResult['engine'],
    build: null,
    limits: null as unknown as VerifyResult['limits'],
    cleanup: null,
    provenance: outcome.provenance ?? null,
  };
}

/** `--format classroom50`: one Classroom 50 result.json per submission, keyed by folder (owner and assignment from the folder and challenge). */
export function toClassroom50Batch(result: BatchResult, now = new Date()) {
  return Object.fromEntries(
    result.submissions.map((outcome) => [
      outcome.name,
      classroom50Result(asVerifyResult(result, outcome), { OWNER: outcome.name, ASSIGNMENT: result.challenge.id, CLASSROOM: 'shipshape-batch' }, now),
    ]),
  );
}

/** `--format gradescope`: one results.json per submission, keyed by folder; a timeout or error is a failed `grading` test. */
export function toGradescopeBatch(result: BatchResult, options: BatchRenderOptions = {}) {
  return Object.fromEntries(
    result.submissions.map((outcome) => {
      // Students see these documents in Gradescope: a check the manifest holds back is marked hidden there.
      const whole = asVerifyResult(result, outcome);
      const platform = options.manifest ? platformView(whole, options.manifest, { passedBefore: false }) : null;
      const graded = platform ? gradescopeResult(platform.result, { visibilityOf: platform.visibilityOf }) : gradescopeResult(whole);
      if (outcome.status === 'timeout' || outcome.status === 'error') {
        graded.tests = [...(graded.tests ?? []), { name: 'grading', score: 0, max_score: 0, status: 'failed', output: outcome.message ?? outcome.status, visibility: 'visible' }];
      }
      return [outcome.name, graded];
    }),
  );
}

/** `--format sarif`: one run per submission, artifact paths relative to the submissions directory (`<folder>/Dockerfile`). */
export function toSarifBatch(result: BatchResult) {
  return sarifLog(
    result.submissions.map((outcome) => {
      const run = sarifRun(asVerifyResult(result, outcome), { root: result.submissionsDir });
      return { ...run, automationDetails: { id: `shipshape/${result.challenge.id}/${outcome.name}` } };
    }),
  );
}

export function classroomResult(outcome: SubmissionOutcome): ClassroomResult {
  const maxScore = outcome.score.maxPoints;
  return {
    version: 1,
    // error: no verdict at all (timeout, engine or input problem); fail: graded and not passed.
    status: outcome.status === 'pass' ? 'pass' : outcome.status === 'fail' ? 'fail' : 'error',
    max_score: maxScore,
    tests: outcome.checks.map((check) => ({
      name: `${check.id}: ${check.title}`,
      // An advice passed (full points); its message carries the better way.
      status: earned(check.status) ? 'pass' : check.status === 'fail' ? 'fail' : 'error',
      score: check.points,
      max_score: check.maxPoints,
      message:
        check.status === 'pass'
          ? null
          : [check.status === 'advice' ? `Advice: ${check.message}` : check.message, check.hint ? `${check.status === 'advice' ? 'Better' : 'Hint'}: ${check.hint}` : '']
              .filter(Boolean)
              .join('\n'),
      test_code: check.kind,
      duration: check.durationMs,
    })),
  };
}

export function toClassroom(result: BatchResult): Record<string, ClassroomResult> {
  return Object.fromEntries(result.submissions.map((outcome) => [outcome.name, classroomResult(outcome)]));
}

/** JUnit XML: one testsuite per submission, one testcase per check; a timeout or error adds a `grading` testcase with <error>. */
export function toJunit(result: BatchResult): string {
  const suites = result.submissions.map((outcome) => junitSuite(outcome, result.challenge.id));
  const total = suites.reduce(
    (sum, suite) => ({
      tests: sum.tests + suite.tests,
      failures: sum.failures + suite.failures,
      errors: sum.errors + suite.errors,
      skipped: sum.skipped + suite.skipped,
    }),
    { tests: 0, failures: 0, errors: 0, skipped: 0 },
  );
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites name="${attr(`shipshape challenge:grade ${result.challenge.id}`)}" tests="${total.tests}" failures="${total.failures}" errors="${total.errors}" skipped="${total.skipped}" time="${seconds(result.durationMs)}" timestamp="${attr(result.startedAt.replace(/Z$/, ''))}">`,
    ...suites.map((suite) => suite.xml),
    '</testsuites>',
    '',
  ].join('\n');
}

function junitSuite(outcome: SubmissionOutcome, challenge: string) {
  const cases: string[] = [];
  let failures = 0;
  let errors = 0;
  let skipped = 0;
  for (const check of outcome.checks) cases.push(junitCase(outcome.name, check));
  for (const check of outcome.checks) {
    if (check.status === 'fail') failures++;
    if (check.status === 'skip') skipped++;
  }
  if (outcome.status === 'timeout' || outcome.status === 'error') {
    errors++;
    cases.push(
      `    <testcase name="grading" classname="${attr(`${challenge}.${outcome.name}`)}" time="${seconds(outcome.durationMs)}">\n` +
        `      <error type="${outcome.status}" message="${attr(outcome.message ?? outcome.status)}">${text(outcome.message ?? '')}</error>\n` +
        '    </testcase>',
    );
  }
  const tests = cases.length;
  const properties = [
    ['status', outcome.status],
    ['score', `${outcome.score.points}/${outcome.score.maxPoints}`],
    ['engine', outcome.engine ?? ''],
    ['attempts', String(outcome.attempts)],
    ['cached', String(outcome.cached)],
    ['contentHash', outcome.contentHash],
  ];
  const xml = [
    `  <testsuite name="${attr(outcome.name)}" tests="${tests}" failures="${failures}" errors="${errors}" skipped="${skipped}" time="${seconds(outcome.durationMs)}" timestamp="${attr(outcome.gradedAt.replace(/Z$/, ''))}">`,
    '    <properties>',
    ...properties.map(([name, value]) => `      <property name="${attr(name!)}" value="${attr(value!)}"/>`),
    '    </properties>',
    ...cases,
    '  </testsuite>',
  ].join('\n');
  return { xml, tests, failures, errors, skipped };
}

function junitCase(submission: string, check: CheckResult): string {
  // Where the check points, relative to the submission folder (GitLab and most readers show file and line).
  const where = check.location ? ` file="${attr(check.location.file)}" line="${check.location.line}"` : '';
  const open = `    <testcase name="${attr(`${check.id}: ${check.title}`)}" classname="${attr(`${submission}.${check.phase}`)}" time="${seconds(check.durationMs)}"${where}`;
  if (check.status === 'pass') return `${open}/>`;
  if (check.status === 'advice') {
    // A pass: JUnit has no advice, so it goes to the case's output.
    return `${open}>\n      <system-out>${text([`Advice: ${check.message}`, check.hint ? `Better: ${check.hint}` : ''].filter(Boolean).join('\n'))}</system-out>\n    </testcase>`;
  }
  const body =
    check.status === 'fail'
      ? `      <failure type="${attr(check.kind)}" message="${attr(check.message)}">${text([check.message, check.hint ? `Hint: ${check.hint}` : ''].filter(Boolean).join('\n'))}</failure>`
      : `      <skipped message="${attr(check.message)}"/>`;
  return `${open}>\n${body}\n    </testcase>`;
}

function seconds(ms: number): string {
  return (ms / 1000).toFixed(3);
}

/** Characters XML 1.0 cannot hold at all (build output may carry control codes) are dropped. */
function clean(value: string): string {
  return value
    // eslint-disable-next-line no-control-regex
    .replace(/[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]/g, '')
    .replace(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g, '');
}

function text(value: string): string {
  return clean(value).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

function attr(value: string): string {
  return text(value).replace(/"/g, '&quot;').replace(/\n/g, '&#10;').replace(/\r/g, '&#13;').replace(/\t/g, '&#9;');
}

export const CSV_COLUMNS = [
  'submission',
  'status',
  'points',
  'max_points',
  'percent',
  'checks_passed',
  'checks_failed',
  'checks_skipped',
  'failed_checks',
  'duration_s',
  'engine',
  'attempts',
  'cached',
  'message',
] as const;

/** RFC 4180: CRLF line ends, fields with a comma, quote or line break quoted, quotes doubled. */
export function toCsv(result: BatchResult): string {
  const rows = result.submissions.map((outcome) => [
    outcome.name,
    outcome.status,
    String(outcome.score.points),
    String(outcome.score.maxPoints),
    String(outcome.score.percent),
    String(outcome.counts.pass + (outcome.counts.advice ?? 0)),
    String(outcome.counts.fail),
    String(outcome.counts.skip),
    outcome.checks.filter((check) => check.status === 'fail').map((check) => check.id).join(' '),
    (outcome.durationMs / 1000).toFixed(1),
    outcome.engine ?? '',
    String(outcome.attempts),
    outcome.cached ? 'yes' : 'no',
    outcome.message ?? '',
  ]);
  return [[...CSV_COLUMNS], ...rows].map((row) => row.map(csvField).join(',')).join('\r\n') + '\r\n';
}

function csvField(value: string): string {
  return /[",\r\n]/.test(value) ? `"${value.replace(/"/g, '""')}"` : value;
}

/** The summary table printed after a batch. */
export function summaryTable(result: BatchResult): string[] {
  const header = ['SUBMISSION', 'STATUS', 'SCORE', 'TIME', 'ENGINE', 'NOTE'];
  const rows = result.submissions.map((outcome) => [
    outcome.name,
    outcome.status.toUpperCase(),
    `${outcome.score.points}/${outcome.score.maxPoints}`,
    outcome.cached ? 'cached' : `${(outcome.durationMs / 1000).toFixed(1)}s`,
    outcome.engine ?? '-',
    [outcome.attempts > 1 ? `${outcome.attempts} attempts` : '', outcome.message ?? ''].filter(Boolean).join('; '),
  ]);
  const widths = header.map((_, column) => Math.max(...[header, ...rows].map((row) => row[column]!.length)));
  const lines = [header, ...rows].map((row) =>
    row.map((cell, column) => (column === row.length - 1 ? cell : cell.padEnd(widths[column]!))).join('  ').trimEnd(),
  );
  const c = result.counts;
  lines.push(
    '',
    `${c.total} submissions: ${c.pass} passed, ${c.fail} failed, ${c.timeout} timed out, ${c.error} errors` +
      `${c.cached ? ` (${c.cached} unchanged, from the cache)` : ''} in ${(result.durationMs / 1000).toFixed(1)} s`,
  );
  return lines;
}
