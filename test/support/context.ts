import tarStream from 'tar-stream';
import { packBuildContext, planBuildContext } from '../../src/engine/context.js';

/** The tar entries the packer really sends for `root` (name and type as in the stream, in stream order). */
export async function packedEntries(root: string): Promise<Array<{ name: string; type: string }>> {
  const plan = await planBuildContext(root);
  const extract = tarStream.extract();
  const entries: Array<{ name: string; type: string }> = [];
  extract.on('entry', (header, stream, next) => {
    entries.push({ name: header.name, type: header.type ?? 'file' });
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
