import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdir, readdir, readFile, rm } from 'node:fs/promises';
import { openSync, closeSync } from 'node:fs';
import path from 'node:path';
import type { ChallengePack } from '../course/packs.js';
import { PACKAGE_ROOT } from '../package-root.js';
import { waitFor } from '../wait.js';
import { writeFileAtomic } from '../workspace/atomic.js';
import { cacheDir } from '../workspace/cache-dir.js';

/**
 * The starter measured while the learner reads the task: `challenge:start` launches a detached
 * `shipshape challenge:prefetch` that measures the starter image (src/grading/baseline.ts) and fills the
 * baseline cache. A marker file names its process while it runs; a verify that needs the same starter
 * on the same engine waits for it (joins) instead of building the starter a second time.
 */
export interface PrefetchMarker {
  pid: number;
  challenge: string;
  starterDir: string;
  startedAt: string;
  /** Set once the background run has connected: a verify on another engine does not wait for it. */
  endpoint?: string;
}

const BIN = path.join(PACKAGE_ROOT, 'bin', 'run.js');

export function prefetchDir(): string {
  return path.join(cacheDir(), 'prefetch');
}

export function markerFile(challengeId: string, starterDir: string): string {
  const key = createHash('sha256').update(`${challengeId}\n${path.resolve(starterDir)}`).digest('hex').slice(0, 24);
  return path.join(prefetchDir(), `${key}.json`);
}

export async function readMarker(file: string): Promise<PrefetchMarker | null> {
  try {
    const parsed = JSON.parse(await readFile(file, 'utf8')) as PrefetchMarker;
    return typeof parsed?.pid === 'number' ? parsed : null;
  } catch {
    return null;
  }
}

export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it runs, as another user.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** The background measurement under way for this starter, if its process still runs. */
export async function runningPrefetch(challengeId: string, starterDir: string): Promise<PrefetchMarker | null> {
  const file = markerFile(challengeId, starterDir);
  const marker = await readMarker(file);
  if (!marker) return null;
  if (marker.pid !== process.pid && processAlive(marker.pid)) return marker;
  // A marker left by a process that died (killed -9, machine restarted): stale.
  if (marker.pid !== process.pid) await rm(file, { force: true });
  return null;
}

export interface LaunchResult {
  pid: number;
  /** Where the background run writes what it has to say (its errors, mostly). */
  log: string;
  /** Already under way for this starter: not launched twice. */
  joined: boolean;
}

/**
 * Starts the background measurement, detached (it outlives the terminal command and never blocks it).
 * The command itself is quick to leave: whether an engine answers is the background run's question.
 */
export async function launchPrefetch(pack: ChallengePack, options: { dockerHost?: string; env?: NodeJS.ProcessEnv } = {}): Promise<LaunchResult | null> {
  const starterDir = path.join(pack.dir, pack.manifest.starter);
  if (!pack.manifest.dockerfile || !pack.manifest.checks.some((check) => check.kind === 'image.size-vs-starter')) return null;
  const file = markerFile(pack.manifest.id, starterDir);
  const log = file.replace(/\.json$/, '.log');
  const running = await runningPrefetch(pack.manifest.id, starterDir);
  if (running) return { pid: running.pid, log, joined: true };
  await mkdir(prefetchDir(), { recursive: true });
  const out = openSync(log, 'w');
  try {
    const child = spawn(
      process.execPath,
      [BIN, 'challenge:prefetch', pack.manifest.id, '--pack-dir', pack.dir, ...(options.dockerHost ? ['--docker-host', options.dockerHost] : [])],
      { detached: true, stdio: ['ignore', out, out], env: options.env ?? process.env },
    );
    child.unref();
    if (!child.pid) return null;
    const marker: PrefetchMarker = { pid: child.pid, challenge: pack.manifest.id, starterDir, startedAt: new Date().toISOString() };
    await writeFileAtomic(file, `${JSON.stringify(marker)}\n`);
    return { pid: child.pid, log, joined: false };
  } finally {
    closeSync(out);
  }
}

/** Asks the background measurements of a challenge to stop (each removes what it made, then its marker). */
export async function cancelPrefetch(challengeId: string): Promise<number[]> {
  const files = await readdir(prefetchDir()).catch(() => [] as string[]);
  const stopped: number[] = [];
  for (const name of files.filter((file) => file.endsWith('.json'))) {
    const marker = await readMarker(path.join(prefetchDir(), name));
    if (!marker || marker.challenge !== challengeId) continue;
    const running = await runningPrefetch(marker.challenge, marker.starterDir);
    if (!running) continue;
    try {
      process.kill(running.pid, 'SIGTERM');
      stopped.push(running.pid);
    } catch {
      // Gone meanwhile.
    }
  }
  return stopped;
}

/**
 * Waits while a background measurement of this starter runs on this engine (it fills the cache the
 * caller reads next). Returns whether it waited. Bounded by `limitMs` and the caller's signal.
 */
export async function joinPrefetch(
  challengeId: string,
  starterDir: string,
  endpoint: string,
  options: { limitMs: number; signal?: AbortSignal; onJoin?: (marker: PrefetchMarker) => void },
): Promise<boolean> {
  const first = await runningPrefetch(challengeId, starterDir);
  if (!first || (first.endpoint && first.endpoint !== endpoint)) return false;
  options.onJoin?.(first);
  await waitFor(
    async (probes) => {
      // The first look was `first`, just above.
      if (probes === 0) return false;
      const marker = await runningPrefetch(challengeId, starterDir);
      return !marker || marker.pid !== first.pid;
    },
    { interval: 150, deadline: Date.now() + options.limitMs, signal: options.signal },
  );
  return true;
}

/** The background run's own marker: written with the engine once connected, removed when it ends. */
export async function updateOwnMarker(challengeId: string, starterDir: string, endpoint: string): Promise<void> {
  const file = markerFile(challengeId, starterDir);
  const marker = await readMarker(file);
  const own: PrefetchMarker = { pid: process.pid, challenge: challengeId, starterDir, startedAt: marker?.pid === process.pid ? marker.startedAt : new Date().toISOString(), endpoint };
  await mkdir(prefetchDir(), { recursive: true });
  await writeFileAtomic(file, `${JSON.stringify(own)}\n`);
}

export async function removeOwnMarker(challengeId: string, starterDir: string): Promise<void> {
  const file = markerFile(challengeId, starterDir);
  const marker = await readMarker(file);
  if (marker?.pid === process.pid) await rm(file, { force: true });
}

/** `--no-prefetch`, or SHIPSHAPE_PREFETCH=0 in the environment (the test suite sets it; its prefetch test does not). */
export function prefetchWanted(flag: boolean, env: NodeJS.ProcessEnv = process.env): boolean {
  return flag && env.SHIPSHAPE_PREFETCH !== '0';
}

/** launchPrefetch for the commands and the web server: a failure to launch is said, never fatal. */
export async function startPrefetch(pack: ChallengePack, warn: (message: string) => void = () => undefined): Promise<LaunchResult | null> {
  try {
    return await launchPrefetch(pack);
  } catch (error) {
    warn(`The starter could not be measured in the background (${error instanceof Error ? error.message : String(error)}); the first verify will measure it.`);
    return null;
  }
}
