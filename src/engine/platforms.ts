import type { Readable } from 'node:stream';
import type { MultiPlatformSupport, PlatformImage } from '../checks/kind.js';
import { errorMessage } from '../errors.js';
import { findDockerCli } from './buildkit.js';
import type { Engine } from './connect.js';
import { createIdleContainer } from './inspect.js';
import type { RunScope } from './scope.js';
import { loadExeca } from './execa.js';

/**
 * Whether this engine can build and keep one image for several platforms: the containerd image store
 * (a graph driver such as overlay2 keeps one platform per image) and the docker CLI's buildx plugin
 * (the Engine API's /build takes a single platform). Either missing: the reason, for a skip.
 */
export async function multiPlatformSupport(engine: Engine): Promise<MultiPlatformSupport> {
  const info = (await engine.docker.info()) as { Driver?: string; DriverStatus?: Array<[string, string]> | null; ServerVersion?: string };
  const containerdStore = (info.DriverStatus ?? []).some(([key, value]) => key === 'driver-type' && value === 'io.containerd.snapshotter.v1');
  const engineName = `Docker ${info.ServerVersion ?? engine.info.serverVersion} with the ${info.Driver ?? 'unknown'} ${containerdStore ? 'containerd image store' : 'graph driver'}`;
  if (!containerdStore) {
    return {
      supported: false,
      reason: `${engineName} keeps one platform per image, so it cannot hold a multi-platform image index: that needs the containerd image store (the default of Docker Desktop and fresh Docker 29 installs; elsewhere "features": {"containerd-snapshotter": true} in daemon.json)`,
    };
  }
  try {
    const cli = await findDockerCli();
    const execa = await loadExeca();
    const result = await execa(cli, ['buildx', 'version'], { reject: false, timeout: 15_000, env: cliEnv(engine) });
    if (result.exitCode !== 0) {
      return { supported: false, reason: `${engineName} can hold multi-platform images, but the docker CLI (${cli}) has no buildx plugin to build them: ${String(result.stderr).split('\n')[0]}` };
    }
    return { supported: true, builder: String(result.stdout).trim() };
  } catch (error) {
    return { supported: false, reason: `${engineName}: no docker CLI with buildx to build a multi-platform image (${errorMessage(error)})` };
  }
}

function cliEnv(engine: Engine): Record<string, string> {
  if (process.env.DOCKER_HOST) return {};
  const socketPath = (engine.docker.modem as unknown as { socketPath?: unknown }).socketPath;
  return typeof socketPath === 'string' ? { DOCKER_HOST: `unix://${socketPath}` } : {};
}

/** The platforms of an image index on the engine (`GET /images/{id}/json?manifests=1`, API 1.48+). */
export async function indexPlatforms(engine: Engine, imageId: string): Promise<{ digest: string; mediaType: string; platforms: PlatformImage[] }> {
  const modem = engine.docker.modem as unknown as { dial(options: unknown, callback: (error: unknown, data: unknown) => void): void };
  const inspected = await new Promise<{
    Descriptor?: { digest: string; mediaType: string };
    Manifests?: Array<{ Kind?: string; Descriptor: { digest: string }; ImageData?: { Platform?: { os?: string; architecture?: string; variant?: string } } }>;
  }>((resolve, reject) =>
    modem.dial(
      { path: `/images/${encodeURIComponent(imageId)}/json?`, method: 'GET', options: { manifests: 'true' }, statusCodes: { 200: true, 404: 'no such image', 500: 'server error' } },
      (error, data) => (error ? reject(error) : resolve(data as never)),
    ),
  );
  return {
    digest: inspected.Descriptor?.digest ?? imageId,
    mediaType: inspected.Descriptor?.mediaType ?? 'unknown',
    platforms: (inspected.Manifests ?? [])
      .filter((manifest) => (manifest.Kind ?? 'image') === 'image' && manifest.ImageData?.Platform)
      .map((manifest) => {
        const platform = manifest.ImageData!.Platform!;
        return { platform: `${platform.os}/${platform.architecture}${platform.variant ? `/${platform.variant}` : ''}`, digest: manifest.Descriptor.digest };
      }),
  };
}

/**
 * The first bytes of a file in one platform's image of an index: read through the archive API of a
 * container created for that platform and never started, so no emulation is needed.
 */
export async function readFileHead(engine: Engine, scope: RunScope, imageId: string, filePath: string, options: { platform: string; bytes: number }): Promise<Buffer | null> {
  const container = await createIdleContainer(engine, scope, imageId, options.platform);
  try {
    let archive: Readable;
    try {
      archive = (await container.getArchive({ path: filePath })) as unknown as Readable;
    } catch (error) {
      if ((error as { statusCode?: number }).statusCode === 404) return null;
      throw error;
    }
    return await firstFileHead(archive, options.bytes);
  } finally {
    await container.remove({ force: true, v: true }).catch(() => undefined);
  }
}

async function firstFileHead(archive: Readable, bytes: number): Promise<Buffer | null> {
  const tar = await import('tar-stream');
  const extract = tar.extract();
  return new Promise<Buffer | null>((resolve, reject) => {
    let found: Buffer | null = null;
    extract.on('entry', (header, stream, next) => {
      const chunks: Buffer[] = [];
      let size = 0;
      stream.on('data', (data: unknown) => {
        const chunk = data as Buffer;
        if (found === null && header.type === 'file' && size < bytes) {
          chunks.push(chunk);
          size += chunk.length;
        }
      });
      stream.on('end', () => {
        if (found === null && header.type === 'file') found = Buffer.concat(chunks).subarray(0, bytes);
        next();
      });
      stream.resume();
    });
    extract.on('finish', () => resolve(found));
    extract.on('error', reject);
    archive.on('error', reject);
    archive.pipe(extract);
  });
}
