import { readdir, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { LineCounter, parseDocument, isNode } from 'yaml';
import { UserError } from '../errors.js';
import { type Manifest, ManifestWithDefaults } from './manifest.js';

export const MANIFEST_FILE = 'manifest.yaml';

/** The installed package's root (dist/course/ -> ../..), where the built-in course lives. */
export const PACKAGE_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
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

/** Parses and validates a manifest, reporting every problem with file, line and column. */
export function parseManifest(file: string, text: string): Manifest {
  const lineCounter = new LineCounter();
  const document = parseDocument(text, { lineCounter, prettyErrors: false });
  if (document.errors.length > 0) {
    throw new ManifestError(
      document.errors.map((error) => {
        const position = lineCounter.linePos(error.pos[0]);
        return { file, line: position.line, column: position.col, path: '', message: `YAML: ${error.message.split('\n')[0]}` };
      }),
    );
  }
  const result = ManifestWithDefaults.safeParse(document.toJS());
  if (result.success) return result.data;
  throw new ManifestError(
    result.error.issues.map((issue) => {
      const at = locate(document, issue.path as Array<string | number>);
      const position = lineCounter.linePos(at);
      return { file, line: position.line, column: position.col, path: formatPath(issue.path as Array<string | number>), message: issue.message };
    }),
  );
}

/** The deepest node that exists along the issue's path, so a missing key points at its parent. */
export function locate(document: ReturnType<typeof parseDocument>, issuePath: Array<string | number>): number {
  for (let length = issuePath.length; length >= 0; length--) {
    const node = document.getIn(issuePath.slice(0, length), true);
    if (isNode(node) && node.range) return node.range[0];
  }
  return 0;
}

export function formatPath(parts: Array<string | number>): string {
  return parts.map((part, index) => (typeof part === 'number' ? `[${part}]` : index === 0 ? part : `.${part}`)).join('');
}

export async function loadPack(dir: string): Promise<ChallengePack> {
  const manifestPath = path.join(dir, MANIFEST_FILE);
  const text = await readFile(manifestPath, 'utf8');
  return { manifest: parseManifest(manifestPath, text), dir, manifestPath };
}

/** Directories searched for challenges: built-in course, SHIPSHAPE_PACKS entries, then --pack. */
export function packRoots(extra: string[] = []): string[] {
  const fromEnv = (process.env.SHIPSHAPE_PACKS ?? '').split(path.delimiter).filter(Boolean);
  return [BUILTIN_CHALLENGES, ...fromEnv, ...extra].map((root) => path.resolve(root));
}

export async function listPacks(roots: string[] = packRoots()): Promise<ChallengePack[]> {
  const packs: ChallengePack[] = [];
  const seen = new Map<string, string>();
  for (const root of roots) {
    let entries: string[];
    try {
      entries = (await readdir(root)).sort();
    } catch {
      continue;
    }
    for (const entry of entries) {
      const dir = path.join(root, entry);
      const isPack = await stat(path.join(dir, MANIFEST_FILE)).then(() => true, () => false);
      if (!isPack) continue;
      const pack = await loadPack(dir);
      const earlier = seen.get(pack.manifest.id);
      if (earlier) {
        throw new UserError(`Challenge id "${pack.manifest.id}" is defined twice: ${earlier} and ${pack.manifestPath}.`, 2, 'Rename one of them.');
      }
      seen.set(pack.manifest.id, pack.manifestPath);
      packs.push(pack);
    }
  }
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
