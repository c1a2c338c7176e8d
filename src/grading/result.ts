import type { Phase, SizeMeasure } from '../checks/kind.js';
import type { EngineInfo } from '../engine/connect.js';
import type { ContainerLimits } from '../engine/run.js';
import type { SourceLocation } from '../checks/location.js';
import type { Provenance } from '../engine/provenance.js';

/** `advice`: the check passed (full points, never blocks a pass) with a better way to do it in `hint`. */
export type CheckStatus = 'pass' | 'fail' | 'skip' | 'advice';

/** A check that earned its points: passed outright or with an advice. */
export const earned = (status: CheckStatus): boolean => status === 'pass' || status === 'advice';

/** One graded check, as shown in the scorecard and printed by --json. */
export interface CheckResult {
  id: string;
  title: string;
  kind: string;
  phase: Phase;
  status: CheckStatus;
  required: boolean;
  points: number;
  maxPoints: number;
  message: string;
  /**
   * What to do, given when the check did not pass outright: for a fail or skip, the check kind's hint for
   * this reason or else the manifest's; for an advice, the better way. Null on a pass.
   */
  hint: string | null;
  evidence?: Record<string, unknown>;
  /** A skip because this engine lacks what the check needs (the message says what): never a pass. */
  skippedFor?: 'engine';
  /** The learner's line that caused a verdict other than a pass (file relative to the workspace). */
  location?: SourceLocation;
  durationMs: number;
}

/** The documented `challenge:verify --json` object (schemaVersion 1). */
export interface VerifyResult {
  schemaVersion: 1;
  challenge: { id: string; title: string; lesson: string };
  workspace: string;
  runId: string;
  passed: boolean;
  score: { points: number; maxPoints: number; percent: number };
  /** `advice` counts checks that passed with an advice (not included in `pass`). */
  counts: { pass: number; fail: number; skip: number; advice: number };
  checks: CheckResult[];
  timings: { totalMs: number; staticMs: number; buildMs: number; imageMs: number; runtimeMs: number; composeMs?: number; stackMs?: number };
  engine: EngineInfo;
  build: {
    imageId: string | null;
    steps: number;
    durationMs: number;
    context: { files: number; bytes: number; ignored: number };
    keptAs: string | null;
    /**
     * classic: the Engine API's classic builder; buildkit: BuildKit through the Engine API (the default where
     * the engine has it); buildkit-cli: BuildKit through `docker build`, a fallback when no API session opens.
     */
    builder: 'classic' | 'buildkit' | 'buildkit-cli';
    /** Why this builder: the choice (--builder, SHIPSHAPE_BUILDER, what the engine supports) and any fallback. */
    builderReason?: string;
    /** cacheRecords: BuildKit cache records attributed to this build, pruned with the run (see cleanup.buildCache). */
    buildkit?: { cli: string | null; secrets: string[]; cacheRecords: number; note: string };
  } | null;
  /** Compose challenges: how `compose up` went (null when no stack check ran). */
  stack?: { project: string; ok: boolean; message: string; durationMs: number; outputTail: string[] } | null;
  limits: ContainerLimits & { buildTimeoutSeconds: number; contextMaxMegabytes: number };
  cleanup: { containers: number; images: number; errors: string[]; buildCache?: number } | null;
  /**
   * Before/after against the challenge's starter on the same engine, when an image was built and
   * the starter was measured (added after schemaVersion 1 was published; absent in older output).
   */
  comparison?: Comparison | null;
  /** Shipshape and engine versions, image store, builder, base image ids and digests (added within schemaVersion 1). */
  provenance?: Provenance | null;
}

export interface Comparison {
  /** What both sizes are: the uncompressed size of the image's layers, measured alike on every image store. */
  sizeMeasure?: SizeMeasure;
  starter: { bytes: number; layers: number; buildMs: number; measured: 'built' | 'cache' };
  image: { bytes: number; layers: number; buildMs: number };
  /** starter bytes − image bytes (negative when the image grew). */
  savedBytes: number;
  /** starter bytes ÷ image bytes: 3.2 means three times smaller. */
  factor: number;
}

export function score(checks: CheckResult[]): Pick<VerifyResult, 'passed' | 'score' | 'counts'> {
  const points = checks.reduce((sum, check) => sum + (earned(check.status) ? check.points : 0), 0);
  const maxPoints = checks.reduce((sum, check) => sum + check.maxPoints, 0);
  return {
    passed: checks.every((check) => !check.required || earned(check.status)),
    score: { points, maxPoints, percent: maxPoints === 0 ? 100 : Math.round((points / maxPoints) * 100) },
    counts: {
      pass: checks.filter((check) => check.status === 'pass').length,
      fail: checks.filter((check) => check.status === 'fail').length,
      skip: checks.filter((check) => check.status === 'skip').length,
      advice: checks.filter((check) => check.status === 'advice').length,
    },
  };
}
