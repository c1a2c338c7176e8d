import { readFile, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { createTwoFilesPatch } from 'diff';
import type { ChallengePack } from '../course/packs.js';
import type { CheckStatus, VerifyResult } from './result.js';

/** Where a pack keeps its recorded scorecards (written by `challenge:test --record`). */
export const RECORDING_FILE = 'recording.json';

export interface RecordedCheck {
  id: string;
  status: CheckStatus;
  message: string;
  /** Skipped because this engine cannot grade it (one platform per image): not compared across engines. */
  skippedFor?: 'engine';
}

export interface Recording {
  schemaVersion: 1;
  challenge: string;
  /** What was masked, so a reader knows why a message shows <size> or <id>. */
  masked: string;
  starter: RecordedCheck[];
  solution: RecordedCheck[];
}

const MASKED = 'masked so the recording matches on every engine: digests, ids, sizes, percentages, size factors, durations, timestamps, addresses, container log tails and errors in the engine\'s own words';

/**
 * Masks what changes from run to run or engine to engine and says nothing about the verdict: digests and
 * ids, sizes (the containerd store measures differently), percentages and factors derived from sizes,
 * durations and timestamps, addresses and host ports, run-scoped names, container log tails (timing decides
 * their lines) and errors worded by the engine itself (runc and containerd word them by version).
 */
export function maskMessage(message: string): string {
  return (
    message
      // A container's log tail: its lines, their order and count depend on timing.
      .replace(/; its log: [\s\S]*$/, '; its log: <log>')
      // An error in the engine's own words (runc, containerd and the API wording differ by version).
      .replace(/\(HTTP code \d{3}\)[\s\S]*$/, '<engine error>')
      // How the layers were read: the containerd store saves compressed blobs in the OCI layout.
      .replace(/\(\d+ layers? read from docker save's [^)]*\)/g, "(layers read from docker save)")
      // Files wasted between layers: the count and the biggest ones follow each store's own measure of a layer.
      .replace(/\d+ files (added in one layer and deleted or overwritten in a later one); biggest: [\s\S]*$/, '<count> files $1; biggest: <files>')
      // Where a leaked secret shows: Docker 28's BuildKit records the ARG in the history too, 20.10's only the RUN.
      .replace(/(readable by anyone with the image): \d+ places?, first [\s\S]*$/, '$1: <where>')
      // What a dependent service did after its dependency never became healthy: Compose v1 starts it anyway, v2 does not.
      .replace(/; `[^`]+` then exited with code \d+[\s\S]*$/, '')
      .replace(/\bsha256:[0-9a-f]{6,64}\b/gi, 'sha256:<digest>')
      .replace(/\bshipshape[-_][\w.-]*[0-9a-f]{6,}[\w.-]*/gi, '<run-name>')
      .replace(/\b[0-9a-f]{12,64}\b/gi, '<id>')
      // A short commit id in a tag (shop/api:1.4.2-275a415): each run makes its own commit.
      .replace(/(:[\w.]+)-[0-9a-f]{7,11}\b/g, '$1-<id>')
      // How a blocked connection failed: a timeout where the engine drops packets, no route where it has none.
      .replace(/(\bfrom there): [^;)]+/g, '$1: <blocked>')
      .replace(/\d{4}[/-]\d{2}[/-]\d{2}[ T]\d{2}:\d{2}:\d{2}(?:\.\d+)?Z?|\[\d{2}\/\w{3}\/\d{4}:\d{2}:\d{2}:\d{2} [+-]\d{4}\]/g, '<time>')
      .replace(/(?:127\.0\.0\.1|0\.0\.0\.0|localhost|\[::1?\]):\d+/gi, '<host-port>')
      // Container addresses: each network gets the next free subnet.
      .replace(/\b\d{1,3}(?:\.\d{1,3}){3}\b/g, '<ip>')
      .replace(/-?\d+(?:[.,]\d+)?\s?(?:bytes?|B|kB|KB|KiB|MB|MiB|GB|GiB|TB)\b/g, '<size>')
      .replace(/-?\d+(?:\.\d+)?\s?%/g, '<percent>')
      .replace(/\b\d+(?:\.\d+)?[x×](?=\W|$)/g, '<factor>')
      .replace(/\b\d+(?:\.\d+)?\s?(?:ms|s|sec|secs|seconds?|minutes?|min)\b/g, '<duration>')
  );
}

export function recordChecks(result: Pick<VerifyResult, 'checks'>): RecordedCheck[] {
  return result.checks.map((check) =>
    check.skippedFor === 'engine'
      ? { id: check.id, status: check.status, message: 'not graded on this engine', skippedFor: 'engine' as const }
      : { id: check.id, status: check.status, message: maskMessage(check.message) },
  );
}

/** Leaves out the checks either side skipped for its engine: a verdict one engine cannot give is not compared. */
function comparable(recorded: RecordedCheck[], current: RecordedCheck[]): [RecordedCheck[], RecordedCheck[]] {
  const engineSkipped = new Set([...recorded, ...current].filter((check) => check.skippedFor === 'engine').map((check) => check.id));
  const keep = (checks: RecordedCheck[]) => checks.filter((check) => !engineSkipped.has(check.id));
  return [keep(recorded), keep(current)];
}

export function makeRecording(challenge: string, starter: Pick<VerifyResult, 'checks'>, solution: Pick<VerifyResult, 'checks'>): Recording {
  return { schemaVersion: 1, challenge, masked: MASKED, starter: recordChecks(starter), solution: recordChecks(solution) };
}

export function recordingText(recording: Recording): string {
  return `${JSON.stringify(recording, null, 2)}\n`;
}

export function recordingPath(pack: ChallengePack): string {
  return path.join(pack.dir, RECORDING_FILE);
}

/** The pack's recording, or null when it has none. A file that is not a recording is a clear error. */
export async function readRecording(pack: ChallengePack): Promise<Recording | null> {
  const file = recordingPath(pack);
  const text = await readFile(file, 'utf8').catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') return null;
    throw error;
  });
  if (text === null) return null;
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new Error(`${file} is not valid JSON (${error instanceof Error ? error.message : String(error)}); record it again with \`shipshape challenge:test --record ${pack.manifest.id}\`.`);
  }
  const recording = parsed as Partial<Recording>;
  if (recording?.schemaVersion !== 1 || !Array.isArray(recording.starter) || !Array.isArray(recording.solution)) {
    throw new Error(`${file} is not a scorecard recording (schemaVersion 1 with starter and solution); record it again with \`shipshape challenge:test --record ${pack.manifest.id}\`.`);
  }
  return recording as Recording;
}

/** Written whole or not at all. */
export async function writeRecording(pack: ChallengePack, recording: Recording): Promise<string> {
  const file = recordingPath(pack);
  const temporary = `${file}.${process.pid}.tmp`;
  await writeFile(temporary, recordingText(recording));
  await rename(temporary, file);
  return file;
}

/** A unified diff from the recorded scorecards to this run's, or null when they match. */
export function recordingDiff(recorded: Recording, current: Recording): string | null {
  // The note on masking is not part of what is compared, nor are the checks an engine could not grade.
  const [recordedStarter, currentStarter] = comparable(recorded.starter, current.starter);
  const [recordedSolution, currentSolution] = comparable(recorded.solution, current.solution);
  const before = recordingText({ ...recorded, masked: current.masked, starter: recordedStarter, solution: recordedSolution });
  const after = recordingText({ ...current, starter: currentStarter, solution: currentSolution });
  if (before === after) return null;
  return createTwoFilesPatch(`recorded/${RECORDING_FILE}`, `this run/${RECORDING_FILE}`, before, after, undefined, undefined, { context: 2 })
    .split('\n')
    .filter((line) => !/^=+$/.test(line) && !line.startsWith('Index:'))
    .join('\n')
    .trimEnd();
}
