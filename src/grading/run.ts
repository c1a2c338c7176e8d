import type {
  Baseline,
  ComposeContext,
  ContextByPhase,
  LocalRegistry,
  MultiPlatformSupport,
  Phase,
  StaticContext,
  WastedBytes,
} from '../checks/kind.js';
import type { DockerfileModel } from '../checks/dockerfile/model.js';
import type { CheckEntry, Manifest } from '../course/manifest.js';
import type { BuildResult } from '../engine/build.js';
import type { BuilderChoice } from '../engine/buildkit/choose.js';
import type { Engine } from '../engine/connect.js';
import type { ContainerLimits } from '../engine/run.js';
import type { RunScope } from '../engine/scope.js';
import { UserError } from '../errors.js';
import { safeText } from '../text/safe.js';
import type { BuildPlan } from './build-plan.js';
import { runCheck, skipped } from './check-run.js';
import type * as EngineSide from './engine-side.js';
import type { CheckPlan } from './plan.js';
import { type CheckResult, type Comparison, type VerifyResult, score } from './result.js';
import { openSession } from './session.js';
import type { PartialVerifyResult, VerifyEvent, VerifyOptions } from './verify-types.js';

/** Longest note passed to a renderer (a compose stack's output tail can be long). */
const NOTE_LIMIT = 8000;

/** The phases a run that stopped before the engine can have graded. */
const PHASES_RUN: Phase[] = ['static', 'compose'];

/** The timings key of each phase's own check time; the build's is the build's duration, set from its result. */
const PHASE_TIMING: Partial<Record<Phase, 'staticMs' | 'composeMs' | 'imageMs' | 'runtimeMs' | 'stackMs'>> = {
  static: 'staticMs',
  compose: 'composeMs',
  image: 'imageMs',
  runtime: 'runtimeMs',
  stack: 'stackMs',
};

export class CancelledError extends UserError {
  constructor() {
    super('Cancelled; everything this run created was removed.', 130);
    this.name = 'CancelledError';
  }
}

/** A user error (no engine) after some checks ran carries their verdicts, printed with the error under --json. */
export function withPartialResult<E extends UserError>(error: E, partial: PartialVerifyResult): E & { partial: PartialVerifyResult } {
  return Object.assign(error, { partial });
}

/** Where a phase's verdicts and events go: straight out, or held while an earlier phase still runs. */
export interface PhaseOutput {
  emit: (event: VerifyEvent) => void;
  record: (result: CheckResult) => void;
}

/** A phase output whose verdicts and events wait, in order, until `release`. */
export interface HeldOutput extends PhaseOutput {
  release: () => void;
}

/** What the engine connection brings: the engine, its modules, this run's scope and build settings. */
export interface EngineSession {
  engine: Engine;
  side: typeof EngineSide;
  scope: RunScope;
  buildPlan: BuildPlan;
  /** One builder for every build of this verify (the learner's, variants, the starter baseline); null without a Dockerfile. */
  builderChoice: BuilderChoice | null;
  limits: ContainerLimits;
}

/** The image phase's context, or why there is none (the reason every image and runtime check is skipped with). */
export type ImageOutcome = { context: ContextByPhase['image']; reason?: undefined } | { context?: undefined; reason: string };

/**
 * One verify: its options and plan, the engine connection (made once the static verdicts are out), the
 * scope and cleanup, cancellation, timings, results, and what the phase steps hand on to each other.
 */
export class VerifyRun {
  readonly manifest: Manifest;
  readonly started = Date.now();
  readonly timings: VerifyResult['timings'] = { totalMs: 0, staticMs: 0, buildMs: 0, imageMs: 0, runtimeMs: 0 };
  readonly results: CheckResult[] = [];
  /** Verdicts and events as they come. */
  readonly output: PhaseOutput;

  // Handed from step to step.
  dockerfile: DockerfileModel | null = null;
  staticContext: StaticContext | null = null;
  composeContext: ComposeContext | null = null;
  build: BuildResult | null = null;
  /** Whether every build check passed (the image and runtime checks are skipped otherwise). */
  buildChecksPassed = false;
  image: ImageOutcome | null = null;
  stack: VerifyResult['stack'] = null;
  comparison: Comparison | null = null;
  keptAs: string | null = null;
  /** Errors of what the steps closed themselves (the compose stack's `down`), reported with the scope's. */
  readonly closeErrors: string[] = [];

  // Per-run caches: each is read at most once a run, whichever checks ask.
  readonly cache: {
    baseline: Promise<Baseline> | null;
    wasted: Record<string, Promise<WastedBytes>>;
    registry: Promise<LocalRegistry> | null;
    multiPlatform: Promise<MultiPlatformSupport> | null;
  } = { baseline: null, wasted: {}, registry: null, multiPlatform: null };

  private readonly connecting: Promise<Engine> | null;
  private connection: Promise<EngineSession> | null = null;
  private openedSession: EngineSession | null = null;
  private disposal: Promise<VerifyResult['cleanup']> | null = null;

  constructor(
    readonly options: VerifyOptions,
    readonly plan: CheckPlan,
  ) {
    this.manifest = options.pack.manifest;
    this.connecting = typeof options.engine === 'function' ? null : Promise.resolve(options.engine);
    // Awaited after the static phases; until then a failed connection must not count as unhandled.
    this.connecting?.catch(() => undefined);
    this.output = { emit: (event) => this.emit(event), record: (result) => this.results.push(result) };
  }

  get signal(): AbortSignal | undefined {
    return this.options.signal;
  }

  get buildTimeoutSeconds(): number {
    return this.options.buildTimeoutSeconds ?? this.manifest.limits.buildTimeoutSeconds;
  }

