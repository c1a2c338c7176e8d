import { createHash } from 'node:crypto';
import path from 'node:path/posix';
import { PassThrough, type Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import zlib from 'node:zlib';
import { Decompress } from 'fzstd';
import tarStream from 'tar-stream';
import type { LayersRead } from '../checks/kind.js';
import { EngineProblemError, errorMessage } from '../errors.js';

/**
 * Reading a `docker save` archive (GET /images/{id}/get) in whichever layout the engine writes:
 * - legacy (Docker up to 24): `<id>/layer.tar` per layer, `manifest.json` and `<config>.json` at the top;
 * - OCI (Docker 25+): every layer, config and manifest a blob under `blobs/sha256/`, named by
 *   `manifest.json` (and `index.json`); on the containerd image store the layer blobs are stored
 *   compressed (gzip or zstd) as built or pulled, so their digests are not the layers' diff ids.
 * Each layer is streamed once through its decompressor and a sha256 of the uncompressed tar (its diff
 * id), then compared with the layers the engine lists for the image: what was not read, or read as
 * something else, is an engine problem, never an empty layer.
 */

export type Compression = keyof LayersRead['compression'];

/** Reads one layer tar as it streams past; `result` is taken once all of it went through `sink`. */
export interface TarVisitor<T> {
  /** A tar-stream extract (a streamx stream: Node's pipe writes to it, pipeline does not wait on it). */
  sink: tarStream.Extract;
  result(): T;
}

export interface SavedLayer<T> {
  diffId: string;
  compression: Compression;
  result: T;
}

export interface SavedArchive<T> {
  /** Base first, one per layer of the image's RootFS. */
  layers: Array<SavedLayer<T>>;
  /** For each layer, the instruction that made it (the config's history, empty layers skipped). */
  createdBy: string[];
  read: LayersRead;
}

/** The image's layers could not all be read: the check that needed them ends as an engine problem. */
export class LayersUnreadError extends EngineProblemError {
  constructor(
    message: string,
    readonly expected: number,
    readonly read: number,
  ) {
    super(message);
    this.name = 'LayersUnreadError';
  }
}

const MAX_JSON_BYTES = 8 * 1024 * 1024;
const HEAD_BYTES = 512;

/**
 * Streams a `docker save` archive once and returns every layer of one image, matched to
 * `expectedDiffIds` (the RootFS layers of `docker image inspect`; without them, the archive's own
 * image config). Every blob that looks like a layer goes through `visit` as it passes, since the
 * manifest naming the layers comes last.
 */
export async function readSavedArchive<T>(archive: Readable, visit: () => TarVisitor<T>, expectedDiffIds?: string[]): Promise<SavedArchive<T>> {
  let walked: Walked<T>;
  try {
    walked = await walk(archive, visit);
  } catch (error) {
    if (error instanceof LayersUnreadError) throw error;
    throw new LayersUnreadError(`reading the image archive (docker save) failed: ${errorMessage(error)}`, expectedDiffIds?.length ?? 0, 0);
  }
  return resolveImage(walked, expectedDiffIds);
}

interface Walked<T> {
  layers: Map<string, SavedLayer<T> & { tarBytes: number }>;
  json: Map<string, string>;
  links: Map<string, string>;
  /** Blobs that were neither a tar (plain or compressed) nor JSON, with what their first bytes looked like. */
  unknown: Set<string>;
}

async function walk<T>(archive: Readable, visit: () => TarVisitor<T>): Promise<Walked<T>> {
  const walked: Walked<T> = { layers: new Map(), json: new Map(), links: new Map(), unknown: new Set() };
  const extract = tarStream.extract();
  const done = new Promise<void>((resolve, reject) => {
    extract.on('entry', (header, entryBody, next) => {
      const body = entryBody as unknown as Readable;
      const name = entryName(header.name);
      const skip = () => {
        body.on('end', next);
        body.resume();
      };
      // Duplicate layers are written once and linked (legacy: `<id>/layer.tar -> ../<other>/layer.tar`).
      if (header.type === 'symlink' && header.linkname) {
        walked.links.set(name, entryName(path.join(path.dirname(name), header.linkname)));
        return skip();
      }
      if (header.type === 'link' && header.linkname) {
        walked.links.set(name, entryName(header.linkname));
        return skip();
      }
      if (header.type !== 'file' && header.type !== 'contiguous-file') return skip();
      const maybeLayer = name.startsWith('blobs/') || name.endsWith('/layer.tar');
      const topJson = !name.includes('/') && name.endsWith('.json');
      if (!maybeLayer && !topJson) return skip();
      readEntry(walked, name, body, header.size ?? 0, maybeLayer, visit).then(() => next(), reject);
    });
    extract.on('finish', resolve);
    extract.on('error', reject);
  });
  archive.on('error', (error) => extract.destroy(error));
  archive.pipe(extract);
  await done;
  return walked;
}

function entryName(name: string): string {
  return path.normalize(name).replace(/^(\.\/)+/, '').replace(/^\/+/, '');
}

async function readEntry<T>(walked: Walked<T>, name: string, body: Readable, size: number, maybeLayer: boolean, visit: () => TarVisitor<T>): Promise<void> {
  const { head, stream } = await peek(body, HEAD_BYTES);
  const kind = maybeLayer ? sniff(head) : 'json';
  if (kind === 'json') {
    if (size > MAX_JSON_BYTES) return drain(stream);
    walked.json.set(name, await collect(stream));
    return;
  }
  if (kind === 'unknown') {
    walked.unknown.add(name);
    return drain(stream);
  }
  const visitor = visit();
  const hash = createHash('sha256');
  let tarBytes = 0;
  const hasher = new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      hash.update(chunk);
      tarBytes += chunk.length;
      callback(null, chunk);
    },
  });
  const decoder = kind === 'gzip' ? zlib.createGunzip() : kind === 'zstd' ? zstdDecoder() : null;
  const sinkDone = new Promise<void>((resolve, reject) => {
    visitor.sink.on('finish', resolve);
    visitor.sink.on('error', (error: Error) => {
      hasher.destroy(error);
      reject(error);
    });
  });
  // Awaited below with the pipeline; a failure upstream can leave it pending, never unobserved.
  sinkDone.catch(() => undefined);
  hasher.pipe(visitor.sink as unknown as NodeJS.WritableStream);
  try {
    await Promise.all([pipeline([stream, ...(decoder ? [decoder] : []), hasher]), sinkDone]);
  } catch (error) {
    throw new Error(`the layer blob ${name} (${kind}) could not be read: ${errorMessage(error)}`);
  }
  walked.layers.set(name, { diffId: `sha256:${hash.digest('hex')}`, compression: kind === 'tar' ? 'none' : kind, result: visitor.result(), tarBytes });
}

