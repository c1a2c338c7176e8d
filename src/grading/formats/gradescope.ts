import { z } from 'zod';
import type { CheckResult, VerifyResult } from '../result.js';
import { checkName, explanation, locatedFile, outcomeOf, provenancePairs } from './common.js';

const Visibility = z.enum(['hidden', 'after_due_date', 'after_published', 'visible']);
const OutputFormat = z.enum(['text', 'html', 'simple_format', 'md', 'ansi']);

/**
 * Gradescope's /autograder/results/results.json, written from its "Autograder Specifications"
 * (gradescope-autograders.readthedocs.io/en/latest/specs/, and docs/specs.md of gradescope/autograder_samples):
 * a top-level score (or per-test scores), optional execution_time, output, visibility, stdout_visibility,
 * extra_data; tests with score, max_score, status (passed|failed), name, number, output, tags, visibility,
 * extra_data; output formats text, html, simple_format, md, ansi. Unknown keys are refused here so a typo
 * cannot slip through.
 */
export const GradescopeTestSchema = z
  .object({
    score: z.number().optional(),
    max_score: z.number().optional(),
    status: z.enum(['passed', 'failed']).optional(),
    name: z.string().optional(),
    name_format: OutputFormat.optional(),
    number: z.string().optional(),
    output: z.string().optional(),
    output_format: OutputFormat.optional(),
    tags: z.array(z.string()).optional(),
    visibility: Visibility.optional(),
    extra_data: z.record(z.string(), z.unknown()).optional(),
  })
  .strict();

export const GradescopeResultSchema = z
  .object({
    score: z.number().optional(),
    execution_time: z.number().optional(),
    output: z.string().optional(),
    output_format: OutputFormat.optional(),
    test_output_format: OutputFormat.optional(),
    test_name_format: OutputFormat.optional(),
    visibility: Visibility.optional(),
    stdout_visibility: Visibility.optional(),
    extra_data: z.record(z.string(), z.unknown()).optional(),
    tests: z.array(GradescopeTestSchema).optional(),
    leaderboard: z.array(z.object({ name: z.string(), value: z.union([z.number(), z.string()]), order: z.enum(['asc', 'desc']).optional() })).optional(),
  })
  .strict()
  .refine((result) => result.score !== undefined || (result.tests ?? []).every((test) => test.score !== undefined), {
    message: 'a score is needed at the top level or on every test',
  });
export type GradescopeResult = z.infer<typeof GradescopeResultSchema>;

export type GradescopeVisibility = z.infer<typeof Visibility>;

export interface GradescopeOptions {
  /**
   * Gradescope hides a test from students itself when told (`visibility: hidden`), so its document holds
   * every check and says which the learner may not see; without this every test is visible.
   */
  visibilityOf?: (check: CheckResult) => GradescopeVisibility;
}

/** One verify as Gradescope results: a test per check (advice passes with its note; a skip fails with its reason). */
export function gradescopeResult(result: VerifyResult, options: GradescopeOptions = {}): GradescopeResult {
  const tests = result.checks.map((check, index) => {
    const outcome = outcomeOf(check);
    const where = check.location ? `${locatedFile(result, check.location)}:${check.location.line}: ` : '';
    return {
      name: checkName(check),
      number: String(index + 1),
      score: check.points,
      max_score: check.maxPoints,
      status: (outcome === 'pass' || outcome === 'advice' ? 'passed' : 'failed') as 'passed' | 'failed',
      output: outcome === 'pass' ? explanation(check) : `${where}${explanation(check)}`,
      output_format: 'text' as const,
      tags: [check.phase, check.kind],
      visibility: options.visibilityOf?.(check) ?? ('visible' as const),
    };
  });
  return {
    score: result.score.points,
    execution_time: Math.round((result.timings?.totalMs ?? 0) / 1000),
    output: `${result.challenge.title}: ${result.passed ? 'passed' : 'not yet'}, ${result.score.points}/${result.score.maxPoints} points.`,
    output_format: 'text',
    visibility: 'visible',
    stdout_visibility: 'visible',
    extra_data: { shipshape: Object.fromEntries(provenancePairs(result)), challenge: result.challenge.id, runId: result.runId },
    tests,
  };
}

export function toGradescope(result: VerifyResult, options: GradescopeOptions = {}): string {
  return `${JSON.stringify(GradescopeResultSchema.parse(gradescopeResult(result, options)), null, 2)}\n`;
}
