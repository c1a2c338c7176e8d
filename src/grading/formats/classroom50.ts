import { z } from 'zod';
import type { VerifyResult } from '../result.js';
import { checkName, explanation, locatedFile, outcomeOf, provenancePairs } from './common.js';

const UTC_SECONDS = /^\d{4}-\d{2}-\d{2}T([01]\d|2[0-3]):[0-5]\d:[0-5]\dZ$/;

/**
 * Classroom 50's `result.json` (schema "classroom50/result/v1"), from its documented contract
 * (foundation50/classroom50: wiki/Autograders.md "The result.json contract" and schemas/result-v1.schema.json):
 * every top-level key required except graded_at and submitted_by, no others; tests need test-name,
 * passed and integer score/max-score and may carry more fields; score ≤ max-score.
 */
export const Classroom50TestSchema = z
  .object({
    'test-name': z.string().min(1),
    passed: z.boolean(),
    score: z.number().int().min(0),
    'max-score': z.number().int().min(0),
  })
  .loose()
  .refine((test) => test.score <= test['max-score'], { message: 'score exceeds max-score' });

export const Classroom50ResultSchema = z
  .object({
    schema: z.literal('classroom50/result/v1'),
    classroom: z.string().min(1),
    assignment: z.string().min(1),
    assignment_type: z.enum(['individual', 'group']),
    owner: z.string().min(1),
    submission: z.string().regex(/^submit\//),
    commit: z.string().min(1),
    release: z.string().min(1),
    review: z.string().min(1),
    datetime: z.string().regex(UTC_SECONDS),
    graded_at: z.string().regex(UTC_SECONDS).optional(),
    score: z.number().int().min(0),
    'max-score': z.number().int().min(0),
    tests: z.array(Classroom50TestSchema),
    submitted_by: z.object({ username: z.string().min(1), id: z.number().int().nullable().optional() }).strict().optional(),
  })
  .strict()
  .refine((result) => result.score <= result['max-score'], { message: 'score exceeds max-score' });
export type Classroom50Result = z.infer<typeof Classroom50ResultSchema>;

const utcSeconds = (date: Date) => date.toISOString().replace(/\.\d{3}Z$/, 'Z');

/**
 * The runner of Classroom 50 gives the autograder CLASSROOM, ASSIGNMENT, SUBMISSION_TAG, COMMIT_URL,
 * RELEASE_URL, REVIEW_URL, OWNER/USERNAME and ASSIGNMENT_TYPE (and stamps owner and type itself);
 * outside it (a local run) stand-ins keep the document valid and say where it came from.
 */
export function classroom50Result(result: VerifyResult, env: NodeJS.ProcessEnv = process.env, now = new Date()): Classroom50Result {
  const stamp = utcSeconds(now);
  const repository = env.GITHUB_SERVER_URL && env.GITHUB_REPOSITORY ? `${env.GITHUB_SERVER_URL}/${env.GITHUB_REPOSITORY}` : null;
  const commit = env.COMMIT_URL || (repository && env.GITHUB_SHA ? `${repository}/commit/${env.GITHUB_SHA}` : `local:${result.workspace}`);
  const submission = env.SUBMISSION_TAG?.startsWith('submit/') ? env.SUBMISSION_TAG : `submit/local-${stamp.replace(/:/g, '-')}`;
  const owner = env.OWNER || env.USERNAME || env.GITHUB_REPOSITORY_OWNER || env.USER || 'local';
  const tests = result.checks.map((check) => {
    const outcome = outcomeOf(check);
    return {
      'test-name': checkName(check).slice(0, 100),
      passed: outcome === 'pass' || outcome === 'advice',
      score: Math.round(check.points),
      'max-score': Math.round(check.maxPoints),
      // Extra fields are kept verbatim by the runner and the collector.
      status: check.status,
      phase: check.phase,
      ...(outcome === 'pass' ? {} : { message: explanation(check, 2000) }),
      ...(check.location ? { file: locatedFile(result, check.location), line: check.location.line } : {}),
    };
  });
  // The document's top level is closed: the provenance rides on a 0-point test, which never changes the score.
  tests.push({
    'test-name': 'shipshape-provenance',
    passed: true,
    score: 0,
    'max-score': 0,
    status: 'pass',
    phase: 'static',
    message: provenancePairs(result).map(([key, value]) => `${key}: ${value}`).join('\n'),
    provenance: result.provenance ?? null,
  } as (typeof tests)[number]);
  return {
    schema: 'classroom50/result/v1',
    classroom: env.CLASSROOM || 'local',
    assignment: env.ASSIGNMENT || result.challenge.id,
    assignment_type: env.ASSIGNMENT_TYPE === 'group' ? 'group' : 'individual',
    owner,
    submission,
    commit,
    release: env.RELEASE_URL || commit,
    review: env.REVIEW_URL || commit,
    datetime: stamp,
    graded_at: stamp,
    score: tests.reduce((sum, test) => sum + test.score, 0),
    'max-score': tests.reduce((sum, test) => sum + test['max-score'], 0),
    tests,
    ...(env.GITHUB_ACTOR ? { submitted_by: { username: env.GITHUB_ACTOR, id: env.GITHUB_ACTOR_ID ? Number(env.GITHUB_ACTOR_ID) : null } } : {}),
  };
}

export function toClassroom50(result: VerifyResult, env: NodeJS.ProcessEnv = process.env, now = new Date()): string {
  return `${JSON.stringify(Classroom50ResultSchema.parse(classroom50Result(result, env, now)), null, 2)}\n`;
}