type Sniffed = 'tar' | 'gzip' | 'zstd' | 'json' | 'unknown';

function sniff(head: Buffer): Sniffed {
  if (head.length >= 2 && head[0] === 0x1f && head[1] === 0x8b) return 'gzip';
  if (head.length >= 4 && head.readUInt32LE(0) === 0xfd2fb528) return 'zstd';
  if (head.length >= 262 && head.subarray(257, 262).toString('latin1') === 'ustar') return 'tar';
  // An empty layer is the tar end marker alone: zero blocks.
  if (head.length === HEAD_BYTES && head.every((byte) => byte === 0)) return 'tar';
  const first = head.toString('utf8').trimStart()[0];
  if (first === '{' || first === '[') return 'json';
  return 'unknown';
}

/** Node 20 has no zstd in zlib (22.15 has); fzstd decodes in JavaScript where it is missing. */
function zstdDecoder(): Transform {
  const native = (zlib as unknown as { createZstdDecompress?: () => Transform }).createZstdDecompress;
  if (typeof native === 'function') return native();
  const transform: Transform = new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      try {
        decoder.push(chunk);
        callback();
      } catch (error) {
        callback(error as Error);
      }
    },
    flush(callback) {
      try {
        decoder.push(new Uint8Array(0), true);
        callback();
      } catch (error) {
        callback(error as Error);
      }
    },
  });
  // fzstd may hand out views of its window buffer: copy before passing them on.
  const decoder = new Decompress((data) => {
    if (data.length > 0) transform.push(Buffer.from(data));
  });
  return transform;
}

/** The first `bytes` of a stream (fewer when it is shorter), and a stream that yields all of it again. */
function peek(body: Readable, bytes: number): Promise<{ head: Buffer; stream: Readable }> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let length = 0;
    let settled = false;
    const settle = (ended: boolean) => {
      if (settled) return;
      settled = true;
      body.off('data', onData);
      body.off('end', onEnd);
      body.off('error', onError);
      body.pause();
      const head = Buffer.concat(chunks);
      const stream = new PassThrough();
      stream.write(head);
      if (ended) stream.end();
      else {
        body.on('error', (error) => stream.destroy(error));
        body.pipe(stream);
      }
      resolve({ head: head.subarray(0, bytes), stream });
    };
    const onData = (chunk: Buffer) => {
      chunks.push(chunk);
      length += chunk.length;
      if (length >= bytes) settle(false);
    };
    const onEnd = () => settle(true);
    const onError = (error: Error) => {
      if (settled) return;
      settled = true;
      reject(error);
    };
    body.on('data', onData);
    body.on('end', onEnd);
    body.on('error', onError);
  });
}

function drain(stream: Readable): Promise<void> {
  return new Promise((resolve, reject) => {
    stream.on('end', resolve);
    stream.on('error', reject);
    stream.resume();
  });
}

async function collect(stream: Readable): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

interface ImageEntry {
  config: string;
  layers: string[];
}

interface ImageConfig {
  rootfs?: { diff_ids?: string[] };
  history?: Array<{ created_by?: string; empty_layer?: boolean }>;
}

function parseJson<V>(text: string | undefined): V | undefined {
  if (text === undefined) return undefined;
  try {
    return JSON.parse(text) as V;
  } catch {
    return undefined;
  }
}

const blobName = (digest: string) => `blobs/${digest.replace(':', '/')}`;

