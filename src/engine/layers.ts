import path from 'node:path/posix';
import type { Readable } from 'node:stream';
import tarStream from 'tar-stream';
import type { WastedBytes, WastedPath } from '../checks/kind.js';
import type { Engine } from './connect.js';

/** One entry of a layer tar as it matters for space: a file's bytes, a whiteout, or an opaque directory marker. */
export type LayerEntry =
  | { type: 'file'; path: string; size: number }
  | { type: 'dir'; path: string }
  | { type: 'whiteout'; path: string }
  | { type: 'opaque'; path: string };

export interface LayerListing {
  /** The layer's directory in the `docker save` archive, e.g. `<hash>/layer.tar`. */
  name: string;
  entries: LayerEntry[];
}

const WHITEOUT = '.wh.';
const OPAQUE = '.wh..wh..opq';

function normalise(name: string): string {
  const clean = path.normalize(`/${name}`).replace(/\/+$/, '');
  return clean === '' ? '/' : clean;
}

/** Reads one layer tar into entries: regular files with their sizes, directories, whiteouts (`.wh.name`) and opaque markers. */
export async function readLayerTar(stream: Readable): Promise<LayerEntry[]> {
  const entries: LayerEntry[] = [];
  const extract = tarStream.extract();
  const done = new Promise<void>((resolve, reject) => {
    extract.on('entry', (header, body, next) => {
      const full = normalise(header.name);
      const base = path.basename(full);
      const dir = path.dirname(full);
      if (base === OPAQUE) entries.push({ type: 'opaque', path: dir });
      else if (base.startsWith(WHITEOUT)) entries.push({ type: 'whiteout', path: path.join(dir, base.slice(WHITEOUT.length)) });
      else if (header.type === 'directory') entries.push({ type: 'dir', path: full });
      // Links and special files take no content bytes of their own.
      else entries.push({ type: 'file', path: full, size: header.type === 'file' || header.type === 'contiguous-file' ? (header.size ?? 0) : 0 });
      body.on('end', next);
      body.on('error', reject);
      body.resume();
    });
    extract.on('finish', resolve);
    extract.on('error', reject);
  });
  stream.on('error', (error) => extract.destroy(error));
  stream.pipe(extract);
  await done;
  return entries;
}

interface SavedImage {
  /** Layers in order, base first. */
  layers: LayerListing[];
  /** For each layer, the instruction that made it (from the image config's history, empty layers skipped). */
  createdBy: string[];
}

/**
 * Reads a `docker save` archive as a stream: every `<dir>/layer.tar` is listed as it passes (its
 * contents are never kept), then manifest.json gives the order and the config the instructions.
 */
export async function readSavedImage(archive: Readable): Promise<SavedImage> {
  const listings = new Map<string, LayerEntry[]>();
  const jsonFiles = new Map<string, string>();
  await walkSavedImage(archive, jsonFiles, async (name, layer) => {
    listings.set(name, await readLayerTar(layer));
  });

  const manifestText = jsonFiles.get('manifest.json');
  if (!manifestText) throw new Error('the image archive has no manifest.json');
  const [manifest] = JSON.parse(manifestText) as Array<{ Config: string; Layers: string[] }>;
  if (!manifest) throw new Error('the image archive lists no image');
  const config = JSON.parse(jsonFiles.get(manifest.Config) ?? '{}') as { history?: Array<{ created_by?: string; empty_layer?: boolean }> };
  const createdBy = (config.history ?? []).filter((entry) => !entry.empty_layer).map((entry) => entry.created_by ?? '');
  const layers = manifest.Layers.map((name) => ({ name, entries: listings.get(name) ?? [] }));
  return { layers, createdBy: layers.map((_, index) => createdBy[index] ?? '') };
}

/**
 * Bytes that are in the image's layers but not in its filesystem: files a later layer deletes
 * (whiteouts, including whole directories and opaque directories) or overwrites. Every pull
 * downloads them and every copy of the image stores them, yet no container can see them.
 */
