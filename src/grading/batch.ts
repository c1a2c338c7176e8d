import { createHash } from 'node:crypto';
import { cp, lstat, mkdtemp, readdir, readFile, readlink, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { Phase } from '../checks/kind.js';
import { loadCheckKinds } from '../checks/registry.js';
import { planChecks } from './plan.js';
import type { ChallengePack } from '../course/packs.js';
import { EngineUnavailableError, UserError, errorMessage } from '../errors.js';
import { type Engine, engineAnswers, engineStopsAnswering, withTimeout } from '../engine/connect.js';
import { LABEL_OWNER, currentOwner } from '../engine/labels.js';
import { DEFAULT_LIMITS } from '../engine/run.js';
import { RunScope, removeLeftovers } from '../engine/scope.js';
import { writeFileAtomic } from '../workspace/atomic.js';
import { listFiles } from '../workspace/files.js';
import { STATE_DIR } from '../workspace/workspace.js';
import { starterBaseline } from './baseline.js';
import { type EngineCapacity, type GradingNeeds, pickSlot, readCapacity } from './placement.js';
import type { CheckResult, VerifyResult } from './result.js';
import { score } from './result.js';
import type { BuilderPreference } from '../engine/buildkit/choose.js';
import { CancelledError, type VerifyEvent, skipped, verifyWorkspace } from './verify.js';

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
  cleanup: { containers: number; images: number; errors: string[] };
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

/** After a timeout, how long the verify gets to clean up before its slot is given back regardless. */
const CLEANUP_GRACE_MS = 30_000;

/** The submission folders of a batch: every visible subdirectory, sorted. */
export async function listSubmissions(submissionsDir: string): Promise<string[]> {
  let entries;
  try {
    entries = await readdir(submissionsDir, { withFileTypes: true });
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') {
      throw new UserError(`No submissions directory at ${submissionsDir}.`, 2, 'Pass a directory holding one folder per learner.');
    }
    throw error;
  }
  const names = entries.filter((entry) => entry.isDirectory() && !entry.name.startsWith('.')).map((entry) => entry.name).sort();
  if (names.length === 0) {
    throw new UserError(`${submissionsDir} holds no submission folders.`, 2, 'Each learner’s workspace goes in its own subfolder (Dockerfile and app).');
  }
  return names;
}

/** Default results cache: next to the submissions directory, so the submissions stay untouched. */
export function defaultStateFile(submissionsDir: string, challengeId: string): string {
  const resolved = path.resolve(submissionsDir);
  return path.join(path.dirname(resolved), `.${path.basename(resolved)}.${challengeId}.shipshape-grade.json`);
}

/** sha256 over the manifest, the starter (the size budget is measured on it) and the grader's version. */
export async function challengeHash(pack: ChallengePack, graderVersion: string): Promise<string> {
  const hash = createHash('sha256');
  hash.update(`shipshape ${graderVersion}\n`);
  hash.update(await readFile(pack.manifestPath));
  const starterDir = path.join(pack.dir, pack.manifest.starter);
  for (const file of await listFiles(starterDir)) {
    hash.update(`\n${file}\n`);
    hash.update(await readFile(path.join(starterDir, file)));
  }
  return hash.digest('hex');
}

/** sha256 of a submission: relative paths, file contents and symlink targets; Shipshape's own state is left out. */
export async function submissionHash(dir: string): Promise<string> {
  const hash = createHash('sha256');
  async function walk(relative: string): Promise<void> {
    const entries = await readdir(path.join(dir, relative), { withFileTypes: true });
    for (const entry of entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))) {
      const child = relative ? `${relative}/${entry.name}` : entry.name;
      if (child === STATE_DIR) continue;
      const full = path.join(dir, child);
      if (entry.isSymbolicLink()) hash.update(`L ${child} -> ${await readlink(full)}\n`);
      else if (entry.isDirectory()) {
        hash.update(`D ${child}\n`);
        await walk(child);
      } else if (entry.isFile()) {
        const mode = (await lstat(full)).mode & 0o111 ? 'x' : '-';
        hash.update(`F ${child} ${mode}\n`);
        hash.update(await readFile(full));
        hash.update('\n');
      }
    }
  }
  await walk('');
  return hash.digest('hex');
}

interface CacheEntry {
  key: string;
  timeoutSeconds: number;
  outcome: SubmissionOutcome;
}
interface CacheFile {
  schemaVersion: 1;
  challenge: string;
  entries: Record<string, CacheEntry>;
}

