import { readFileSync } from 'node:fs';
import path from 'node:path';
import { errorMessage } from '../errors.js';
import { PACKAGE_ROOT } from '../package-root.js';
import { type Engine, withTimeout } from './connect.js';

/** What made a verdict: every report format carries it, so a grade can be traced to its engine and images. */
export interface Provenance {
  shipshape: { version: string };
  engine: {
    serverVersion: string;
    apiVersion: string;
    os: string;
    architecture: string;
    /** The engine's storage driver (`overlay2`, `vfs`, or `overlayfs` under the containerd image store). */
    storageDriver: string | null;
    /** containerd: the containerd image store (snapshotters); graphdriver: the classic layer store. */
    imageStore: 'containerd' | 'graphdriver' | null;
  };
  /** classic (Engine API builder) or buildkit-cli; null when nothing was built. */
  builder: string | null;
  /** The images the Dockerfile names (FROM, COPY --from=image), as the engine had them after the build. */
  baseImages: Array<{ ref: string; line: number; id: string | null; repoDigests: string[] }>;
  /** Facts that could not be read (the verdict stands without them). */
  problems: string[];
}

let version: string | null = null;

/** This build's own version, from the package's package.json. */
export function shipshapeVersion(): string {
  if (version) return version;
  try {
    version = (JSON.parse(readFileSync(path.join(PACKAGE_ROOT, 'package.json'), 'utf8')) as { version?: string }).version ?? 'unknown';
  } catch {
    version = 'unknown';
  }
  return version;
}

const TIMEOUT_MS = 5_000;

/** Asks the engine once per verify: `info` for the image store, inspect for each base image. */
export async function gatherProvenance(engine: Engine, baseImages: Array<{ ref: string; line: number }>, builder: string | null): Promise<Provenance> {
  const problems: string[] = [];
  let storageDriver: string | null = null;
  let imageStore: Provenance['engine']['imageStore'] = null;
  try {
    const info = (await withTimeout(engine.docker.info(), TIMEOUT_MS, 'docker info')) as { Driver?: string; DriverStatus?: Array<[string, string]> };
    storageDriver = info.Driver ?? null;
    // The containerd store reports its snapshotter as `driver-type: io.containerd.snapshotter.v1`.
    const containerd = (info.DriverStatus ?? []).some(([key, value]) => key === 'driver-type' && /containerd/.test(value));
    imageStore = containerd ? 'containerd' : 'graphdriver';
  } catch (error) {
    problems.push(`engine info: ${errorMessage(error)}`);
  }
  // Each image once, where the Dockerfile first names it.
  const unique = baseImages.filter((image, index) => baseImages.findIndex((other) => other.ref === image.ref) === index);
  const inspected = await Promise.all(
    unique.map(async (image) => {
      try {
        const found = await withTimeout(engine.docker.getImage(image.ref).inspect(), TIMEOUT_MS, `inspect ${image.ref}`);
        return { ...image, id: found.Id, repoDigests: found.RepoDigests ?? [] };
      } catch (error) {
        if ((error as { statusCode?: number }).statusCode !== 404) problems.push(`${image.ref}: ${errorMessage(error)}`);
        return { ...image, id: null, repoDigests: [] };
      }
    }),
  );
  return {
    shipshape: { version: shipshapeVersion() },
    engine: {
      serverVersion: engine.info.serverVersion,
      apiVersion: engine.info.apiVersion,
      os: engine.info.os,
      architecture: engine.info.architecture,
      storageDriver,
      imageStore,
    },
    builder,
    baseImages: inspected,
    problems,
  };
}
