import tarStream from 'tar-stream';
import { packBuildContext, planBuildContext } from '../../src/engine/context.js';

export interface PackedEntry {
  name: string;
  type: string;
  /** The link target of a symlink entry, null for other entries. */
  linkname: string | null;
  /** Bytes of content in the stream (0 for links and directories). */
  bytes: number;
}

interface PackedRecord {
  header: tarStream.Headers;
  data: Buffer;
}

/** Every entry the packer really sends for `root`, with its header and content, in stream order. */
async function readPacked(root: string): Promise<PackedRecord[]> {
  const plan = await planBuildContext(root);
  const extract = tarStream.extract();
  const records: PackedRecord[] = [];
  extract.on('entry', (header, stream, next) => {
    const chunks: Buffer[] = [];
    stream.on('data', (chunk: Buffer) => chunks.push(chunk));
    stream.on('end', () => {
      records.push({ header, data: Buffer.concat(chunks) });
      next();
    });
  });
  const done = new Promise((resolve, reject) => {
    extract.on('finish', resolve);
    extract.on('error', reject);
  });
  packBuildContext(plan).pipe(extract);
  await done;
  return records;
}

/** The tar entries the packer really sends for `root` (as in the stream, in stream order). */
export async function packedEntries(root: string): Promise<PackedEntry[]> {
  return (await readPacked(root)).map(({ header, data }) => ({ name: header.name, type: header.type ?? 'file', linkname: header.linkname ?? null, bytes: data.length }));
}

/** The regular files the packer sends for `root`, by name: their bytes and mode as in the stream. */
export async function packedFiles(root: string): Promise<Map<string, { data: Buffer; mode: number }>> {
  const files = new Map<string, { data: Buffer; mode: number }>();
  for (const { header, data } of await readPacked(root)) {
    if ((header.type ?? 'file') === 'file') files.set(header.name, { data, mode: header.mode ?? 0 });
  }
  return files;
}
