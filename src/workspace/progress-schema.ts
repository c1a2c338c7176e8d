import { z } from 'zod';

// The progress file's schema: loaded only when a progress file is read or written, so commands that
// find none (a first `challenge:list`) do not pay for the validation library at start-up.
export const LastVerifySchema = z.object({
  at: z.string(),
  passed: z.boolean(),
  percent: z.number().min(0).max(100),
  points: z.number().min(0),
  maxPoints: z.number().min(0),
  /** Ids of the checks that failed: required ones first, as the scorecard picks the first to fix. */
  failing: z.array(z.string()),
  /** The hint the scorecard showed for each failed check (the check kind's for that reason, or the manifest's). */
  hints: z.record(z.string(), z.string()).default({}),
});

export const ChallengeProgressSchema = z.object({
  startedAt: z.string().nullable().default(null),
  /** Where the learner last started it, to find the files again from the course root. */
  workspace: z.string().nullable().default(null),
  attempts: z.number().int().min(0).default(0),
  bestPercent: z.number().min(0).max(100).nullable().default(null),
  passedAt: z.string().nullable().default(null),
  hintsSeen: z.array(z.number().int().min(1)).default([]),
  solutionViewedAt: z.string().nullable().default(null),
  lastVerify: LastVerifySchema.nullable().default(null),
});

export const ProgressSchema = z.object({
  schemaVersion: z.literal(1),
  challenges: z.record(z.string(), ChallengeProgressSchema).default({}),
});

export type Progress = z.output<typeof ProgressSchema>;
export type ChallengeProgress = z.output<typeof ChallengeProgressSchema>;
export type LastVerify = z.output<typeof LastVerifySchema>;