async function readCache(file: string | null, challenge: string): Promise<CacheFile> {
  const empty: CacheFile = { schemaVersion: 1, challenge, entries: {} };
  if (!file) return empty;
  try {
    const parsed = JSON.parse(await readFile(file, 'utf8')) as CacheFile;
    if (parsed?.schemaVersion !== 1 || typeof parsed.entries !== 'object' || parsed.challenge !== challenge) return empty;
    return parsed;
  } catch {
    return empty;
  }
}

/**
 * A cached verdict stands when the submission and the challenge are unchanged. Errors are always
 * graded again (an engine may have been down); a timeout only when the limit is now longer.
 */
function reusable(entry: CacheEntry | undefined, key: string, timeoutSeconds: number): boolean {
  if (!entry || entry.key !== key) return false;
  if (entry.outcome.status === 'error') return false;
  if (entry.outcome.status === 'timeout') return entry.timeoutSeconds >= timeoutSeconds;
  return true;
}

interface EngineSlot {
  engine: Engine;
  usage: EngineUsage;
  inFlight: number;
  /** The engine's CPUs, memory and running containers (read before the batch, again after each grading). */
  capacity: EngineCapacity | null;
}

/**
 * Grades every submission folder with the verify core: each is copied to a scratch workspace (the
 * submission is never written), run on the least busy engine that still answers, under a
 * wall-clock limit, at most `concurrency` at a time. A submission whose engine is lost mid-run is
 * graded again on another one. One submission's failure, hang or error never stops the batch.
 */
