import { createHash } from 'node:crypto';
import type { Readable } from 'node:stream';
import { gzipSync } from 'node:zlib';
import { compress as zstdCompress, init } from '@bokuweb/zstd-wasm';
import tarStream from 'tar-stream';

/** Synthetic `docker save` archives in each layout the engines write, built with tar-stream (and a zstd encoder). */

/** Call once (beforeAll) before building zstd layers. */
export const zstdReady = () => init();

export type Entry = { name: string; content?: number | string; type?: 'file' | 'directory' | 'symlink'; linkname?: string };
export type Compression = 'none' | 'gzip' | 'zstd';

export async function tarOf(entries: Array<Entry | [string, Buffer | string]>, options: { trailing?: number } = {}): Promise<Buffer> {
  const pack = tarStream.pack();
  for (const entry of entries) {
    if (Array.isArray(entry)) pack.entry({ name: entry[0] }, entry[1]);
    else if (entry.type === 'directory') pack.entry({ name: entry.name, type: 'directory' });
    else if (entry.type === 'symlink') pack.entry({ name: entry.name, type: 'symlink', linkname: entry.linkname! });
    else pack.entry({ name: entry.name }, typeof entry.content === 'string' ? entry.content : Buffer.alloc(entry.content ?? 0, 1));
  }
  pack.finalize();
  const chunks: Buffer[] = [];
  for await (const chunk of pack as unknown as AsyncIterable<Buffer>) chunks.push(chunk);
  // GNU tar pads to whole records: the diff id covers the padding too.
  return Buffer.concat([...chunks, Buffer.alloc(options.trailing ?? 0)]);
}

export const sha = (data: Buffer) => `sha256:${createHash('sha256').update(data).digest('hex')}`;
export const hex = (digest: string) => digest.slice('sha256:'.length);

export function compressed(tar: Buffer, how: Compression): Buffer {
  if (how === 'gzip') return gzipSync(tar);
  if (how === 'zstd') return Buffer.from(zstdCompress(tar, 3));
  return tar;
}

export interface LayerSpec {
  tar: Buffer;
  createdBy: string;
  compression?: Compression;
}

export function configOf(layers: LayerSpec[], diffIds = layers.map((layer) => sha(layer.tar))): string {
  const history = layers.flatMap((layer) => [{ created_by: 'ENV X=1', empty_layer: true }, { created_by: layer.createdBy }]);
  return JSON.stringify({ architecture: 'amd64', os: 'linux', rootfs: { type: 'layers', diff_ids: diffIds }, history });
}

export async function packArchive(files: Array<{ name: string; data: Buffer | string; type?: 'symlink'; linkname?: string }>): Promise<Readable> {
  const pack = tarStream.pack();
  for (const file of files) {
    if (file.type === 'symlink') pack.entry({ name: file.name, type: 'symlink', linkname: file.linkname! });
    else pack.entry({ name: file.name }, file.data);
  }
  pack.finalize();
  return pack as unknown as Readable;
}

/** Docker up to 24: `<id>/layer.tar`, `<config>.json`, manifest.json last; a repeated layer is a symlink to the first. */
export async function legacyArchive(layers: LayerSpec[], options: { linkSecondToFirst?: boolean } = {}) {
  const config = configOf(layers);
  const configName = `${hex(sha(Buffer.from(config)))}.json`;
  const files: Parameters<typeof packArchive>[0] = [];
  const names = layers.map((_, index) => `layer${index}/layer.tar`);
  for (const [index, layer] of layers.entries()) {
    if (index === 1 && options.linkSecondToFirst) files.push({ name: names[1]!, data: '', type: 'symlink', linkname: '../layer0/layer.tar' });
    else files.push({ name: names[index]!, data: layer.tar });
  }
  files.push({ name: configName, data: config });
  files.push({ name: 'manifest.json', data: JSON.stringify([{ Config: configName, RepoTags: ['demo:1'], Layers: names }]) });
  return packArchive(files);
}

/** Docker 25+: blobs under blobs/sha256/ named by digest (of the stored, maybe compressed, bytes), index.json and manifest.json. */
export async function ociArchive(layers: LayerSpec[], options: { withoutManifestJson?: boolean; dropBlob?: number; diffIds?: string[]; extraBlobs?: Buffer[] } = {}) {
  const config = Buffer.from(configOf(layers, options.diffIds));
  const stored = layers.map((layer) => compressed(layer.tar, layer.compression ?? 'none'));
  const mediaType = { none: 'application/vnd.oci.image.layer.v1.tar', gzip: 'application/vnd.oci.image.layer.v1.tar+gzip', zstd: 'application/vnd.oci.image.layer.v1.tar+zstd' };
  const manifest = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: sha(config), size: config.length },
      layers: stored.map((blob, index) => ({ mediaType: mediaType[layers[index]!.compression ?? 'none'], digest: sha(blob), size: blob.length })),
    }),
  );
  const index = { schemaVersion: 2, mediaType: 'application/vnd.oci.image.index.v1+json', manifests: [{ mediaType: 'application/vnd.oci.image.manifest.v1+json', digest: sha(manifest), size: manifest.length }] };
  const files: Parameters<typeof packArchive>[0] = [];
  for (const [position, blob] of stored.entries()) if (position !== options.dropBlob) files.push({ name: `blobs/sha256/${hex(sha(blob))}`, data: blob });
  for (const extra of options.extraBlobs ?? []) files.push({ name: `blobs/sha256/${hex(sha(extra))}`, data: extra });
  files.push({ name: `blobs/sha256/${hex(sha(config))}`, data: config });
  files.push({ name: `blobs/sha256/${hex(sha(manifest))}`, data: manifest });
  files.push({ name: 'index.json', data: JSON.stringify(index) });
  if (!options.withoutManifestJson) {
    files.push({
      name: 'manifest.json',
      data: JSON.stringify([{ Config: `blobs/sha256/${hex(sha(config))}`, RepoTags: ['demo:1'], Layers: stored.map((blob) => `blobs/sha256/${hex(sha(blob))}`) }]),
    });
  }
  files.push({ name: 'oci-layout', data: '{"imageLayoutVersion":"1.0.0"}' });
  return packArchive(files);
}

