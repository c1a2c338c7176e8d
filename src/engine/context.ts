import path from 'node:path';
import type { Readable } from 'node:stream';
import tar from 'tar-fs';
import { type BuildContextPlan, toPosix } from '../workspace/build-context.js';

export { type BuildContextPlan, parseIgnoreFile, planBuildContext } from '../workspace/build-context.js';

/** A tar stream of exactly the planned paths; symlinks are sent as links, as the docker CLI does. */
export function packBuildContext(plan: BuildContextPlan): Readable {
  return tar.pack(plan.dir, {
    ignore: (absolute: string) => {
      const relative = toPosix(path.relative(plan.dir, absolute));
      return relative !== '' && !plan.included.has(relative);
    },
  }) as unknown as Readable;
}