export async function gradeBatch(options: BatchOptions, graderVersion: string): Promise<BatchResult> {
  const { pack } = options;
  await loadCheckKinds(pack.manifest.checks.map((check) => check.kind));
  const started = Date.now();
  const startedAt = new Date(started).toISOString();
  const submissionsDir = path.resolve(options.submissionsDir);
  let names = await listSubmissions(submissionsDir);
  if (options.only?.length) {
    const unknown = options.only.filter((name) => !names.includes(name));
    if (unknown.length > 0) throw new UserError(`No submission folder named ${unknown.join(', ')} in ${submissionsDir}.`, 2);
    names = names.filter((name) => options.only!.includes(name));
  }
  const manifestHash = await challengeHash(pack, graderVersion);
  const cache = await readCache(options.stateFile, pack.manifest.id);
  const slots: EngineSlot[] = options.engines.map((engine) => ({
    engine,
    usage: { endpoint: engine.info.endpoint, graded: 0, lost: false, lostReason: null },
    inFlight: 0,
    capacity: null,
  }));
  // What one grading asks of an engine: its containers' limits.
  const needs: GradingNeeds = { cpus: DEFAULT_LIMITS.nanoCpus / 1e9, memoryBytes: DEFAULT_LIMITS.memoryBytes };
  const emit = (event: BatchEvent) => options.onEvent?.(event);
  const outcomes = new Map<string, SubmissionOutcome>();
  let done = 0;

  let saving: Promise<void> = Promise.resolve();
  const saveCache = () => {
    const file = options.stateFile;
    if (!file) return saving;
    const text = `${JSON.stringify(cache, null, 2)}\n`;
    saving = saving.then(() => writeFileAtomic(file, text)).catch(() => undefined);
    return saving;
  };

  const finish = (outcome: SubmissionOutcome) => {
    outcomes.set(outcome.name, outcome);
    done++;
    emit({ type: 'done', outcome, done, total: names.length });
  };

  // Hash everything first: cached verdicts are reported at once, the rest queued.
  const queue: Array<{ name: string; key: string; contentHash: string; attempts: number; avoid: Set<EngineSlot> }> = [];
  for (const name of names) {
    const contentHash = await submissionHash(path.join(submissionsDir, name));
    const key = `${contentHash}:${manifestHash}`;
    const entry = cache.entries[name];
    if (reusable(entry, key, options.timeoutSeconds)) {
      finish({ ...entry!.outcome, cached: true });
    } else {
      queue.push({ name, key, contentHash, attempts: 0, avoid: new Set() });
    }
  }

  const cleanupTotals = { containers: 0, images: 0, errors: [] as string[] };
  try {
    if (queue.length > 0) {
      await prepareEngines();
      await Promise.all(slots.map(async (slot) => (slot.capacity = await readCapacity(slot.engine.docker, slot.inFlight))));
    }

    const workers = Array.from({ length: Math.max(1, Math.min(options.concurrency, queue.length)) }, () => worker());
    await Promise.all(workers);
    if (options.signal?.aborted) throw new CancelledError();
  } finally {
    await saveCache();
    // Anything a verify left behind (one cut off after its cleanup grace) carries our owner label.
    // A lost engine cannot be reached; what it holds of ours is for `shipshape clean` once it is back.
    for (const slot of slots.filter((candidate) => !candidate.usage.lost)) {
      const report = await sweepOwned(slot.engine).catch((error) => ({ containers: 0, images: 0, errors: [errorMessage(error)] }));
      cleanupTotals.containers += report.containers;
      cleanupTotals.images += report.images;
      cleanupTotals.errors.push(...report.errors);
    }
  }

  const submissions = names.map((name) => outcomes.get(name)!);
  const count = (status: SubmissionStatus) => submissions.filter((outcome) => outcome.status === status).length;
  return {
    schemaVersion: 1,
    challenge: { id: pack.manifest.id, title: pack.manifest.title, manifestHash },
    submissionsDir,
    startedAt,
    durationMs: Date.now() - started,
    concurrency: options.concurrency,
    timeoutSeconds: options.timeoutSeconds,
    engines: slots.map((slot) => slot.usage),
    counts: {
      total: submissions.length,
      pass: count('pass'),
      fail: count('fail'),
      timeout: count('timeout'),
      error: count('error'),
      cached: submissions.filter((outcome) => outcome.cached).length,
    },
    submissions,
    cleanup: cleanupTotals,
  };

  /**
   * The starter's size is measured once per engine before the batch, so no learner's time limit
   * pays for it. An engine that cannot do it is left out of the batch.
   */
  async function prepareEngines(): Promise<void> {
    const dockerfile = pack.manifest.dockerfile;
    if (!dockerfile || !pack.manifest.checks.some((check) => check.kind === 'image.size-vs-starter')) return;
    const failures: unknown[] = [];
    await Promise.all(
      slots.map(async (slot) => {
        const scope = new RunScope(slot.engine.docker, pack.manifest.id);
        try {
          await starterBaseline({
            engine: slot.engine,
            scope,
            challengeId: pack.manifest.id,
            starterDir: path.join(pack.dir, pack.manifest.starter),
            dockerfile,
            buildTimeoutMs: pack.manifest.limits.buildTimeoutSeconds * 1000,
            onNote: (message) => emit({ type: 'prepare', engine: slot.usage.endpoint, message }),
          });
        } catch (error) {
          // An engine that cannot build the starter (gone, or missing a base image) is left out.
          failures.push(error);
          markLost(slot, errorMessage(error));
        } finally {
          await scope.dispose();
        }
      }),
    );
    // None left: the reason (no engine, a base image missing everywhere) is the batch's error.
    if (slots.every((slot) => slot.usage.lost)) throw failures[0];
  }

  async function worker(): Promise<void> {
    for (;;) {
      if (options.signal?.aborted) return;
      const job = queue.shift();
      if (!job) return;
      const slot = pickEngine(job.avoid);
      if (!slot) {
        finish(errorOutcome(job.name, job.contentHash, job.attempts, noEngineMessage()));
        continue;
      }
      job.attempts++;
      slot.inFlight++;
      emit({ type: 'start', name: job.name, engine: slot.usage.endpoint, attempt: job.attempts });
      let result: GradeOne;
      try {
        result = await gradeOne(job.name, job.contentHash, slot, job.attempts);
      } finally {
        slot.inFlight--;
        // Re-read in the background: the next placement sees what else now runs there.
        if (slots.length > 1) void readCapacity(slot.engine.docker, slot.inFlight).then((capacity) => (slot.capacity = capacity ?? slot.capacity));
      }
      if (result.kind === 'cancelled') return;
      if (result.kind === 'engine-lost') {
        markLost(slot, result.reason);
        job.avoid.add(slot);
        if (pickEngine(job.avoid)) {
          emit({ type: 'retry', name: job.name, engine: slot.usage.endpoint, reason: result.reason });
          queue.unshift(job);
        } else {
          finish(errorOutcome(job.name, job.contentHash, job.attempts, `${result.reason}; ${noEngineMessage()}`));
        }
        continue;
      }
      slot.usage.graded++;
      finish(result.outcome);
      if (result.outcome.status !== 'error') {
        cache.entries[job.name] = { key: job.key, timeoutSeconds: options.timeoutSeconds, outcome: result.outcome };
        void saveCache();
      }
    }
  }

  /** The engine that still answers with the most room for one more grading (src/grading/placement.ts). */
  function pickEngine(avoid: Set<EngineSlot>): EngineSlot | null {
    const candidates = slots.filter((slot) => !slot.usage.lost && !avoid.has(slot));
    const picked = pickSlot(candidates.map((slot) => ({ slot, inFlight: slot.inFlight, graded: slot.usage.graded, capacity: slot.capacity })), needs);
    return picked?.slot ?? null;
  }

  function markLost(slot: EngineSlot, reason: string): void {
    if (slot.usage.lost) return;
    slot.usage.lost = true;
    slot.usage.lostReason = reason;
    emit({ type: 'engine-lost', engine: slot.usage.endpoint, reason });
  }

  function noEngineMessage(): string {
    return `no Docker engine left to grade on (${slots.map((slot) => `${slot.usage.endpoint}: ${slot.usage.lostReason ?? 'tried'}`).join('; ')})`;
  }

  type GradeOne =
    | { kind: 'graded'; outcome: SubmissionOutcome }
    | { kind: 'engine-lost'; reason: string }
    | { kind: 'cancelled' };

  async function gradeOne(name: string, contentHash: string, slot: EngineSlot, attempts: number): Promise<GradeOne> {
    const startedOne = Date.now();
    const scratch = await mkdtemp(path.join(os.tmpdir(), 'shipshape-grade-'));
    const workspace = path.join(scratch, 'workspace');
    const abort = new AbortController();
    let timedOut = false;
    const onBatchAbort = () => abort.abort();
    options.signal?.addEventListener('abort', onBatchAbort, { once: true });
    const timer = setTimeout(() => {
      timedOut = true;
      abort.abort();
    }, options.timeoutSeconds * 1000);
    const partial: CheckResult[] = [];
    let phase: Phase | null = null;
    const onEvent = (event: VerifyEvent) => {
      if (event.type === 'check') partial.push(event.result);
      if (event.type === 'phase' && event.state === 'start') phase = event.phase;
    };
    const base = { name, contentHash, attempts, engine: slot.usage.endpoint, cached: false };
    try {
      const source = path.join(submissionsDir, name);
      // Symlinks are copied as links (never followed out of the submission); our own state is left out.
      await cp(source, workspace, {
        recursive: true,
        verbatimSymlinks: true,
        filter: (from) => path.relative(source, from).split(path.sep)[0] !== STATE_DIR,
      });
      const verifying = verifyWorkspace({
        pack,
        workspaceDir: workspace,
        engine: slot.engine,
        limits: DEFAULT_LIMITS,
        // Gradings run side by side on an engine: with the classic builder a layer one of them takes from
        // the cache may be removed by the other's cleanup mid-build, so each builds its own layers there.
        // BuildKit's cache is shared and immutable (a run removes only records it can attribute to itself):
        // the starter measurement and earlier gradings warm it for everyone.
        noCache: 'classic',
        builder: options.builder,
        signal: abort.signal,
        onEvent,
      });
      // A verify stuck in an engine call that ignores the abort still gives its slot back.
      const hardLimit = new Promise<'stuck'>((resolve) => {
        const guard = setTimeout(() => resolve('stuck'), options.timeoutSeconds * 1000 + CLEANUP_GRACE_MS);
        void verifying.finally(() => clearTimeout(guard)).catch(() => undefined);
      });
      const result = await Promise.race([verifying, hardLimit]);
      if (result === 'stuck') {
        verifying.catch(() => undefined);
        return { kind: 'graded', outcome: timeoutOutcome() };
      }
      // A stopping engine often ends a build with an ordinary-looking error: a failed verdict from an
      // engine that no longer answers is no verdict.
      if (!result.passed && (await engineGoneAfter(result, slot.engine))) {
        return { kind: 'engine-lost', reason: `the engine at ${slot.usage.endpoint} stopped answering during the checks` };
      }
      const failedRequired = result.checks.filter((check) => check.required && check.status !== 'pass').map((check) => check.id);
      return {
        kind: 'graded',
        outcome: {
          ...base,
          status: result.passed ? 'pass' : 'fail',
          passed: result.passed,
          score: result.score,
          counts: result.counts,
          checks: result.checks,
          provenance: result.provenance ?? null,
          message: result.passed ? null : `not passed: ${failedRequired.join(', ')}`,
          phase: null,
          durationMs: Date.now() - startedOne,
          gradedAt: new Date().toISOString(),
        },
      };
    } catch (error) {
      if (error instanceof CancelledError || abort.signal.aborted) {
        if (timedOut) return { kind: 'graded', outcome: timeoutOutcome() };
        return { kind: 'cancelled' };
      }
      if (isEngineLoss(error) || (!(error instanceof UserError) && !(await engineAnswers(slot.engine, ENGINE_PING_MS)))) {
        return { kind: 'engine-lost', reason: errorMessage(error) };
      }
      return { kind: 'graded', outcome: errorOutcome(name, contentHash, attempts, errorMessage(error), slot.usage.endpoint, Date.now() - startedOne) };
    } finally {
      clearTimeout(timer);
      options.signal?.removeEventListener('abort', onBatchAbort);
      await rm(scratch, { recursive: true, force: true }).catch(() => undefined);
    }

    function timeoutOutcome(): SubmissionOutcome {
      // What ran before the limit keeps its verdict; the rest was not reached.
      const reached = new Set(partial.map((check) => check.id));
      const reason = `not reached: the ${options.timeoutSeconds} s limit for this submission ran out`;
      const checks: CheckResult[] = [
        ...partial,
        ...pack.manifest.checks
          .filter((check) => !reached.has(check.id))
          .map((check) => skipped(check, planChecks(pack.manifest.checks).phaseOf(check), reason)),
      ];
      const scored = score(checks);
      return {
        ...base,
        status: 'timeout',
        passed: false,
        score: scored.score,
        counts: scored.counts,
        checks,
        message: `did not finish within ${options.timeoutSeconds} s${phase ? ` (during the ${phase} phase)` : ''}`,
        phase,
        durationMs: Date.now() - startedOne,
        gradedAt: new Date().toISOString(),
      };
    }
  }

  function errorOutcome(name: string, contentHash: string, attempts: number, message: string, engine: string | null = null, durationMs = 0): SubmissionOutcome {
    const checks: CheckResult[] = pack.manifest.checks.map((check) => skipped(check, planChecks(pack.manifest.checks).phaseOf(check), `not graded: ${message}`));
    const scored = score(checks);
    return {
      name,
      status: 'error',
      passed: false,
      score: scored.score,
      counts: scored.counts,
      checks,
      message,
      phase: null,
      durationMs,
      engine,
      attempts,
      cached: false,
      contentHash,
      gradedAt: new Date().toISOString(),
    };
  }
}


