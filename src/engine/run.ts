import type Docker from 'dockerode';
import type { HealthLogEntry, HealthOutcome, ImageFacts } from '../checks/kind.js';
import { type Engine, apiAtLeast } from './connect.js';
import { readinessOf } from './readiness.js';
import type { RunScope } from './scope.js';
import { waitFor } from '../wait.js';

/** Containment for learner code: applied to every container we start. */
export interface ContainerLimits {
  memoryBytes: number;
  pidsLimit: number;
  nanoCpus: number;
}

export const DEFAULT_LIMITS: ContainerLimits = {
  memoryBytes: 512 * 1024 * 1024,
  pidsLimit: 256,
  nanoCpus: 1_000_000_000,
};

export function hostConfigFor(limits: ContainerLimits) {
  return {
    Memory: limits.memoryBytes,
    MemorySwap: limits.memoryBytes,
    PidsLimit: limits.pidsLimit,
    NanoCpus: limits.nanoCpus,
    Privileged: false,
    SecurityOpt: ['no-new-privileges'],
    NetworkMode: 'bridge',
    Binds: [],
    AutoRemove: false,
  };
}

const POLL_MS = 100;

/** Engines that take `StartInterval` (API 1.44, Docker 25): probes come this often during the start period. */
const START_INTERVAL_API = '1.44';
const START_INTERVAL_MS = 250;

/**
 * Starts a container from the image with the learner's own health test, probed every
 * `probeIntervalMs` (so a 30 s interval still gives a verdict in seconds), and waits for
 * healthy, unhealthy, exit or the deadline, whichever comes first.
 */
/** One finished health probe, as reported live. */
export interface HealthProbe {
  /** 1 for the first probe of the container. */
  index: number;
  exitCode: number;
  output: string;
  atMs: number;
}

export async function runUntilHealthy(
  engine: Engine,
  scope: RunScope,
  image: ImageFacts,
  options: {
    timeoutMs: number;
    probeIntervalMs: number;
    limits?: ContainerLimits;
    signal?: AbortSignal;
    /** Called once the container is healthy, before it is removed (e.g. to exec into it). */
    onHealthy?: (container: Docker.Container) => Promise<void>;
    /** Called as each health probe finishes, in order (live progress); `atMs` counts from the container's start. */
    onProbe?: (probe: HealthProbe) => void;
  },
): Promise<HealthOutcome> {
  const started = Date.now();
  // The image phase already inspected the image; its health check config is reused here.
  const health = image.healthcheck;
  if (!health || health.test[0] === 'NONE') {
    return { status: 'no-healthcheck', elapsedMs: 0, log: [], containerLogTail: [], declared: null };
  }
  const declared = {
    interval: formatNs(health.intervalNs, '30s'),
    timeout: formatNs(health.timeoutNs, '30s'),
    startPeriod: formatNs(health.startPeriodNs, '0s'),
    retries: health.retries || 3,
  };
  const probeNs = options.probeIntervalMs * 1_000_000;
  const startPeriodNs = Math.min(health.startPeriodNs, options.timeoutMs * 1_000_000);
  const container = await engine.docker.createContainer({
    Image: image.id,
    Labels: scope.labels,
    Healthcheck: {
      Test: health.test,
      Interval: probeNs,
      // The learner's timeout stands, bounded so one hung probe cannot eat the whole wait.
      Timeout: Math.min(health.timeoutNs || 30_000_000_000, Math.max(options.timeoutMs - 1000, 1000) * 1_000_000),
      StartPeriod: startPeriodNs,
      Retries: health.retries || 3,
      // During the start period a failed probe does not count and the first passing one makes the
      // container healthy: probing more often there changes when the verdict comes, never which.
      ...(startPeriodNs > 0 && apiAtLeast(engine.info.apiVersion, START_INTERVAL_API)
        ? { StartInterval: Math.min(probeNs, START_INTERVAL_MS * 1_000_000) }
        : {}),
    },
    HostConfig: hostConfigFor(options.limits ?? DEFAULT_LIMITS),
  });
  scope.trackContainer(container.id);
  await container.start();

  let exitCode: number | undefined;
  let log: HealthLogEntry[] = [];
  // The engine keeps the last few probes; each is reported once, by its start time.
  const reported = new Set<string>();
  let probes = 0;
  const settled = await waitFor(
    async () => {
      const state = (await container.inspect()).State;
      log = (state.Health?.Log ?? []).map((entry) => ({ exitCode: entry.ExitCode, output: entry.Output.trim() }));
      if (options.onProbe) {
        for (const entry of state.Health?.Log ?? []) {
          const key = `${entry.Start}|${entry.End}`;
          if (reported.has(key)) continue;
          reported.add(key);
          probes += 1;
          const end = Date.parse(entry.End);
          options.onProbe({ index: probes, exitCode: entry.ExitCode, output: entry.Output.trim().slice(-500), atMs: Number.isNaN(end) ? Date.now() - started : Math.max(0, end - started) });
        }
      }
      const readiness = readinessOf({ running: state.Running, status: state.Status, health: state.Health?.Status });
      if (readiness === 'exited') exitCode = state.ExitCode;
      return readiness === 'exited' || readiness === 'healthy' || readiness === 'unhealthy' ? readiness : undefined;
    },
    { interval: POLL_MS, deadline: started + options.timeoutMs, signal: options.signal },
  );
  const outcome: HealthOutcome['status'] = settled.ready ? settled.value : 'timeout';
  let containerLogTail: string[] = [];
  try {
    if (outcome === 'healthy' && options.onHealthy) await options.onHealthy(container);
  } finally {
    containerLogTail = await logTail(container, 10);
    await container.remove({ force: true, v: true }).catch(() => undefined);
  }
  return { status: outcome, elapsedMs: Date.now() - started, exitCode, log: log.slice(-3), containerLogTail, declared };
}

async function logTail(container: { logs(options: object): Promise<unknown> }, lines: number): Promise<string[]> {
  try {
    const raw = (await container.logs({ stdout: true, stderr: true, tail: lines })) as Buffer;
    return demultiplex(raw).split('\n').map((line) => line.trimEnd()).filter(Boolean).slice(-lines);
  } catch {
    return [];
  }
}

/** Non-TTY container logs arrive as frames with an 8-byte header (stream, 0, 0, 0, size). */
export function demultiplex(buffer: Buffer): string {
  let text = '';
  let offset = 0;
  while (offset + 8 <= buffer.length) {
    const size = buffer.readUInt32BE(offset + 4);
    text += buffer.subarray(offset + 8, offset + 8 + size).toString('utf8');
    offset += 8 + size;
  }
  return offset === 0 ? buffer.toString('utf8') : text;
}

function formatNs(ns: number, fallback: string): string {
  if (!ns) return `${fallback} (default)`;
  const seconds = ns / 1e9;
  return Number.isInteger(seconds) ? `${seconds}s` : `${seconds.toFixed(1)}s`;
}
