import { cp, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { ChallengePack } from '../course/packs.js';
import type { Engine } from '../engine/connect.js';
import { startChallenge } from '../workspace/workspace.js';
import { earned, type CheckStatus, type VerifyResult } from './result.js';
import { verifyWorkspace } from './verify.js';
import type { BuilderPreference } from '../engine/buildkit/choose.js';

export interface ProveRow {
  id: string;
  /** What the starter must do: fail (listed in starterFails; a skip counts) or pass. */
  starterExpected: 'fail' | 'pass';
  starter: CheckStatus | null;
  solution: CheckStatus | null;
  /** The check really ran on the solution (not skipped). */
  exercised: boolean;
  /** The check was skipped because this engine lacks what it needs (the reason); accepted, never a pass. */
  engineSkip?: string;
  ok: boolean;
  problems: string[];
}

export interface ProveResult {
  challenge: string;
  dir: string;
  passed: boolean;
  rows: ProveRow[];
  mismatches: string[];
}

/**
 * Proves a challenge: the starter fails exactly its starterFails and passes every other check;
 * the solution, copied over the starter, passes every check (a skip is "not exercised").
 */
export async function proveChallenge(
  pack: ChallengePack,
  engine: Engine,
  options: {
    signal?: AbortSignal;
    builder?: BuilderPreference;
    onStage?: (stage: 'starter' | 'solution') => void;
    /** Each verify's full result (checks with their evidence), for callers that look past the statuses. */
    onVerified?: (stage: 'starter' | 'solution', result: VerifyResult) => void;
  } = {},
): Promise<ProveResult> {
  const { manifest } = pack;
  const scratch = await mkdtemp(path.join(os.tmpdir(), `shipshape-prove-${manifest.id}-`));
  try {
    const workspace = path.join(scratch, manifest.id);
    await startChallenge(pack, workspace);
    options.onStage?.('starter');
    const starter = await verifyWorkspace({ pack, workspaceDir: workspace, engine, signal: options.signal, builder: options.builder });
    options.onVerified?.('starter', starter);
    await cp(path.join(pack.dir, manifest.solution), workspace, { recursive: true, force: true });
    options.onStage?.('solution');
    const solution = await verifyWorkspace({ pack, workspaceDir: workspace, engine, signal: options.signal, builder: options.builder });
    options.onVerified?.('solution', solution);

    const rows = manifest.checks.map((check): ProveRow => {
      const got = starter.checks.find((result) => result.id === check.id);
      const fixed = solution.checks.find((result) => result.id === check.id);
      const starterExpected = manifest.starterFails.includes(check.id) ? 'fail' : 'pass';
      const problems: string[] = [];
      const starterStatus = got?.status ?? null;
      // An advice is a pass with a better way shown: it earns the points and never blocks.
      const starterEarned = starterStatus !== null && earned(starterStatus);
      // A check this engine cannot grade says so on both runs: accepted with that reason, and shown as not exercised.
      const engineSkip = fixed?.status === 'skip' && fixed.skippedFor === 'engine' ? fixed.message : undefined;
      if (engineSkip) {
        if (starterEarned) problems.push(`starter: ${starterStatus} where the solution was skipped for the engine (${engineSkip})`);
      } else if (starterExpected === 'fail' && starterEarned) {
        problems.push(`starter: expected to fail but ${starterStatus === 'advice' ? 'passed with an advice' : 'passed'} (break the starter or remove it from starterFails)`);
      } else if (starterExpected === 'pass' && !starterEarned) {
        problems.push(`starter: expected to pass but got ${starterStatus ?? 'nothing'}${got ? `: ${got.message}` : ''} (add it to starterFails or fix the starter)`);
      }
      if (engineSkip) {
        // accepted: see engineSkip
      } else if (fixed?.status === 'skip') problems.push(`solution: not exercised (${fixed.message})`);
      else if (!fixed || !earned(fixed.status)) problems.push(`solution: expected pass, got ${fixed?.status ?? 'nothing'}${fixed ? `: ${fixed.message}` : ''}`);
      return {
        id: check.id,
        starterExpected,
        starter: starterStatus,
        solution: fixed?.status ?? null,
        exercised: fixed !== undefined && fixed.status !== 'skip',
        ...(engineSkip ? { engineSkip } : {}),
        ok: problems.length === 0,
        problems,
      };
    });
    const mismatches = rows.flatMap((row) => row.problems.map((problem) => `${row.id}: ${problem}`));
    return { challenge: manifest.id, dir: pack.dir, passed: mismatches.length === 0, rows, mismatches };
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
}

/** The per-challenge table: check id | starter (expected/got) | solution | exercised. */
export function proveTable(result: ProveResult): string[] {
  const header = ['CHECK', 'STARTER (EXPECTED/GOT)', 'SOLUTION', 'EXERCISED', ''];
  const rows = result.rows.map((row) => [
    row.id,
    `${row.starterExpected}/${row.starter ?? '-'}`,
    row.solution ?? '-',
    row.exercised ? 'yes' : row.engineSkip ? 'no (engine)' : 'no',
    row.ok ? 'ok' : 'MISMATCH',
  ]);
  const widths = header.map((_, column) => Math.max(...[header, ...rows].map((row) => row[column]!.length)));
  return [header, ...rows].map((row) => row.map((cell, column) => cell.padEnd(widths[column]!)).join('  ').trimEnd());
}
