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

/** The tar entries the packer really sends for `root` (as in the stream, in stream order). */
export async function packedEntries(root: string): Promise<PackedEntry[]> {
  const plan = await planBuildContext(root);
  const extract = tarStream.extract();
  const entries: PackedEntry[] = [];
  extract.on('entry', (header, stream, next) => {
    const entry: PackedEntry = { name: header.name, type: header.type ?? 'file', linkname: header.linkname ?? null, bytes: 0 };
    entries.push(entry);
    stream.on('data', (chunk: unknown) => {
      entry.bytes += (chunk as Uint8Array).length;
    });
    stream.on('end', next);
    stream.resume();
  });
  const done = new Promise((resolve, reject) => {
    extract.on('finish', resolve);
    extract.on('error', reject);
  });
  packBuildContext(plan).pipe(extract);
  await done;
  return entries;
}