function isEngineLoss(error: unknown): boolean {
  if (error instanceof EngineUnavailableError) return true;
  if (error instanceof UserError) return false;
  const code = (error as NodeJS.ErrnoException).code ?? '';
  return /ECONNRESET|ECONNREFUSED|EPIPE|ENOENT/.test(code) && /socket|connect|docker/i.test(errorMessage(error));
}

/** A step killed by a signal or a lost connection is what a stopping engine leaves; the engine is watched a little longer then. */
const SUSPECT = /returned a non-zero code: (137|143)\b|ECONNRESET|ECONNREFUSED|EPIPE|ENOENT|socket hang up|premature close|did not answer/i;

async function engineGoneAfter(result: VerifyResult, engine: Engine): Promise<boolean> {
  const suspect = result.checks.some((check) => check.status === 'fail' && SUSPECT.test(check.message));
  return engineStopsAnswering(engine, suspect ? 5000 : 0, { pingTimeoutMs: ENGINE_PING_MS, intervalMs: 500 });
}

/** A grading host may be busy: its engine gets a little longer to answer a ping. */
const ENGINE_PING_MS = 3000;

/** Removes what this process created on an engine and did not remove itself (found by the owner label). */
async function sweepOwned(engine: Engine) {
  const filters = { label: [`${LABEL_OWNER}=${currentOwner()}`] };
  const [containers, images] = await Promise.all([
    withTimeout(engine.docker.listContainers({ all: true, filters }), 5000, 'the Docker engine'),
    withTimeout(engine.docker.listImages({ all: true, filters }), 5000, 'the Docker engine'),
  ]);
  return removeLeftovers(engine.docker, { containers: containers.map((c) => c.Id), images: images.map((i) => i.Id) });
}
