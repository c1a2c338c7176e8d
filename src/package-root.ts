import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

// Found by walking up, never by counting levels: the commands run from a bundle (dist/bundle/, see
// scripts/bundle-cli.mjs) that sits deeper than the modules tsc writes (dist/), and the tests run src/.
const here = path.dirname(fileURLToPath(import.meta.url));

function nearestPackageRoot(from: string): string {
  for (let dir = from; ; dir = path.dirname(dir)) {
    if (existsSync(path.join(dir, 'package.json'))) return dir;
    if (path.dirname(dir) === dir) throw new Error(`no package.json above ${from}`);
  }
}

/** The installed package's root, where package.json, bin/ and the built-in course live. */
export const PACKAGE_ROOT = nearestPackageRoot(here);

/** The folder of this code under the root: dist when built, src under the tests. */
export const CODE_ROOT = path.join(PACKAGE_ROOT, path.relative(PACKAGE_ROOT, here).split(path.sep)[0]!);