/** Images the archive describes: manifest.json (both layouts), else index.json and its manifests (OCI only). */
function imagesIn(walked: Walked<unknown>): ImageEntry[] {
  const manifest = parseJson<Array<{ Config?: string; Layers?: string[] }>>(walked.json.get('manifest.json'));
  if (Array.isArray(manifest) && manifest.length > 0) {
    return manifest.filter((entry) => entry.Config && Array.isArray(entry.Layers)).map((entry) => ({ config: entryName(entry.Config!), layers: entry.Layers!.map(entryName) }));
  }
  const found: ImageEntry[] = [];
  interface Descriptor { mediaType?: string; digest?: string }
  const visit = (name: string, depth: number) => {
    const node = parseJson<{ manifests?: Descriptor[]; config?: Descriptor; layers?: Descriptor[] }>(walked.json.get(name));
    if (!node || depth > 4) return;
    if (node.config?.digest && Array.isArray(node.layers)) {
      found.push({ config: blobName(node.config.digest), layers: node.layers.flatMap((layer) => (layer.digest ? [blobName(layer.digest)] : [])) });
    }
    for (const child of node.manifests ?? []) if (child.digest) visit(blobName(child.digest), depth + 1);
  };
  visit('index.json', 0);
  return found;
}

function resolveLink(walked: Walked<unknown>, name: string): string {
  let current = name;
  for (let hops = 0; hops < 8 && walked.links.has(current); hops += 1) current = walked.links.get(current)!;
  return current;
}

const short = (diffId: string) => diffId.replace(/^sha256:/, '').slice(0, 12);

function resolveImage<T>(walked: Walked<T>, expectedDiffIds?: string[]): SavedArchive<T> {
  const images = imagesIn(walked as Walked<unknown>).map((entry) => ({ entry, config: parseJson<ImageConfig>(walked.json.get(resolveLink(walked as Walked<unknown>, entry.config))) }));
  const expectedCount = expectedDiffIds?.length ?? 0;
  if (images.length === 0) {
    throw new LayersUnreadError('the image archive (docker save) names no image: neither manifest.json nor index.json lists one', expectedCount, 0);
  }
  const diffIdsOf = (image: (typeof images)[number]) => image.config?.rootfs?.diff_ids ?? [];
  const chosen = expectedDiffIds
    ? images.find((image) => sameList(diffIdsOf(image), expectedDiffIds))
    : images.find((image) => image.config) ?? images[0];
  if (!chosen) {
    const listed = images.map((image) => `${diffIdsOf(image).length} layers`).join(', ');
    throw new LayersUnreadError(
      `the image archive (docker save) holds no image with the ${expectedCount} layers the engine lists for this image (it holds: ${listed})`,
      expectedCount,
      0,
    );
  }
  const diffIds = expectedDiffIds ?? diffIdsOf(chosen);
  if (!chosen.config) throw new LayersUnreadError(`the image archive (docker save) has no image config ${chosen.entry.config}`, diffIds.length, 0);
  if (chosen.entry.layers.length !== diffIds.length) {
    throw new LayersUnreadError(
      `the image archive (docker save) lists ${chosen.entry.layers.length} layer blobs for an image of ${diffIds.length} layers`,
      diffIds.length,
      0,
    );
  }
  const layers: Array<SavedLayer<T>> = [];
  const compression: Record<Compression, number> = { none: 0, gzip: 0, zstd: 0 };
  let tarBytes = 0;
  for (const [index, name] of chosen.entry.layers.entries()) {
    const expected = diffIds[index]!;
    const position = `layer ${index + 1} of ${diffIds.length} (${short(expected)})`;
    const blobPath = resolveLink(walked as Walked<unknown>, name);
    const blob = walked.layers.get(blobPath);
    if (!blob) {
      const why = walked.unknown.has(blobPath) ? 'is in a format that is neither tar, gzip nor zstd' : walked.json.has(blobPath) ? 'is JSON, not a layer' : 'is missing from the archive';
      throw new LayersUnreadError(`${position} could not be read: its blob ${blobPath} ${why}`, diffIds.length, index);
    }
    if (blob.diffId !== expected) {
      throw new LayersUnreadError(
        `${position} does not match the archive: its blob ${blobPath} unpacks to ${short(blob.diffId)}, not the diff id the engine lists`,
        diffIds.length,
        index,
      );
    }
    layers.push({ diffId: blob.diffId, compression: blob.compression, result: blob.result });
    compression[blob.compression] += 1;
    tarBytes += blob.tarBytes;
  }
  const history = (chosen.config.history ?? []).filter((entry) => !entry.empty_layer).map((entry) => entry.created_by ?? '');
  return {
    layers,
    createdBy: layers.map((_, index) => history[index] ?? ''),
    read: { layout: chosen.entry.layers.some((name) => name.startsWith('blobs/')) ? 'oci' : 'legacy', layers: layers.length, compression, tarBytes },
  };
}

function sameList(a: string[], b: string[]): boolean {
  return a.length === b.length && a.every((item, index) => item === b[index]);
}
