import { readdir, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { UserError } from '../errors.js';
import type { Manifest } from './manifest.js';
import { readPackIndex, validatedManifest, type PackIndex } from './pack-index.js';
import { coursePackRoots } from './courses.js';
import { PACKAGE_ROOT } from '../package-root.js';

export const MANIFEST_FILE = 'manifest.yaml';

export { PACKAGE_ROOT };
export const BUILTIN_CHALLENGES = path.join(PACKAGE_ROOT, 'challenges');

export interface ChallengePack {
  manifest: Manifest;
  /** The challenge's directory (holds manifest.yaml, starter/, solution/, hints). */
  dir: string;
  manifestPath: string;
}

export interface ManifestProblem {
  file: string;
  line: number;
  column: number;
  /** Schema path, e.g. checks[2].with.min */
  path: string;
  message: string;
}

export class ManifestError extends UserError {
  constructor(readonly problems: ManifestProblem[]) {
    super(
      `Invalid challenge manifest:\n${problems.map((p) => `  ${p.file}:${p.line}:${p.column}${p.path ? ` ${p.path}` : ''}: ${p.message}`).join('\n')}`,
      2,
      'Fix the manifest; each line above names the place.',
    );
    this.name = 'ManifestError';
  }
}

export async function loadPack(dir: string, index?: PackIndex): Promise<ChallengePack> {
  const manifestPath = path.join(dir, MANIFEST_FILE);
  const text = await readFile(manifestPath, 'utf8');
  return { manifest: await validatedManifest(manifestPath, text, index), dir, manifestPath };
}

/**
 * Directories searched for challenges: the selected courses' (--course, SHIPSHAPE_COURSES, else the
 * built-in course and every installed one), then SHIPSHAPE_PACKS entries, then --pack.
 */
export function packRoots(extra: string[] = [], courses: string[] = []): Promise<string[]> {
  return coursePackRoots(extra, courses);
}

export async function listPacks(roots?: string[], options: { index?: PackIndex } = {}): Promise<ChallengePack[]> {
  roots ??= await packRoots();
  const packs: ChallengePack[] = [];
  const seen = new Map<string, string>();
  const index = options.index ?? (await readPackIndex());
  // Every manifest is found and read at once; validation (and the duplicate check) then goes in order.
  const found = await Promise.all(
    roots.map(async (root) => {
      const entries = await readdir(root).catch(() => [] as string[]);
      const dirs = await Promise.all(
        entries.sort().map(async (entry) => {
          const dir = path.join(root, entry);
          return (await stat(path.join(dir, MANIFEST_FILE)).then(() => true, () => false)) ? dir : null;
        }),
      );
      return dirs.filter((dir): dir is string => dir !== null);
    }),
  );
  const loading = found.flat().map((dir) => loadPack(dir, index).then((pack) => ({ pack }), (error: unknown) => ({ error })));
  for (const next of loading) {
    const loaded = await next;
    if ('error' in loaded) throw loaded.error;
    const { pack } = loaded;
    const earlier = seen.get(pack.manifest.id);
    if (earlier) {
      throw new UserError(`Challenge id "${pack.manifest.id}" is defined twice: ${earlier} and ${pack.manifestPath}.`, 2, 'Rename one of them.');
    }
    seen.set(pack.manifest.id, pack.manifestPath);
    packs.push(pack);
  }
  await index?.save();
  return packs;
}

export async function findPack(id: string, roots?: string[]): Promise<ChallengePack> {
  const packs = await listPacks(roots);
  const pack = packs.find((candidate) => candidate.manifest.id === id);
  if (pack) return pack;
  const near = packs.map((candidate) => candidate.manifest.id).filter((known) => known.includes(id) || id.includes(known));
  throw new UserError(
    `Unknown challenge "${id}".`,
    2,
    near.length > 0 ? `Did you mean ${near.join(' or ')}? ` : 'Run `shipshape challenge:list` to see the challenges.',
  );
}
