import fs from 'node:fs';
import path from 'node:path';
import { Readable } from 'node:stream';
import tar from 'tar-fs';
import { type BuildContextPlan, toPosix } from '../workspace/build-context.js';

export { type BuildContextPlan, parseIgnoreFile, planBuildContext } from '../workspace/build-context.js';

/** Files up to this size are read in one call; bigger ones are streamed. */
const READ_AT_ONCE_BYTES = 1024 * 1024;

/**
 * The file system tar-fs packs through. tar-fs takes one file at a time, and with Node's asynchronous
 * calls each small file costs four trips through the thread pool (lstat, open, read, close): for a
 * context of 10 000 small files that waiting was most of the time to the first step, where the docker
 * CLI makes the same calls directly. Here lstat and the read of a small file are made directly too;
 * big files still stream. A file read at once is cut to the size tar-fs asked for, as its ranged stream
 * would be, so a file that changes while it is packed fails the same way.
 */
const directFs = {
  ...fs,
  lstat(file: string, callback: (error: NodeJS.ErrnoException | null, stats?: fs.Stats) => void) {
    let stats: fs.Stats;
    try {
      stats = fs.lstatSync(file);
    } catch (error) {
      queueMicrotask(() => callback(error as NodeJS.ErrnoException));
      return;
    }
    queueMicrotask(() => callback(null, stats));
  },
  createReadStream(file: string, options: { start: number; end: number }): Readable {
    const wanted = options.end + 1;
    if (wanted > READ_AT_ONCE_BYTES) return fs.createReadStream(file, options);
    try {
      return Readable.from([fs.readFileSync(file).subarray(0, wanted)], { objectMode: false });
    } catch {
      // Said by the stream, where tar-fs listens for it.
      return fs.createReadStream(file, options);
    }
  },
};

/** A tar stream of exactly the planned paths; symlinks are sent as links, as the docker CLI does. */
export function packBuildContext(plan: BuildContextPlan): Readable {
  const options = {
    // tar-fs takes its file system as an option (its types leave it out).
    fs: directFs,
    ignore: (absolute: string) => {
      const relative = toPosix(path.relative(plan.dir, absolute));
      return relative !== '' && !plan.included.has(relative);
    },
  };
  return tar.pack(plan.dir, options as tar.PackOptions) as unknown as Readable;
}