export function wastedBytes(layers: LayerListing[], createdBy: string[] = [], options: { top?: number; sinceLayer?: number } = {}): WastedBytes {
  const top = options.top ?? 10;
  const sinceLayer = options.sinceLayer ?? 0;
  /** What each visible path is and which layer put it there. */
  const current = new Map<string, { layer: number; size: number }>();
  const wasted: WastedPath[] = [];
  const instruction = (layer: number) => tidyInstruction(createdBy[layer] ?? '') || `layer ${layer + 1}`;

  const lose = (filePath: string, by: number, how: WastedPath['how']) => {
    const entry = current.get(filePath);
    if (!entry) return;
    current.delete(filePath);
    // Only what the layers above `sinceLayer` (the base image's) hide counts: the base's own waste is not the learner's.
    if (entry.size > 0 && by + 1 > sinceLayer) {
      wasted.push({ path: filePath, bytes: entry.size, how, addedBy: instruction(entry.layer), removedBy: instruction(by), addedInLayer: entry.layer + 1, removedInLayer: by + 1 });
    }
  };
  const loseUnder = (dir: string, by: number, how: WastedPath['how'], before?: number) => {
    const prefix = dir === '/' ? '/' : `${dir}/`;
    for (const [filePath, entry] of [...current]) {
      if (filePath.startsWith(prefix) && (before === undefined || entry.layer < before)) lose(filePath, by, how);
    }
  };

  layers.forEach((layer, index) => {
    // Opaque markers and whiteouts hide what lower layers had; they apply before this layer's own files.
    for (const entry of layer.entries) {
      if (entry.type === 'opaque') loseUnder(entry.path, index, 'deleted', index);
      else if (entry.type === 'whiteout') {
        lose(entry.path, index, 'deleted');
        loseUnder(entry.path, index, 'deleted', index);
      }
    }
    for (const entry of layer.entries) {
      if (entry.type === 'file') {
        const earlier = current.get(entry.path);
        if (earlier && earlier.layer < index) lose(entry.path, index, 'overwritten');
        // A file replacing a directory hides everything below it.
        loseUnder(entry.path, index, 'overwritten', index);
        current.set(entry.path, { layer: index, size: entry.size });
      } else if (entry.type === 'dir') {
        const earlier = current.get(entry.path);
        // A directory replacing a file.
        if (earlier && earlier.layer < index) lose(entry.path, index, 'overwritten');
      }
    }
  });

  const totalBytes = wasted.reduce((sum, item) => sum + item.bytes, 0);
  return {
    totalBytes,
    files: wasted.length,
    top: [...wasted].sort((a, b) => b.bytes - a.bytes || a.path.localeCompare(b.path)).slice(0, top),
    layers: layers.length,
    sinceLayer,
  };
}

