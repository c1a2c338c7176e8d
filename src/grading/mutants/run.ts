import { cp, mkdir, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { createTwoFilesPatch, diffLines, structuredPatch } from 'diff';
import { parseDocument } from 'yaml';
import { DockerfileModel } from '../../checks/dockerfile/model.js';
import type { ChallengePack } from '../../course/packs.js';
import type { BuilderPreference } from '../../engine/buildkit/choose.js';
import type { Engine } from '../../engine/connect.js';
import { EngineUnavailableError, UserError, errorMessage } from '../../errors.js';
import { startChallenge } from '../../workspace/workspace.js';
import { earned, type CheckResult } from '../result.js';
import { CancelledError, verifyWorkspace } from '../verify.js';
import type { Mutation, MutationInput, Mutator } from './mutator.js';
import { MUTATORS } from './registry.js';

/** Hand-written wrong solutions of a pack: `mutants/<name>/`, each copied over the reference solution. */
export const MUTANTS_DIR = 'mutants';

export interface Mutant {
  /** The mutator's name, or `mutants/<name>` for a hand-written one. */
  source: string;
  label: string;
  files: Record<string, string>;
  /** Unified diff against the reference solution. */
  diff: string;
}

export interface MutantOutcome {
  source: string;
  label: string;
  diff: string;
  /** killed: a check failed (or a required one could not run), or the grader rejected the files. */
  status: 'killed' | 'survived';
  /** The check that killed it, with its phase and message; null for a survivor or a rejection. */
  killedBy: { id: string; phase: string; status: string; message: string } | null;
  /** The grader's message when it rejected the mutant outright (bad YAML, a Dockerfile it cannot read). */
  rejected: string | null;
  /** Whether the mutant was caught before any build or container (static or compose-model checks). */
  staticKill: boolean;
  /** Whether grading it started a build or `compose up` (false when a static or compose-model check caught it first). */
  built: boolean;
  durationMs: number;
}

export interface MutantsResult {
  challenge: string;
  passed: boolean;
  mutants: MutantOutcome[];
  survivors: MutantOutcome[];
  durationMs: number;
}

const STATIC_PHASES = new Set(['static', 'compose']);

/** The solved workspace: the starter, then the solution copied over it (what challenge:test grades as "solution"). */
async function solvedWorkspace(pack: ChallengePack, dir: string): Promise<void> {
  await startChallenge(pack, dir);
  await cp(path.join(pack.dir, pack.manifest.solution), dir, { recursive: true, force: true });
}

async function readOptional(file: string): Promise<string | null> {
  return readFile(file, 'utf8').catch(() => null);
}

/** The files a mutator reads, parsed. */
export async function mutationInput(pack: ChallengePack, solvedDir: string): Promise<MutationInput> {
  const { manifest } = pack;
  const dockerfileSource = manifest.dockerfile ? await readOptional(path.join(solvedDir, manifest.dockerfile)) : null;
  const composeSource = manifest.compose ? await readOptional(path.join(solvedDir, manifest.compose)) : null;
  return {
    manifest,
    dockerfile:
      manifest.dockerfile && dockerfileSource !== null
        ? {
            file: manifest.dockerfile,
            source: dockerfileSource,
            model: DockerfileModel.parse(path.join(solvedDir, manifest.dockerfile), dockerfileSource, {
              builder: manifest.build.buildkit ? 'buildkit' : 'classic',
              buildArgs: manifest.build.args,
            }),
          }
        : null,
    compose: manifest.compose && composeSource !== null ? { file: manifest.compose, source: composeSource, document: parseDocument(composeSource) } : null,
  };
}

function unifiedDiff(file: string, before: string | null, after: string): string {
  return createTwoFilesPatch(before === null ? '/dev/null' : `a/${file}`, `b/${file}`, before ?? '', after, undefined, undefined, { context: 2 })
    .split('\n')
    .filter((line) => !/^=+$/.test(line) && !line.startsWith('Index:'))
    .join('\n')
    .trimEnd();
}

async function withDiff(solvedDir: string, source: string, mutation: Mutation): Promise<Mutant> {
  const diffs = await Promise.all(
    Object.entries(mutation.files).map(async ([file, text]) => unifiedDiff(file, await readOptional(path.join(solvedDir, file)), text)),
  );
  return { source, label: mutation.label, files: mutation.files, diff: diffs.join('\n') };
}

async function listFilesUnder(root: string, prefix = ''): Promise<string[]> {
  const entries = await readdir(path.join(root, prefix), { withFileTypes: true });
  const nested = await Promise.all(
    entries.map(async (entry) => {
      const relative = prefix ? `${prefix}/${entry.name}` : entry.name;
      if (entry.isDirectory()) return listFilesUnder(root, relative);
      return entry.isFile() ? [relative] : [];
    }),
  );
  return nested.flat().sort();
}

/** The pack's hand-written wrong solutions, `mutants/<name>/` (files over the solution), in name order. */
export async function handWrittenMutations(pack: ChallengePack): Promise<Array<{ name: string; mutation: Mutation }>> {
  const root = path.join(pack.dir, MUTANTS_DIR);
  const names = (await readdir(root, { withFileTypes: true }).catch(() => [])).filter((entry) => entry.isDirectory()).map((entry) => entry.name).sort();
  return Promise.all(
    names.map(async (name) => {
      const dir = path.join(root, name);
      const files = Object.fromEntries(await Promise.all((await listFilesUnder(dir)).map(async (file) => [file, await readFile(path.join(dir, file), 'utf8')] as const)));
      return { name, mutation: { label: `hand-written: ${name}`, files } };
    }),
  );
}

/** 1-based lines of the solution's file that the learner writes: those not in the starter's version of it. */
async function learnerLines(pack: ChallengePack, file: string, solved: string): Promise<Set<number>> {
  const starter = await readOptional(path.join(pack.dir, pack.manifest.starter, file));
  const lines = new Set<number>();
  let line = 1;
  for (const part of diffLines(starter ?? '', solved)) {
    const count = part.count ?? part.value.split('\n').length - 1;
    if (part.removed) continue;
    if (part.added) for (let index = 0; index < count; index++) lines.add(line + index);
    line += count;
  }
  return lines;
}

/**
 * A generated mutant applies when it changes a line the learner writes (one that differs from the starter):
 * breaking what the challenge gives (a health check the starter already had) would test the starter's
 * author, not the learner's answer.
 */
async function touchesLearnerLines(pack: ChallengePack, solvedDir: string, mutation: Mutation): Promise<boolean> {
  for (const [file, text] of Object.entries(mutation.files)) {
    const solved = await readOptional(path.join(solvedDir, file));
    if (solved === null) return true;
    const learner = await learnerLines(pack, file, solved);
    for (const hunk of structuredPatch(file, file, solved, text, undefined, undefined, { context: 0 }).hunks) {
      let line = hunk.oldStart;
      for (const change of hunk.lines) {
        if (change.startsWith('-')) {
          if (learner.has(line)) return true;
          line += 1;
        } else if (!change.startsWith('+') && !change.startsWith('\\')) line += 1;
      }
    }
  }
  return false;
}

/** Every mutant of a challenge: the mutators' that apply, then the pack's hand-written ones. */
export async function generateMutants(pack: ChallengePack, solvedDir: string, mutators: readonly Mutator[] = MUTATORS): Promise<Mutant[]> {
  const input = await mutationInput(pack, solvedDir);
  const generated: Mutant[] = [];
  const seen = new Set<string>();
  for (const mutator of mutators) {
    for (const mutation of mutator.mutate(input)) {
      if (!(await touchesLearnerLines(pack, solvedDir, mutation))) continue;
      const mutant = await withDiff(solvedDir, mutator.name, mutation);
      // A change that is no change (or one another mutator already made) proves nothing twice.
      if (!mutant.diff.includes('\n@@') || seen.has(mutant.diff)) continue;
      seen.add(mutant.diff);
      generated.push(mutant);
    }
  }
  for (const { name, mutation } of await handWrittenMutations(pack)) generated.push(await withDiff(solvedDir, `${MUTANTS_DIR}/${name}`, mutation));
  return generated;
}

/**
 * Grades one mutant and stops at the first check that fails (or a required one that could not run): the
 * static phases come first, so a mutant they catch is never built.
 */
export async function runMutant(
  pack: ChallengePack,
  engine: Engine,
  solvedDir: string,
  workDir: string,
  mutant: Mutant,
  options: { signal?: AbortSignal; builder?: BuilderPreference } = {},
): Promise<MutantOutcome> {
  const started = Date.now();
  await rm(workDir, { recursive: true, force: true });
  await cp(solvedDir, workDir, { recursive: true });
  for (const [file, text] of Object.entries(mutant.files)) {
    const target = path.join(workDir, file);
    await mkdir(path.dirname(target), { recursive: true });
    await writeFile(target, text);
  }
  const stop = new AbortController();
  const onOuterAbort = () => stop.abort();
  options.signal?.addEventListener('abort', onOuterAbort, { once: true });
  let killer: CheckResult | null = null;
  let built = false;
  const outcome = (fields: Pick<MutantOutcome, 'status' | 'killedBy' | 'rejected'>): MutantOutcome => ({
    source: mutant.source,
    label: mutant.label,
    diff: mutant.diff,
    ...fields,
    staticKill: fields.killedBy !== null && STATIC_PHASES.has(fields.killedBy.phase),
    built,
    durationMs: Date.now() - started,
  });
  const killedBy = (check: CheckResult) => ({ id: check.id, phase: check.phase, status: check.status, message: check.message });
  try {
    const result = await verifyWorkspace({
      pack,
      workspaceDir: workDir,
      engine,
      builder: options.builder,
      signal: stop.signal,
      onEvent: (event) => {
        if (event.type === 'phase' && (event.phase === 'build' || event.phase === 'stack') && event.state === 'start') built = true;
        if (killer || event.type !== 'check') return;
        const check = event.result;
        if (check.status === 'fail' || (check.required && !earned(check.status))) {
          killer = check;
          // Cancelling the run removes what it created; the verdict is in.
          stop.abort();
        }
      },
    });
    const failed = result.checks.find((check) => check.status === 'fail' || (check.required && !earned(check.status)));
    return failed ? outcome({ status: 'killed', killedBy: killedBy(failed), rejected: null }) : outcome({ status: 'survived', killedBy: null, rejected: null });
  } catch (error) {
    if (options.signal?.aborted) throw new CancelledError();
    if (killer) return outcome({ status: 'killed', killedBy: killedBy(killer), rejected: null });
    // The engine going away says nothing about the mutant.
    if (error instanceof EngineUnavailableError || !(error instanceof UserError)) throw error;
    return outcome({ status: 'killed', killedBy: null, rejected: errorMessage(error) });
  } finally {
    options.signal?.removeEventListener('abort', onOuterAbort);
  }
}

/** Generates a challenge's mutants and grades each on one engine, in turn (BuildKit's cache stays warm). */
export async function testMutants(
  pack: ChallengePack,
  engine: Engine,
  options: {
    signal?: AbortSignal;
    builder?: BuilderPreference;
    mutators?: readonly Mutator[];
    onMutant?: (outcome: MutantOutcome, index: number, total: number) => void;
  } = {},
): Promise<MutantsResult> {
  const started = Date.now();
  const scratch = await mkdtemp(path.join(os.tmpdir(), `shipshape-mutants-${pack.manifest.id}-`));
  try {
    const solvedDir = path.join(scratch, 'solved');
    await solvedWorkspace(pack, solvedDir);
    const mutants = await generateMutants(pack, solvedDir, options.mutators);
    const outcomes: MutantOutcome[] = [];
    for (const [index, mutant] of mutants.entries()) {
      const outcome = await runMutant(pack, engine, solvedDir, path.join(scratch, pack.manifest.id), mutant, options);
      outcomes.push(outcome);
      options.onMutant?.(outcome, index, mutants.length);
    }
    const survivors = outcomes.filter((outcome) => outcome.status === 'survived');
    return { challenge: pack.manifest.id, passed: survivors.length === 0, mutants: outcomes, survivors, durationMs: Date.now() - started };
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
}
