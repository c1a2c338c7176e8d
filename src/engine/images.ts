import { createReadStream, createWriteStream } from 'node:fs';
import { rename, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { Transform, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import tar from 'tar-stream';
import { z } from 'zod';
import { formatBytes } from '../checks/format.js';
import { UserError, errorMessage } from '../errors.js';
import type { Engine } from './connect.js';

/** The first member of a bundle; the rest is the engine's own `docker save` stream, so `docker load` takes it too. */
export const BUNDLE_MANIFEST = 'shipshape-bundle.json';

const BundleManifestSchema = z.object({
  schemaVersion: z.literal(1),
  createdAt: z.string(),
  engine: z.object({ serverVersion: z.string(), apiVersion: z.string(), architecture: z.string() }),
  images: z
    .array(z.object({ ref: z.string().min(1), id: z.string().startsWith('sha256:'), repoDigests: z.array(z.string()), size: z.number() }))
    .min(1),
});
export type BundleManifest = z.infer<typeof BundleManifestSchema>;

export type Progress = (line: string) => void;

export interface PresentImage {
  ref: string;
  id: string;
  repoDigests: string[];
  size: number;
}

/** Splits refs into those on the engine (with id and digests) and those missing. */
export async function imagePresence(engine: Engine, refs: string[]): Promise<{ present: PresentImage[]; missing: string[] }> {
  const present: PresentImage[] = [];
  const missing: string[] = [];
  for (const ref of refs) {
    try {
      const inspected = await engine.docker.getImage(ref).inspect();
      present.push({ ref, id: inspected.Id, repoDigests: inspected.RepoDigests ?? [], size: inspected.Size });
    } catch (error) {
      if ((error as { statusCode?: number }).statusCode === 404) missing.push(ref);
      else throw new UserError(`Cannot inspect the image ${ref} on ${engine.info.endpoint}: ${errorMessage(error)}`, 2, 'Check that the engine still answers (`shipshape doctor`).');
    }
  }
  return { present, missing };
}

/** Reads a stream of JSON lines (pull, load) and hands each object on. */
async function readJsonLines(stream: Readable, onEvent: (event: Record<string, unknown>) => void): Promise<void> {
  let buffer = '';
  for await (const chunk of stream) {
    buffer += chunk.toString();
    let newline: number;
    while ((newline = buffer.indexOf('\n')) >= 0) {
      const line = buffer.slice(0, newline).trim();
      buffer = buffer.slice(newline + 1);
      if (line) onEvent(parseLine(line));
    }
  }
  if (buffer.trim()) onEvent(parseLine(buffer.trim()));
}

function parseLine(line: string): Record<string, unknown> {
  try {
    return JSON.parse(line) as Record<string, unknown>;
  } catch {
    return { stream: line };
  }
}

function eventError(event: Record<string, unknown>): string | null {
  const detail = event.errorDetail as { message?: string } | undefined;
  if (typeof event.error === 'string') return event.error;
  return detail?.message ?? null;
}

/** Reports progress at most once a second: plain logs stay short. */
function throttle(progress: Progress | undefined, everyMs = 1000): Progress {
  let last = Date.now();
  return (line) => {
    const now = Date.now();
    if (now - last >= everyMs) {
      last = now;
      progress?.(line);
    }
  };
}

export interface PullOutcome {
  ref: string;
  ok: boolean;
  id: string | null;
  error: string | null;
}

/** Pulls one image with progress; failures (no registry, unknown image) come back as data, not exceptions. */
export async function pullImage(engine: Engine, ref: string, options: { timeoutMs: number; onProgress?: Progress }): Promise<PullOutcome> {
  const abort = new AbortController();
  const timer = setTimeout(() => abort.abort(), options.timeoutMs);
  const tick = throttle(options.onProgress);
  let failure: string | null = null;
  try {
    const stream = (await engine.docker.pull(ref, { abortSignal: abort.signal } as never)) as unknown as Readable;
    await readJsonLines(stream, (event) => {
      const error = eventError(event);
      if (error) failure = error;
      const detail = event.progressDetail as { current?: number; total?: number } | undefined;
      const status = `${event.id ? `${event.id}: ` : ''}${event.status ?? ''}`;
      if (detail?.total) tick(`${ref}: ${status} ${formatBytes(detail.current ?? 0)} of ${formatBytes(detail.total)}`);
      else if (event.status) options.onProgress?.(`${ref}: ${status}`);
    });
  } catch (error) {
    failure = abort.signal.aborted ? `no answer from the registry within ${Math.round(options.timeoutMs / 1000)} s` : errorMessage(error).replace(/^\(HTTP code \d+\) [^-]*- /, '');
  } finally {
    clearTimeout(timer);
  }
  if (failure) return { ref, ok: false, id: null, error: String(failure).trim() };
  const inspected = await engine.docker.getImage(ref).inspect();
  return { ref, ok: true, id: inspected.Id, error: null };
}

/**
 * Writes a bundle: `shipshape-bundle.json` (tags, ids, digests) then every member of the engine's
 * image export. Written to a temporary name and renamed, so a failed save leaves no half bundle.
 */
export async function saveBundle(engine: Engine, refs: string[], file: string, onProgress?: Progress): Promise<{ file: string; bytes: number; manifest: BundleManifest }> {
  const { present, missing } = await imagePresence(engine, refs);
  if (missing.length > 0) {
    throw new UserError(
      `Cannot save the bundle: ${missing.length === 1 ? 'this image is' : 'these images are'} not on the engine at ${engine.info.endpoint}: ${missing.join(', ')}.`,
      2,
      'Pull them first (`shipshape images:pull`), or save on a machine that has them.',
    );
  }
  const manifest: BundleManifest = {
    schemaVersion: 1,
    createdAt: new Date().toISOString(),
    engine: { serverVersion: engine.info.serverVersion, apiVersion: engine.info.apiVersion, architecture: engine.info.architecture },
    images: present.map(({ ref, id, repoDigests, size }) => ({ ref, id, repoDigests, size })),
  };
  const target = path.resolve(file);
  const partial = `${target}.partial-${process.pid}`;
  onProgress?.(`saving ${present.length} image${present.length === 1 ? '' : 's'} (${formatBytes(present.reduce((sum, image) => sum + image.size, 0))} unpacked) to ${target}`);
  try {
    // `GET /images/get?names=…`: one export holding every image, layers shared between them stored once.
    const exported = (await (engine.docker as unknown as { getImages(options: { names: string[] }): Promise<Readable> }).getImages({ names: refs })) as Readable;
    const extract = tar.extract();
    const pack = tar.pack();
    pack.entry({ name: BUNDLE_MANIFEST, mtime: new Date(manifest.createdAt) }, `${JSON.stringify(manifest, null, 2)}\n`);
    extract.on('entry', (header, stream, next) => {
      stream.pipe(pack.entry(header, next));
    });
    extract.on('finish', () => pack.finalize());
    extract.on('error', (error) => pack.destroy(error));
    let written = 0;
    const tick = throttle(onProgress);
    const count = new Transform({
      transform(chunk: Buffer, _encoding, done) {
        written += chunk.length;
        tick(`saved ${formatBytes(written)}`);
        done(null, chunk);
      },
    });
    await Promise.all([pipeline(exported, extract), pipeline(pack as unknown as Readable, count, createWriteStream(partial))]);
    await rename(partial, target);
    onProgress?.(`saved ${formatBytes(written)}`);
    return { file: target, bytes: written, manifest };
  } catch (error) {
    await rm(partial, { force: true });
    if (error instanceof UserError) throw error;
    throw new UserError(`Saving the bundle ${target} failed: ${errorMessage(error)}`, 2, 'Check free space where the bundle goes and that the engine still answers, then try again.');
  }
}

/**
 * Reads the whole bundle once before anything reaches the engine: a truncated or damaged tar, a
 * missing or invalid manifest, or a bundle without the engine's `manifest.json` is caught here.
 */
export async function checkBundle(file: string): Promise<{ manifest: BundleManifest; bytes: number }> {
  const target = path.resolve(file);
  let bytes: number;
  try {
    const info = await stat(target);
    if (!info.isFile()) throw new Error('not a file');
    bytes = info.size;
  } catch (error) {
    throw new UserError(`Cannot read the bundle ${target}: ${errorMessage(error)}.`, 2, 'Give the path of a file made by `shipshape images:save`.');
  }
  const damaged = (why: string) =>
    new UserError(`The bundle ${target} is damaged or not a Shipshape bundle: ${why}.`, 2, 'Make it again with `shipshape images:save BUNDLE.tar` and copy it whole (check its size).');
  let manifestText: string | null = null;
  let first = true;
  let hasEngineManifest = false;
  const extract = tar.extract();
  let entries = 0;
  extract.on('entry', (header, stream, next) => {
    entries++;
    // A cut-off member fails its stream too; the extract's own error is the one reported.
    stream.on('error', () => undefined);
    const isManifest = first && header.name === BUNDLE_MANIFEST;
    first = false;
    if (header.name === 'manifest.json') hasEngineManifest = true;
    if (!isManifest) {
      stream.on('end', next);
      stream.resume();
      return;
    }
    const chunks: Buffer[] = [];
    stream.on('data', (chunk: unknown) => {
      chunks.push(chunk as Buffer);
    });
    stream.on('end', () => {
      manifestText = Buffer.concat(chunks).toString('utf8');
      next();
    });
  });
  try {
    await pipeline(createReadStream(target), extract);
  } catch (error) {
    const message = errorMessage(error);
    if (entries === 0) throw damaged('it is not a tar archive');
    throw damaged(/unexpected end|end of data/i.test(message) ? `it ends early (${formatBytes(bytes)}): it was cut off while copying` : message);
  }
  if (entries === 0) throw damaged('it is empty');
  if (manifestText === null) {
    throw hasEngineManifest
      ? new UserError(
          `${target} is a plain image archive (\`docker save\`), not a Shipshape bundle: it has no ${BUNDLE_MANIFEST} to check the load against.`,
          2,
          `Load it with \`docker load -i ${file}\`, or make a bundle with \`shipshape images:save\`.`,
        )
      : damaged(`${BUNDLE_MANIFEST} is not its first member`);
  }
  if (!hasEngineManifest) throw damaged('it holds no image export (no manifest.json)');
  let parsed: unknown;
  try {
    parsed = JSON.parse(manifestText);
  } catch (error) {
    throw damaged(`${BUNDLE_MANIFEST} is not JSON: ${errorMessage(error)}`);
  }
  const result = BundleManifestSchema.safeParse(parsed);
  if (!result.success) throw damaged(`${BUNDLE_MANIFEST} is invalid: ${result.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`).join('; ')}`);
  return { manifest: result.data, bytes };
}

export interface LoadOutcome {
  file: string;
  bytes: number;
  manifest: BundleManifest;
  loaded: Array<{ ref: string; id: string }>;
}

/** Loads a bundle with progress, then checks every listed tag is on the engine with the listed id. */
export async function loadBundle(
  engine: Engine,
  file: string,
  onProgress?: Progress,
  checked?: { manifest: BundleManifest; bytes: number },
): Promise<LoadOutcome> {
  const target = path.resolve(file);
  const { manifest, bytes } = checked ?? (await checkBundle(target));
  onProgress?.(`loading ${manifest.images.length} image${manifest.images.length === 1 ? '' : 's'} from ${target} (${formatBytes(bytes)}) into ${engine.info.endpoint}`);
  let sent = 0;
  const tick = throttle(onProgress);
  const count = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      sent += chunk.length;
      tick(`sent ${formatBytes(sent)} of ${formatBytes(bytes)}`);
      done(null, chunk);
    },
  });
  const source = createReadStream(target).pipe(count);
  let failure: string | null = null;
  try {
    const stream = (await engine.docker.loadImage(source, { quiet: false })) as unknown as Readable;
    await readJsonLines(stream, (event) => {
      const error = eventError(event);
      if (error) failure = error;
      else if (typeof event.stream === 'string' && event.stream.trim()) onProgress?.(event.stream.trim());
    });
  } catch (error) {
    failure = errorMessage(error).replace(/^\(HTTP code \d+\) [^-]*- /, '');
  }
  if (failure) {
    throw new UserError(
      `The engine at ${engine.info.endpoint} could not load the bundle ${target}: ${String(failure).trim()}`,
      2,
      /no space left/i.test(String(failure))
        ? 'Free space on the engine, then load again.'
        : 'The bundle may be damaged: make it again with `shipshape images:save` and copy it whole.',
    );
  }
  const loaded: Array<{ ref: string; id: string }> = [];
  const wrong: string[] = [];
  for (const image of manifest.images) {
    try {
      const inspected = await engine.docker.getImage(image.ref).inspect();
      if (inspected.Id === image.id) loaded.push({ ref: image.ref, id: inspected.Id });
      else wrong.push(`${image.ref} is ${inspected.Id.slice(7, 19)}, the bundle lists ${image.id.slice(7, 19)}`);
    } catch (error) {
      wrong.push(`${image.ref} is not on the engine after the load (${errorMessage(error)})`);
    }
  }
  if (wrong.length > 0) {
    throw new UserError(`The bundle ${target} did not load as listed: ${wrong.join('; ')}.`, 2, 'Make the bundle again with `shipshape images:save`, then load it again.');
  }
  onProgress?.(`loaded and checked ${loaded.length} image${loaded.length === 1 ? '' : 's'}`);
  return { file: target, bytes, manifest, loaded };
}
