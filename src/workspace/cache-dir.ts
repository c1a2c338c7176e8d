import os from 'node:os';
import path from 'node:path';

/** Where measurements that outlive a run are kept (starter baselines, layer sizes): $XDG_CACHE_HOME/shipshape. */
export function cacheDir(): string {
  return path.join(process.env.XDG_CACHE_HOME || path.join(os.homedir(), '.cache'), 'shipshape');
}
