import { lstat, readdir, readFile, realpath, stat } from 'node:fs/promises';
import path from 'node:path';
import { LineCounter, parseDocument } from 'yaml';
import { UserError } from '../errors.js';
import type { Manifest } from './manifest.js';
import { parseManifest } from './manifest-file.js';
import { formatPath, locate } from './yaml-position.js';
import { MANIFEST_FILE, ManifestError, type ManifestProblem } from './packs.js';

export interface PackReport {
  dir: string;
  /** The manifest's id, or null when it could not be read. */
  id: string | null;
  problems: ManifestProblem[];
}

export interface ValidationReport {
  packs: PackReport[];
}

/** Pack directories named by `targets`: each is a pack (has manifest.yaml) or a directory of packs. */
export async function findPackDirs(targets: string[], options: { requireEach?: boolean } = {}): Promise<string[]> {
  const dirs: string[] = [];
  for (const target of targets.map((entry) => path.resolve(entry))) {
    if (await isFile(path.join(target, MANIFEST_FILE))) {
      dirs.push(target);
      continue;
    }
    const entries = await readdir(target).catch(() => null);
    const found: string[] = [];
    for (const entry of (entries ?? []).sort()) {
      if (await isFile(path.join(target, entry, MANIFEST_FILE))) found.push(path.join(target, entry));
    }
    if (found.length === 0 && options.requireEach) {
      throw new UserError(
        `No challenge pack at ${target}: no ${MANIFEST_FILE} there or in its subdirectories.`,
        2,
        'Pass a pack directory (holding manifest.yaml) or a directory of packs.',
      );
    }
    dirs.push(...found);
  }
  return [...new Set(dirs)];
}

/** Validates every pack: schema, referenced files, paths staying inside the pack, hints, unique ids across packs. */
export async function validatePacks(dirs: string[]): Promise<ValidationReport> {
  const packs: PackReport[] = [];
  const seen = new Map<string, string>();
  for (const dir of dirs) {
    const report = await validatePack(dir);
    if (report.id) {
      const earlier = seen.get(report.id);
      const manifestPath = path.join(dir, MANIFEST_FILE);
      if (earlier) {
        const at = await positionOf(manifestPath, ['id']);
        report.problems.push({ file: manifestPath, ...at, path: 'id', message: `challenge id "${report.id}" is also used by ${earlier}` });
      } else seen.set(report.id, manifestPath);
    }
    packs.push(report);
  }
  return { packs };
}

export async function validatePack(dir: string): Promise<PackReport> {
  const file = path.join(dir, MANIFEST_FILE);
  const text = await readFile(file, 'utf8');
  let manifest: Manifest;
  try {
    manifest = parseManifest(file, text);
  } catch (error) {
    if (error instanceof ManifestError) {
      const id = /^id:\s*["']?([^\s"'#]+)/m.exec(text)?.[1] ?? null;
      return { dir, id, problems: error.problems };
    }
    throw error;
  }
  return { dir, id: manifest.id, problems: await crossCheck(dir, file, text, manifest) };
}

async function crossCheck(dir: string, file: string, text: string, manifest: Manifest): Promise<ManifestProblem[]> {
  const lineCounter = new LineCounter();
  const document = parseDocument(text, { lineCounter });
  const problems: ManifestProblem[] = [];
  const report = (at: Array<string | number>, message: string) => {
    const position = lineCounter.linePos(locate(document, at));
    problems.push({ file, line: position.line, column: position.col, path: formatPath(at), message });
  };
  const root = await realpath(dir);

  /** Resolves a pack path; reports and returns null when it is missing or leaves the pack. */
  const resolve = async (at: Array<string | number>, relative: string, expect: 'file' | 'dir'): Promise<string | null> => {
    const full = path.join(dir, relative);
    const entry = await lstat(full).catch(() => null);
    if (!entry) {
      report(at, `${relative} does not exist in the pack`);
      return null;
    }
    const real = await realpath(full).catch(() => null);
    if (!real) {
      report(at, `${relative} is a broken symlink`);
      return null;
    }
    if (!inside(root, real)) {
      report(at, `${relative} resolves to ${real}, outside the pack (symlink)`);
      return null;
    }
    const info = await stat(real);
    if (expect === 'file' && !info.isFile()) report(at, `${relative} is not a file`);
    else if (expect === 'dir' && !info.isDirectory()) report(at, `${relative} is not a directory`);
    else return real;
    return null;
  };

  await resolve(['task'], manifest.task, 'file');
  for (const [index, hint] of manifest.hints.entries()) {
    const real = await resolve(['hints', index], hint, 'file');
    if (real && (await readFile(real, 'utf8')).trim() === '') report(['hints', index], `${hint} is empty`);
  }
  for (const key of ['starter', 'solution'] as const) {
    const real = await resolve([key], manifest[key], 'dir');
    if (!real) continue;
    if (manifest.dockerfile) await resolve([key], path.join(manifest[key], manifest.dockerfile), 'file');
    if (manifest.compose) await resolve([key], path.join(manifest[key], manifest.compose), 'file');
    for (const override of manifest.composeOverrides ?? []) await resolve([key], path.join(manifest[key], override), 'file');
    for (const escaping of await symlinksLeaving(root, real, manifest[key])) {
      report([key], `${escaping.relative} is a symlink to ${escaping.target}, outside the pack`);
    }
  }
  return problems;
}

async function symlinksLeaving(root: string, dir: string, prefix: string): Promise<Array<{ relative: string; target: string }>> {
  const found: Array<{ relative: string; target: string }> = [];
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    const relative = `${prefix}/${entry.name}`;
    if (entry.isSymbolicLink()) {
      const target = await realpath(full).catch(() => null);
      if (target && !inside(root, target)) found.push({ relative, target });
    } else if (entry.isDirectory()) found.push(...(await symlinksLeaving(root, full, relative)));
  }
  return found;
}

function inside(root: string, candidate: string): boolean {
  const relative = path.relative(root, candidate);
  return relative === '' || (!relative.startsWith('..') && !path.isAbsolute(relative));
}

async function positionOf(file: string, at: Array<string | number>): Promise<{ line: number; column: number }> {
  const lineCounter = new LineCounter();
  const document = parseDocument(await readFile(file, 'utf8'), { lineCounter });
  const position = lineCounter.linePos(locate(document, at));
  return { line: position.line, column: position.col };
}

async function isFile(file: string): Promise<boolean> {
  return stat(file).then((info) => info.isFile(), () => false);
}

export function formatProblem(problem: ManifestProblem, cwd = process.cwd()): string {
  const relative = path.relative(cwd, problem.file);
  const shown = relative.startsWith('..') || path.isAbsolute(relative) ? problem.file : relative;
  return `${shown}:${problem.line}:${problem.column}${problem.path ? ` ${problem.path}` : ''}: ${problem.message}`;
}
