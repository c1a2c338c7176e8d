import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { SizeMeasure } from '../checks/kind.js';
import { EngineProblemError, errorMessage } from '../errors.js';
import { cacheDir } from '../workspace/cache-dir.js';
import { writeFileAtomic } from '../workspace/atomic.js';
import type { Engine } from './connect.js';
import { savedImageOf } from './layers.js';

/**
 * One image size on every engine: the uncompressed size of the image's layers, as overlay2 (and every
 * graph driver) reports it as the image's Size. The containerd image store reports the compressed
 * content there instead (the seed starter: 306.5 MB against 529.9 MB), and its "unpacked" size
 * (GET /images/json?manifests=1) is the snapshots' disk usage in blocks, 6-8 % over the graph
 * drivers' figure for the seed challenge. So on that store the layers are read (docker save) and
 * their bytes counted the way overlay2 counts them; a layer's figure depends only on its content, so
 * it is cached by diff id and an image whose layers were all seen before costs no read.
 */

export type ImageStore = 'graph driver' | 'containerd';

const stores = new WeakMap<Engine, Promise<ImageStore>>();

/** Which image store the engine uses (GET /info: the containerd store reports driver-type io.containerd.snapshotter.v1). */
export function imageStore(engine: Engine): Promise<ImageStore> {
  let known = stores.get(engine);
  if (!known) {
    known = (async () => {
      const info = (await engine.docker.info().catch((error: unknown) => {
        throw new EngineProblemError(`the engine did not say which image store it uses (GET /info): ${errorMessage(error)}`);
      })) as { DriverStatus?: Array<[string, string]> | null };
      return (info.DriverStatus ?? []).some(([key, value]) => key === 'driver-type' && value.includes('containerd.snapshotter')) ? 'containerd' : 'graph driver';
    })();
    stores.set(engine, known);
    known.catch(() => stores.delete(engine));
  }
  return known;
}

export interface ImageSize {
  bytes: number;
  measure: SizeMeasure;
  /** engine: the engine's own Size (graph drivers); layers: counted from the layers read now; cache: every layer's figure known from an earlier read. */
  source: 'engine' | 'layers' | 'cache';
  /** Why the layers could not be counted (bytes is then NaN). */
  problem?: string;
}

interface InspectedImage {
  Id: string;
  Size: number;
  RootFS?: { Layers?: string[] };
}

/** Layers whose figure is kept: the base images and recent builds of a course fit many times over. */
const LAYERS_KEPT = 20_000;

export async function uncompressedSize(engine: Engine, image: InspectedImage): Promise<ImageSize> {
  if ((await imageStore(engine)) === 'graph driver') return { bytes: image.Size, measure: 'uncompressed layers', source: 'engine' };
  const { bytes, read } = await layerBytes(engine, image);
  return { bytes: bytes.reduce((sum, layer) => sum + layer, 0), measure: 'uncompressed layers', source: read ? 'layers' : 'cache' };
}

/**
 * Each layer's uncompressed bytes (base first) on the containerd store: from the diff-id cache when
 * every layer is known, else read from the image's layers once (and cached).
 */
export async function layerBytes(engine: Engine, image: InspectedImage): Promise<{ bytes: number[]; read: boolean }> {
  const diffIds = image.RootFS?.Layers ?? [];
  const file = path.join(cacheDir(), 'layer-bytes.json');
  const cache = await readCache(file);
  if (diffIds.every((diffId) => typeof cache[diffId] === 'number')) return { bytes: diffIds.map((diffId) => cache[diffId]!), read: false };
  const saved = await savedImageOf(engine, image.Id);
  // Another run may have written meanwhile: merge (newest last, oldest dropped past the bound); a cache file never fails a verdict.
  const merged = { ...(await readCache(file)) };
  for (const layer of saved.layers) {
    delete merged[layer.name];
    merged[layer.name] = layer.bytes;
  }
  const kept = Object.entries(merged).slice(-LAYERS_KEPT);
  await writeFileAtomic(file, `${JSON.stringify(Object.fromEntries(kept))}\n`).catch(() => undefined);
  return { bytes: saved.layers.map((layer) => layer.bytes), read: true };
}

async function readCache(file: string): Promise<Record<string, number>> {
  try {
    const parsed = JSON.parse(await readFile(file, 'utf8')) as unknown;
    return parsed && typeof parsed === 'object' && !Array.isArray(parsed) ? (parsed as Record<string, number>) : {};
  } catch {
    return {};
  }
}
