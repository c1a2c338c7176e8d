import path from 'node:path/posix';
import type { Readable } from 'node:stream';
import tarStream from 'tar-stream';
import type { LayersRead, TextSearch, WastedBytes, WastedPath } from '../checks/kind.js';
import { errorMessage } from '../errors.js';
import type { Engine } from './connect.js';
import { LayersUnreadError, type TarVisitor, readSavedArchive } from './saved-image.js';

export { LayersUnreadError } from './saved-image.js';

/** One entry of a layer tar as it matters for space: a file's bytes, a whiteout, or an opaque directory marker. */
export type LayerEntry =
  | { type: 'file'; path: string; size: number }
  | { type: 'dir'; path: string }
  | { type: 'whiteout'; path: string }
  | { type: 'opaque'; path: string };

export interface LayerListing {
  /** The layer's diff id (sha256 of its uncompressed tar). */
  name: string;
  entries: LayerEntry[];
  /**
   * The layer's size as overlay2 counts it for `docker image inspect` Size: the bytes of its regular
   * files and symlinks (a hard link's bytes once), directories and whiteouts none.
   */
  bytes: number;
}

const WHITEOUT = '.wh.';
const OPAQUE = '.wh..wh..opq';

function normalise(name: string): string {
  const clean = path.normalize(`/${name}`).replace(/\/+$/, '');
  return clean === '' ? '/' : clean;
}

/** Lists one layer tar as it streams through: regular files with their sizes, directories, whiteouts (`.wh.name`) and opaque markers. */
function listingVisitor(): TarVisitor<{ entries: LayerEntry[]; bytes: number }> {
  const entries: LayerEntry[] = [];
  let bytes = 0;
  const extract = tarStream.extract();
  extract.on('entry', (header, body, next) => {
    if (header.type === 'file' || header.type === 'contiguous-file') bytes += header.size ?? 0;
    else if (header.type === 'symlink') bytes += Buffer.byteLength(header.linkname ?? '');
    const full = normalise(header.name);
    const base = path.basename(full);
    const dir = path.dirname(full);
    if (base === OPAQUE) entries.push({ type: 'opaque', path: dir });
    else if (base.startsWith(WHITEOUT)) entries.push({ type: 'whiteout', path: path.join(dir, base.slice(WHITEOUT.length)) });
    else if (header.type === 'directory') entries.push({ type: 'dir', path: full });
    // Links and special files take no content bytes of their own.
    else entries.push({ type: 'file', path: full, size: header.type === 'file' || header.type === 'contiguous-file' ? (header.size ?? 0) : 0 });
    body.on('end', next);
    body.on('error', (error) => extract.destroy(error));
    body.resume();
  });
  return { sink: extract, result: () => ({ entries, bytes }) };
}

/** Reads one layer tar into entries. */
export async function readLayerTar(stream: Readable): Promise<LayerEntry[]> {
  const visitor = listingVisitor();
  await new Promise<void>((resolve, reject) => {
    visitor.sink.on('finish', resolve);
    visitor.sink.on('error', reject);
    stream.on('error', (error) => visitor.sink.destroy(error));
    stream.pipe(visitor.sink as unknown as NodeJS.WritableStream);
  });
  return visitor.result().entries;
}

export interface SavedImage {
  /** Layers in order, base first. */
  layers: LayerListing[];
  /** For each layer, the instruction that made it (from the image config's history, empty layers skipped). */
  createdBy: string[];
  read: LayersRead;
}

/**
 * Reads a `docker save` archive (legacy or OCI layout, layers plain, gzip or zstd) as a stream: every
 * layer is listed as it passes (its contents are never kept) and checked against `expectedDiffIds`.
 */
export async function readSavedImage(archive: Readable, expectedDiffIds?: string[]): Promise<SavedImage> {
  const saved = await readSavedArchive(archive, listingVisitor, expectedDiffIds);
  return {
    layers: saved.layers.map((layer) => ({ name: layer.diffId, entries: layer.result.entries, bytes: layer.result.bytes })),
    createdBy: saved.createdBy,
    read: saved.read,
  };
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

/** Searches one layer tar's regular files for `needle`, across chunk boundaries. */
function searchVisitor(needle: Buffer): TarVisitor<string[]> {
  const hits: string[] = [];
  const extract = tarStream.extract();
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
    body.on('error', (error) => extract.destroy(error));
  });
  return { sink: extract, result: () => hits };
}

/** The image's layers as the engine lists them (RootFS diff ids): what reading its archive must find. */
async function rootfsDiffIds(engine: Engine, imageId: string): Promise<string[]> {
  const image = await engine.docker.getImage(imageId).inspect();
  const layers = image.RootFS?.Layers;
  if (!Array.isArray(layers)) throw new LayersUnreadError('the engine lists no RootFS layers for the image, so its layers cannot be checked', 0, 0);
  return layers;
}

async function exportImage(engine: Engine, imageId: string): Promise<Readable> {
  try {
    return (await engine.docker.getImage(imageId).get()) as unknown as Readable;
  } catch (error) {
    throw new LayersUnreadError(`the engine would not export the image (docker save): ${errorMessage(error)}`, 0, 0);
  }
}

/**
 * Files in the image's layers whose content holds `text` (a secret value, say), also in files a later
 * layer deleted: those bytes still ship with the image. Hits in layers up to `sinceLayer` are not reported.
 */
export async function findTextInImage(engine: Engine, imageId: string, text: string, options: { sinceLayer?: number } = {}): Promise<TextSearch> {
  const needle = Buffer.from(text, 'utf8');
  if (needle.length === 0) throw new Error('nothing to search for');
  const expected = await rootfsDiffIds(engine, imageId);
  const saved = await readSavedArchive(await exportImage(engine, imageId), () => searchVisitor(needle), expected);
  const sinceLayer = options.sinceLayer ?? 0;
  const hits = saved.layers.flatMap((layer, index) =>
    index + 1 > sinceLayer ? layer.result.map((hitPath) => ({ path: hitPath, layer: index + 1, createdBy: tidyInstruction(saved.createdBy[index] ?? '') })) : [],
  );
  return { hits, read: saved.read, searchedLayers: Math.max(0, saved.layers.length - sinceLayer) };
}

/** Images whose layers were read on an engine connection, newest last: size and wasted bytes share one export. */
const savedReads = new WeakMap<Engine, Map<string, Promise<SavedImage>>>();
const SAVED_READS_KEPT = 4;

/**
 * The image's layers listed from `docker save` (GET /images/{id}/get, streamed, never kept), checked
 * against its RootFS; read once per engine connection for the last few images asked about.
 */
export function savedImageOf(engine: Engine, imageId: string): Promise<SavedImage> {
  let reads = savedReads.get(engine);
  if (!reads) savedReads.set(engine, (reads = new Map()));
  const known = reads.get(imageId);
  if (known) return known;
  const reading = (async () => {
    const expected = await rootfsDiffIds(engine, imageId);
    return readSavedImage(await exportImage(engine, imageId), expected);
  })();
  reads.set(imageId, reading);
  reading.catch(() => reads.delete(imageId));
  while (reads.size > SAVED_READS_KEPT) reads.delete(reads.keys().next().value!);
  return reading;
}

/** Wasted bytes of an image on the engine, read from its layers. */
export async function imageWastedBytes(engine: Engine, imageId: string, options: { top?: number; sinceLayer?: number } = {}): Promise<WastedBytes> {
  const saved = await savedImageOf(engine, imageId);
  return { ...wastedBytes(saved.layers, saved.createdBy, options), read: saved.read };
}