  get contextMaxMegabytes(): number {
    return this.options.contextMaxMegabytes ?? this.manifest.limits.contextMaxMegabytes;
  }

  /** Notes can quote learner files and engine output: made safe here, once, for every renderer. */
  emit(event: VerifyEvent): void {
    this.options.onEvent?.(event.type === 'note' ? { ...event, message: safeText(event.message, NOTE_LIMIT) } : event);
  }

  throwIfCancelled(): void {
    if (this.signal?.aborted) throw new CancelledError();
  }

  /** The engine session; only after `connect`. */
  get session(): EngineSession {
    if (!this.openedSession) throw new Error('the engine was used before the run connected to it');
    return this.openedSession;
  }

  get connected(): boolean {
    return this.openedSession !== null;
  }

  /**
   * Connects once (the first step that needs the engine asks). No engine: the verdicts already given
   * still belong in the record (--json prints them with the error).
   */
  connect(): Promise<EngineSession> {
    this.connection ??= this.connectOnce();
    return this.connection;
  }

  private async connectOnce(): Promise<EngineSession> {
    // The engine-side modules load while the engine answers (both take a few hundred ms on a busy machine).
    const loadingEngineSide = import('./engine-side.js');
    loadingEngineSide.catch(() => undefined);
    let engine: Engine;
    try {
      // Ctrl-C while the engine is still being reached (a socket that never answers) ends the run at once.
      engine = await untilAborted(this.connecting ?? (this.options.engine as () => Promise<Engine>)(), this.signal);
    } catch (error) {
      if (error instanceof UserError && !(error instanceof CancelledError)) throw withPartialResult(error, this.partialResult());
      throw error;
    }
    this.openedSession = await openSession(this, engine, await loadingEngineSide);
    return this.openedSession;
  }

  /** Removes everything the run created on the engine, once, whatever called it and however often. */
  dispose(): Promise<VerifyResult['cleanup']> {
    this.disposal ??= this.openedSession
      ? this.openedSession.scope.dispose().then((report) => ({ ...report, errors: [...this.closeErrors, ...report.errors] }))
      : Promise.resolve(null);
    return this.disposal;
  }

  /**
   * A phase's output that runs beside an earlier one (the runtime's container starts while the image phase
   * reads the image): its verdicts and events wait until `release`, so reports and renderers see the phases
   * one after the other, exactly as if they had run in turn.
   */
  heldOutput(): HeldOutput {
    const queue: Array<() => void> = [];
    let open = false;
    const later = (action: () => void) => (open ? action() : queue.push(action));
    return {
      emit: (event) => later(() => this.emit(event)),
      record: (result) => later(() => this.results.push(result)),
      release: () => {
        open = true;
        for (const action of queue.splice(0)) action();
      },
    };
  }

  /**
   * Grades a phase's checks on its context, or skips them all with the reason there is none. A step that
   * announced the phase itself (`openedByStep`: the build and the stack, so their progress shows under
   * them) gets its end even when the phase has no checks.
   */
  async grade<P extends Phase>(phase: P, context: ContextByPhase[P] | string, how: { out?: PhaseOutput; openedByStep?: boolean } = {}): Promise<boolean> {
    const out = how.out ?? this.output;
    const checks = this.plan.checksOf(phase);
    if (checks.length === 0) {
      if (how.openedByStep) out.emit({ type: 'phase', phase, state: 'end' });
      return true;
    }
    const phaseStart = Date.now();
    if (!how.openedByStep) out.emit({ type: 'phase', phase, state: 'start' });
    let allPassed = true;
    for (const check of checks) {
      // Checks of the static phases are synchronous: yielding a turn between them lets Ctrl-C, SIGTERM and the view's redraws run.
      await new Promise((resolve) => setImmediate(resolve));
      this.throwIfCancelled();
      const result = await this.checkResult(check, phase, context);
      if (result.status !== 'pass') allPassed = false;
      out.record(result);
      out.emit({ type: 'check', result });
    }
    out.emit({ type: 'phase', phase, state: 'end' });
    const key = PHASE_TIMING[phase];
    if (key) this.timings[key] = (this.timings[key] ?? 0) + Date.now() - phaseStart;
    return allPassed;
  }

  private async checkResult<P extends Phase>(check: CheckEntry, phase: P, context: ContextByPhase[P] | string): Promise<CheckResult> {
    let result: CheckResult;
    try {
      result = typeof context === 'string' ? skipped(check, phase, context) : await runCheck(check, phase, context);
    } catch (error) {
      // A cancelled engine call fails in its own words; the run was cancelled, and says so.
      this.throwIfCancelled();
      throw error;
    }
    // A check cut short by Ctrl-C has no verdict worth showing.
    this.throwIfCancelled();
    return result;
  }

  /** What a run that stopped before the engine phases has to show: the checks that ran. */
  partialResult(): PartialVerifyResult {
    return {
      schemaVersion: 1,
      challenge: { id: this.manifest.id, title: this.manifest.title, lesson: this.manifest.lesson },
      workspace: this.options.workspaceDir,
      ...score(this.results),
      // A run that stopped cannot pass, whatever the checks that ran say.
      passed: false,
      checks: [...this.results],
      phasesRun: PHASES_RUN.filter((phase) => this.results.some((result) => result.phase === phase)),
    };
  }
}

/** Settles with `promise`, or rejects with CancelledError as soon as `signal` aborts. */
export function untilAborted<T>(promise: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (!signal) return promise;
  if (signal.aborted) {
    promise.catch(() => undefined);
    return Promise.reject(new CancelledError());
  }
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(new CancelledError());
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(error);
      },
    );
  });
}