function tidyInstruction(createdBy: string): string {
  const text = createdBy
    .replace(/^\/bin\/sh -c #\(nop\)\s+/, '')
    .replace(/^\/bin\/sh -c /, 'RUN ')
    .replace(/\s+# buildkit$/, '')
    // BuildKit records `RUN /bin/sh -c <command>`.
    .replace(/^RUN \/bin\/sh -c /, 'RUN ')
    .replace(/\s+/g, ' ')
    .trim();
  return text.length > 120 ? `${text.slice(0, 119)}…` : text;
}

/** A file of a layer whose bytes contain a searched value. */
export interface TextHit {
  path: string;
  /** 1-based layer position, base first. */
  layer: number;
  createdBy: string;
}

/** Searches one layer tar's regular files for `needle`, across chunk boundaries. */
async function searchLayerTar(stream: Readable, needle: Buffer): Promise<string[]> {
  const hits: string[] = [];
  const extract = tarStream.extract();
  const done = new Promise<void>((resolve, reject) => {
    extract.on('entry', (header, body, next) => {
      const name = normalise(header.name);
      let carry = Buffer.alloc(0);
      let found = false;
      body.on('data', (chunk: unknown) => {
        if (found) return;
        const window = Buffer.concat([carry, chunk as Buffer]);
        if (window.indexOf(needle) >= 0) {
          found = true;
          hits.push(name);
          return;
        }
        carry = window.subarray(Math.max(0, window.length - (needle.length - 1)));
      });
      body.on('end', next);
      body.on('error', reject);
    });
    extract.on('finish', resolve);
    extract.on('error', reject);
  });
  stream.on('error', (error) => extract.destroy(error));
  stream.pipe(extract);
  await done;
  return hits;
}

/**
 * Files in the image's layers whose content holds `text` (a secret value, say), also in files a later
 * layer deleted: those bytes still ship with the image. Layers up to `sinceLayer` are not read.
 */
export async function findTextInImage(engine: Engine, imageId: string, text: string, options: { sinceLayer?: number } = {}): Promise<TextHit[]> {
  const needle = Buffer.from(text, 'utf8');
  if (needle.length === 0) return [];
  const archive = (await engine.docker.getImage(imageId).get()) as unknown as Readable;
  const hitsByLayer = new Map<string, string[]>();
  const jsonFiles = new Map<string, string>();
  await walkSavedImage(archive, jsonFiles, async (name, layer) => {
    hitsByLayer.set(name, await searchLayerTar(layer, needle));
  });
  const [manifest] = JSON.parse(jsonFiles.get('manifest.json') ?? '[]') as Array<{ Config: string; Layers: string[] }>;
  if (!manifest) throw new Error('the image archive lists no image');
  const config = JSON.parse(jsonFiles.get(manifest.Config) ?? '{}') as { history?: Array<{ created_by?: string; empty_layer?: boolean }> };
  const createdBy = (config.history ?? []).filter((entry) => !entry.empty_layer).map((entry) => entry.created_by ?? '');
  return manifest.Layers.flatMap((layerName, index) =>
    index + 1 > (options.sinceLayer ?? 0)
      ? (hitsByLayer.get(layerName) ?? []).map((hitPath) => ({ path: hitPath, layer: index + 1, createdBy: tidyInstruction(createdBy[index] ?? '') }))
      : [],
  );
}

/** Wasted bytes of an image on the engine, read from `docker save` (GET /images/{id}/get) as a stream. */
export async function imageWastedBytes(engine: Engine, imageId: string, options: { top?: number; sinceLayer?: number } = {}): Promise<WastedBytes> {
  const archive = (await engine.docker.getImage(imageId).get()) as unknown as Readable;
  const saved = await readSavedImage(archive);
  return wastedBytes(saved.layers, saved.createdBy, options);
}

/**
 * Streams a `docker save` archive once: each `<dir>/layer.tar` goes to `onLayer` as it passes (never
 * kept whole), the top-level JSON files (manifest, image config) are collected into `jsonFiles`.
 */
async function walkSavedImage(
  archive: Readable,
  jsonFiles: Map<string, string>,
  onLayer: (name: string, layer: Readable) => Promise<void>,
): Promise<void> {
  const extract = tarStream.extract();
  const done = new Promise<void>((resolve, reject) => {
    extract.on('entry', (header, body, next) => {
      const name = header.name.replace(/^\.\//, '');
      if (header.type === 'file' && name.endsWith('/layer.tar')) {
        onLayer(name, body as unknown as Readable).then(() => next(), reject);
        return;
      }
      if (header.type === 'file' && name.endsWith('.json') && !name.includes('/')) {
        const chunks: Buffer[] = [];
        body.on('data', (chunk: unknown) => chunks.push(chunk as Buffer));
        body.on('end', () => {
          jsonFiles.set(name, Buffer.concat(chunks).toString('utf8'));
          next();
        });
        body.on('error', reject);
        return;
      }
      body.on('end', next);
      body.on('error', reject);
      body.resume();
    });
    extract.on('finish', resolve);
    extract.on('error', reject);
  });
  archive.on('error', (error) => extract.destroy(error));
  archive.pipe(extract);
  await done;
}
