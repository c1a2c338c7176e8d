import { type CommandOptions, type CommandRun, type ImageFacts, type ImageLayer, SIZE_MEASURE } from '../checks/kind.js';
import { EngineProblemError, errorMessage } from '../errors.js';
import type Docker from 'dockerode';
import type { Engine } from './connect.js';
import { EXEC_OUTPUT_LIMIT } from './exec.js';
import { type ImageSize, imageStore, layerBytes, uncompressedSize } from './image-size.js';
import { type ContainerLimits, DEFAULT_LIMITS, demultiplex, hostConfigFor } from './run.js';
import type { RunScope } from './scope.js';

/**
 * Image config and size; null when the engine has no such image. The size is the uncompressed size of
 * the layers on every image store (measured, on the containerd store, by reading them once);
 * `measureSize: false` skips that for callers that only need the id and config.
 */
export async function inspectImage(engine: Engine, ref: string, options: { measureSize?: boolean } = {}): Promise<ImageFacts | null> {
  try {
    const image = await engine.docker.getImage(ref).inspect();
    const size = options.measureSize === false ? null : await uncompressedSize(engine, image).catch(unmeasured);
    const config = image.Config ?? ({} as typeof image.Config);
    const health = (config as { Healthcheck?: { Test?: string[]; Interval?: number; Timeout?: number; StartPeriod?: number; Retries?: number } }).Healthcheck;
    return {
      id: image.Id,
      size: size?.bytes ?? image.Size,
      ...(size ? { sizeMeasure: { measure: size.measure, source: size.source, ...(size.problem ? { problem: size.problem } : {}) } } : {}),
      healthcheck:
        health?.Test && health.Test.length > 0
          ? {
              test: health.Test,
              intervalNs: health.Interval ?? 0,
              timeoutNs: health.Timeout ?? 0,
              startPeriodNs: health.StartPeriod ?? 0,
              retries: health.Retries ?? 0,
            }
          : null,
      user: config.User ?? '',
      workingDir: config.WorkingDir ?? '',
      cmd: config.Cmd ?? null,
      entrypoint: (config.Entrypoint as string[] | null | undefined) ?? null,
      env: config.Env ?? [],
      labels: config.Labels ?? {},
      layerCount: image.RootFS?.Layers?.length ?? 0,
    };
  } catch (error) {
    if ((error as { statusCode?: number }).statusCode === 404) return null;
    throw error;
  }
}

/** A size that could not be measured stays unknown (NaN fails every budget) and says why; the image's other facts stand. */
function unmeasured(error: unknown): ImageSize {
  if (!(error instanceof EngineProblemError)) throw error;
  return { bytes: Number.NaN, measure: SIZE_MEASURE, source: 'layers', problem: error.message };
}

/**
 * A container of the image that is created and never started (labelled, tracked, no network): its files
 * can be read through the archive API, or it can be committed, without running anything of the image.
 * `platform` picks one image of a multi-platform index.
 */
export async function createIdleContainer(engine: Engine, scope: RunScope, imageId: string, platform?: string): Promise<Docker.Container> {
  const container = await engine.docker.createContainer({
    Image: imageId,
    ...(platform ? { platform } : {}),
    // Never started: the command only has to satisfy create for images without CMD/ENTRYPOINT.
    Entrypoint: ['/shipshape-probe-never-started'],
    Cmd: [],
    Labels: scope.labels,
    NetworkDisabled: true,
    HostConfig: { NetworkMode: 'none' },
  } as Docker.ContainerCreateOptions);
  scope.trackContainer(container.id);
  return container;
}

/**
 * Whether a path exists in an image, read through the container archive API on a created (never
 * started) container, so images without a shell work too.
 */
export async function imagePathExists(engine: Engine, scope: RunScope, imageId: string, path: string): Promise<boolean> {
  const container = await createIdleContainer(engine, scope, imageId);
  try {
    // A HEAD answered as a stream: it must be released, or its socket keeps the process alive.
    const response = (await container.infoArchive({ path })) as { destroy?: () => void; resume?: () => void };
    response.resume?.();
    response.destroy?.();
    return true;
  } catch (error) {
    if ((error as { statusCode?: number }).statusCode === 404) return false;
    throw error;
  } finally {
    await container.remove({ force: true, v: true }).catch(() => undefined);
  }
}

