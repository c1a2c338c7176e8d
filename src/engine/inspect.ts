import type { ImageFacts } from '../checks/kind.js';
import type { Engine } from './connect.js';
import type { RunScope } from './scope.js';

/** Image config and size as the engine reports them; null when the engine has no such image. */
export async function inspectImage(engine: Engine, ref: string): Promise<ImageFacts | null> {
  try {
    const image = await engine.docker.getImage(ref).inspect();
    const config = image.Config ?? ({} as typeof image.Config);
    const health = (config as { Healthcheck?: { Test?: string[]; Interval?: number; Timeout?: number; StartPeriod?: number; Retries?: number } }).Healthcheck;
    return {
      id: image.Id,
      size: image.Size,
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
    };
  } catch (error) {
    if ((error as { statusCode?: number }).statusCode === 404) return null;
    throw error;
  }
}

/**
 * Whether a path exists in an image, read through the container archive API on a created (never
 * started) container, so images without a shell work too.
 */
export async function imagePathExists(engine: Engine, scope: RunScope, imageId: string, path: string): Promise<boolean> {
  const container = await engine.docker.createContainer({
    Image: imageId,
    // Never started: the command only has to satisfy create for images without CMD/ENTRYPOINT.
    Entrypoint: ['/shipshape-probe-never-started'],
    Cmd: [],
    Labels: scope.labels,
    NetworkDisabled: true,
    HostConfig: { NetworkMode: 'none' },
  });
  scope.trackContainer(container.id);
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
