import type { Phase } from '../../checks/kind.js';
import type { ChallengePack } from '../../course/packs.js';
import type { Engine } from '../../engine/connect.js';
import type { BuilderPreference } from '../../engine/buildkit/choose.js';
import type { CheckResult, VerifyResult } from '../result.js';

export type SubmissionStatus = 'pass' | 'fail' | 'timeout' | 'error';

/** One learner's graded submission, as printed by `challenge:grade --format json` (inside `submissions[]`). */
export interface SubmissionOutcome {
  name: string;
  status: SubmissionStatus;
  passed: boolean;
  score: VerifyResult['score'];
  counts: VerifyResult['counts'];
  checks: CheckResult[];
  /** Why there is no full verdict (timeout, error), or which required checks failed. */
  message: string | null;
  /** The phase running when a timeout struck. */
  phase: Phase | null;
  durationMs: number;
  /** Endpoint of the engine that gave the verdict (null when none did). */
  engine: string | null;
  attempts: number;
  /** Taken from the results cache: the submission and the challenge are unchanged since. */
  cached: boolean;
  /** sha256 of the submission's files (paths, contents, link targets). */
  contentHash: string;
  gradedAt: string;
  /** What graded it (versions, image store, builder, base images); absent for timeouts, errors and older caches. */
  provenance?: VerifyResult['provenance'];
}

export interface EngineUsage {
  endpoint: string;
  graded: number;
  lost: boolean;
  lostReason: string | null;
}

/** What the batch removed at the end from the engines that still answered. */
export interface CleanupTotals {
  containers: number;
  images: number;
  errors: string[];
}

/** The documented `challenge:grade --format json` object (schemaVersion 1). */
export interface BatchResult {
  schemaVersion: 1;
  challenge: { id: string; title: string; manifestHash: string };
  submissionsDir: string;
  startedAt: string;
  durationMs: number;
  concurrency: number;
  timeoutSeconds: number;
  engines: EngineUsage[];
  counts: { total: number; pass: number; fail: number; timeout: number; error: number; cached: number };
  submissions: SubmissionOutcome[];
  cleanup: CleanupTotals;
}

export type BatchEvent =
  | { type: 'prepare'; engine: string; message: string }
  | { type: 'start'; name: string; engine: string; attempt: number }
  | { type: 'retry'; name: string; engine: string; reason: string }
  | { type: 'engine-lost'; engine: string; reason: string }
  | { type: 'done'; outcome: SubmissionOutcome; done: number; total: number };

export interface BatchOptions {
  pack: ChallengePack;
  submissionsDir: string;
  engines: Engine[];
  concurrency: number;
  /** Wall-clock limit per submission, from the moment its grading starts. */
  timeoutSeconds: number;
  /** Results cache (resume). null: no cache. */
  stateFile: string | null;
  /** Only these submissions (folder names); all when absent. */
  only?: string[];
  /** The builder of every submission's verify (`--builder`); absent: SHIPSHAPE_BUILDER, else auto. */
  builder?: BuilderPreference;
  signal?: AbortSignal;
  onEvent?: (event: BatchEvent) => void;
}

/** One submission waiting for (another) grading. */
export interface BatchJob {
  name: string;
  /** The cache key: the submission's content hash and the challenge's hash. */
  key: string;
  contentHash: string;
  attempts: number;
}

/** How one attempt at grading a submission on an engine ended. */
export type GradeAttempt =
  | { kind: 'graded'; outcome: SubmissionOutcome }
  | { kind: 'engine-lost'; reason: string }
  | { kind: 'cancelled' };