/**
 * `docker history`: newest layer first, with the instruction that made it and the bytes it added. On
 * the containerd store the engine gives each layer's disk usage in blocks; the uncompressed bytes
 * (the image size's measure) replace them, so the layers add up to the size.
 */
export async function imageHistory(engine: Engine, imageId: string): Promise<ImageLayer[]> {
  const entries = (await engine.docker.getImage(imageId).history()) as Array<{
    Id: string;
    CreatedBy?: string;
    Size?: number;
    Created?: number;
  }>;
  const sizes = await historySizes(engine, imageId, entries.map((entry) => entry.Size ?? 0));
  // The LABEL steps the engine appended for our run labels are not the learner's instructions.
  const ours = /#\(nop\)\s+LABEL dev\.shipshape\./;
  return entries
    .map((entry, index) => ({ id: entry.Id, createdBy: entry.CreatedBy ?? '', size: sizes[index]!, created: entry.Created ?? 0 }))
    .filter((entry) => !ours.test(entry.createdBy));
}

/** History sizes in the image size's measure: the engine's own on graph drivers, the layers' uncompressed bytes on the containerd store. */
async function historySizes(engine: Engine, imageId: string, engineSizes: number[]): Promise<number[]> {
  // Without the store's name the engine's own figures are all there is: history sizes only explain, never grade.
  if ((await imageStore(engine).catch(() => 'graph driver')) !== 'containerd') return engineSizes;
  const image = await engine.docker.getImage(imageId).inspect();
  // Entries that made a layer are the ones with a size (an empty layer has none); oldest last here.
  const made = engineSizes.map((size, index) => (size > 0 ? index : -1)).filter((index) => index >= 0);
  const diffIds = image.RootFS?.Layers ?? [];
  if (made.length !== diffIds.length) return engineSizes;
  const { bytes } = await layerBytes(engine, image);
  const sizes = [...engineSizes];
  made.reverse().forEach((entry, layer) => {
    sizes[entry] = bytes[layer]!;
  });
  return sizes;
}

/**
 * Runs a command in a fresh container of the image, with the containment of every learner
 * container, no network unless asked, and a time limit; the container is removed afterwards.
 */
export async function runInImage(
  engine: Engine,
  scope: RunScope,
  imageId: string,
  command: string[],
  options: CommandOptions & { limits?: ContainerLimits } = {},
): Promise<CommandRun> {
  const started = Date.now();
  const timeoutMs = options.timeoutMs ?? 30_000;
  const host = hostConfigFor(options.limits ?? DEFAULT_LIMITS);
  const container = await engine.docker.createContainer({
    Image: imageId,
    Cmd: command,
    ...(options.entrypoint ? { Entrypoint: options.entrypoint } : {}),
    ...(options.user !== undefined ? { User: options.user } : {}),
    ...(options.env ? { Env: options.env } : {}),
    Labels: scope.labels,
    // The image's own health check is not what is being asked here.
    Healthcheck: { Test: ['NONE'] },
    NetworkDisabled: !options.network,
    HostConfig: { ...host, NetworkMode: options.network ? 'bridge' : 'none' },
  });
  scope.trackContainer(container.id);
  try {
    await container.start();
    let timedOut = false;
    const waited = await Promise.race([
      container.wait() as Promise<{ StatusCode: number }>,
      new Promise<null>((resolve) => setTimeout(() => resolve(null), timeoutMs).unref()),
    ]);
    if (waited === null) {
      timedOut = true;
      await container.kill().catch(() => undefined);
    }
    const [stdout, stderr] = await Promise.all([
      container.logs({ stdout: true, stderr: false }) as Promise<Buffer>,
      container.logs({ stdout: false, stderr: true }) as Promise<Buffer>,
    ]);
    return {
      exitCode: waited ? waited.StatusCode : null,
      stdout: demultiplex(stdout).slice(0, EXEC_OUTPUT_LIMIT),
      stderr: demultiplex(stderr).slice(0, EXEC_OUTPUT_LIMIT),
      timedOut,
      durationMs: Date.now() - started,
    };
  } catch (error) {
    // A command that is not in the image fails at start: that is an answer, not an engine fault.
    const message = errorMessage(error);
    if (/executable file not found|no such file or directory|not found in \$PATH|permission denied/i.test(message)) {
      return { exitCode: 127, stdout: '', stderr: message, timedOut: false, durationMs: Date.now() - started };
    }
    throw error;
  } finally {
    await container.remove({ force: true, v: true }).catch(() => undefined);
  }
}
