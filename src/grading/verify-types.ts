import type { Phase } from '../checks/kind.js';
import type { LayerSummary } from '../checks/image/layers.js';
import type { BuilderPreference } from '../engine/buildkit/choose.js';
import type { ChallengePack } from '../course/packs.js';
import type { BuildEvent } from '../engine/build.js';
import type { Engine } from '../engine/connect.js';
import type { ContainerLimits } from '../engine/run.js';
import type { CheckResult, VerifyResult } from './result.js';

export type VerifyEvent =
  | { type: 'phase'; phase: Phase; state: 'start' | 'end' }
  | { type: 'check'; result: CheckResult }
  | { type: 'build'; event: BuildEvent }
  | { type: 'note'; message: string }
  /** The built image's largest added layers, when `describeImage` asked for them (the web page draws them). */
  | { type: 'image'; bytes: number; layers: LayerSummary[] }
  /** A health probe of a runtime container, as it finishes (its output is the learner's program's: made safe). */
  | { type: 'probe'; index: number; exitCode: number; output: string; atMs: number };

export interface VerifyOptions {
  pack: ChallengePack;
  workspaceDir: string;
  /**
   * The engine, its connection under way, or a function that connects: called only once the static
   * verdicts are out, since loading the Docker client takes longer than all the static checks together.
   */
  engine: Engine | Promise<Engine> | (() => Promise<Engine>);
  keepImage?: boolean;
  limits?: ContainerLimits;
  /** Overrides of the manifest's build limits (flags). */
  buildTimeoutSeconds?: number;
  contextMaxMegabytes?: number;
  signal?: AbortSignal;
  /**
   * Build without the layer cache: always (true), or only with the classic builder ('classic': batch
   * grading, where concurrent classic runs must not share layers but BuildKit's cache is safe to share).
   */
  noCache?: boolean | 'classic';
  /** classic | buildkit | auto (`--builder`); absent: SHIPSHAPE_BUILDER, else auto (BuildKit where the engine has it). */
  builder?: BuilderPreference;
  onEvent?: (event: VerifyEvent) => void;
  /** Also emit an `image` event with the largest layers the Dockerfile added (one history read more). */
  describeImage?: boolean;
}

/** The part of the --json object a run that stopped early still has (README: "--json"). */
export type PartialVerifyResult = Pick<VerifyResult, 'schemaVersion' | 'challenge' | 'workspace' | 'passed' | 'score' | 'counts' | 'checks'> & {
  /** The phases whose checks ran before the run stopped. */
  phasesRun: Phase[];
};
