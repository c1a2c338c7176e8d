import { z } from 'zod';
import { UserError } from '../errors.js';
import { sanitizeDeep } from './sanitize.js';

// Loose on purpose: the grade output gains fields (statuses, formats) without breaking this view.
const CheckSchema = z
  .object({
    id: z.string(),
    title: z.string().default(''),
    status: z.string(),
    message: z.string().default(''),
    hint: z.string().nullable().optional(),
    points: z.number().optional(),
    maxPoints: z.number().optional(),
    evidence: z.record(z.string(), z.unknown()).optional(),
  })
  .loose();

const SubmissionSchema = z
  .object({
    name: z.string().min(1),
    status: z.string(),
    score: z.object({ points: z.number(), maxPoints: z.number(), percent: z.number() }).loose(),
    checks: z.array(CheckSchema).default([]),
    message: z.string().nullable().optional(),
    durationMs: z.number().optional(),
    engine: z.string().nullable().optional(),
    gradedAt: z.string().optional(),
  })
  .loose();

const ResultFileSchema = z
  .object({ challenge: z.object({ id: z.string(), title: z.string().optional() }).loose(), submissions: z.array(SubmissionSchema) })
  .loose();

const StateFileSchema = z
  .object({ challenge: z.string(), entries: z.record(z.string(), z.object({ outcome: SubmissionSchema }).loose()) })
  .loose();

export type ClassSubmission = z.output<typeof SubmissionSchema>;

export interface ClassView {
  challenge: { id: string; title: string };
  source: 'result' | 'state';
  checks: Array<{ id: string; title: string; failed: number; passed: number; other: number }>;
  learners: Array<{ name: string; status: string; percent: number; points: number; maxPoints: number; message: string | null; cells: Record<string, string> }>;
  submissions: ClassSubmission[];
}

const MAX_FILE_BYTES = 50 * 1024 * 1024;

/** Reads a `challenge:grade` JSON result or its results cache (state file) into learners × checks. */
export function parseClassFile(text: string, name = 'the file'): ClassView {
  if (text.length > MAX_FILE_BYTES) throw new UserError(`${name} is larger than 50 MB.`, 2);
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (error) {
    throw new UserError(`${name} is not JSON: ${(error as Error).message}`, 2, 'Open the JSON written by `challenge:grade --format json --output FILE`, or its state file.');
  }
  const asResult = ResultFileSchema.safeParse(data);
  let challenge: { id: string; title: string };
  let submissions: ClassSubmission[];
  let source: ClassView['source'];
  if (asResult.success) {
    challenge = { id: asResult.data.challenge.id, title: asResult.data.challenge.title ?? asResult.data.challenge.id };
    submissions = asResult.data.submissions;
    source = 'result';
  } else {
    const asState = StateFileSchema.safeParse(data);
    if (!asState.success) {
      const issue = asResult.error.issues[0];
      throw new UserError(
        `${name} is neither a challenge:grade result nor its state file${issue ? ` (${issue.path.join('.') || 'top level'}: ${issue.message})` : ''}.`,
        2,
        'Open the JSON written by `challenge:grade --format json --output FILE`, or the .<dir>.<challenge>.shipshape-grade.json state file.',
      );
    }
    challenge = { id: asState.data.challenge, title: asState.data.challenge };
    submissions = Object.values(asState.data.entries).map((entry) => entry.outcome);
    source = 'state';
  }
  submissions = (sanitizeDeep(submissions) as ClassSubmission[]).sort((a, b) => a.name.localeCompare(b.name));

  const checkOrder = new Map<string, { id: string; title: string; failed: number; passed: number; other: number }>();
  for (const submission of submissions) {
    for (const check of submission.checks) {
      const entry = checkOrder.get(check.id) ?? { id: check.id, title: check.title, failed: 0, passed: 0, other: 0 };
      if (check.status === 'fail') entry.failed++;
      else if (check.status === 'pass' || check.status === 'advice') entry.passed++;
      else entry.other++;
      checkOrder.set(check.id, entry);
    }
  }
  return {
    challenge,
    source,
    checks: [...checkOrder.values()],
    learners: submissions.map((submission) => ({
      name: submission.name,
      status: submission.status,
      percent: submission.score.percent,
      points: submission.score.points,
      maxPoints: submission.score.maxPoints,
      message: submission.message ?? null,
      cells: Object.fromEntries(submission.checks.map((check) => [check.id, check.status])),
    })),
    submissions,
  };
}

/** The class as CSV (RFC 4180): one row per learner, one column per check with its status. */
export function classCsv(view: ClassView): string {
  const header = ['learner', 'status', 'points', 'max_points', 'percent', ...view.checks.map((check) => check.id)];
  const rows = view.learners.map((learner) => [
    learner.name,
    learner.status,
    String(learner.points),
    String(learner.maxPoints),
    String(learner.percent),
    ...view.checks.map((check) => learner.cells[check.id] ?? ''),
  ]);
  return [header, ...rows].map((row) => row.map(csvField).join(',')).join('\r\n') + '\r\n';
}

function csvField(value: string): string {
  // A leading = + - @ would be run as a formula by a spreadsheet: learner folder names are untrusted.
  const guarded = /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
  return /[",\r\n]/.test(guarded) ? `"${guarded.replace(/"/g, '""')}"` : guarded;
}
