import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { parsedParamsOf, rememberParams } from '../checks/params.js';
import { writeFileAtomic } from '../workspace/atomic.js';
import type { Manifest } from './manifest.js';
import { CODE_ROOT } from '../package-root.js';

/**
 * Validated manifests remembered by content. Listing the course (challenge:list, status, the lookup in
 * verify) then needs neither the YAML parser nor the check schemas, which cost more start-up time than
 * everything else together. An entry counts only for the same manifest text and the same build of
 * Shipshape (dist/build-stamp.json, written by `npm run build`); code run from src/ (the unit tests) has
 * no stamp and always validates. Each check's parameters are kept as its kind's schema parsed them, so a
 * verify reaches its first static verdict without loading zod (src/checks/params.ts).
 */
const INDEX_VERSION = 2;
const MAX_ENTRIES = 300;
const STAMP_FILE = path.join(CODE_ROOT, 'build-stamp.json');

interface IndexEntry {
  textSha: string;
  manifest: Manifest;
  /** Guards against a damaged or hand-edited index: the manifest as stored must hash to this. */
  manifestSha: string;
  /** Per check (same order as manifest.checks): its parsed parameters, or null when they are parsed at each run. */
  params?: Array<{ value: unknown } | null>;
  /** The same guard for `params`; parameters that do not match it are not used (they are parsed again). */
  paramsSha?: string;
  usedAt: number;
}

interface IndexFile {
  version: number;
  stamp: string;
  entries: Record<string, IndexEntry>;
}

export interface PackIndex {
  lookup(manifestPath: string, textSha: string): Manifest | undefined;
  remember(manifestPath: string, textSha: string, manifest: Manifest): void;
  /** Writes the index when something was added; never fails the command (the index is only a cache). */
  save(): Promise<void>;
}

export function packIndexFile(): string {
  const dir = process.env.SHIPSHAPE_CACHE_DIR || path.join(process.env.XDG_CACHE_HOME || path.join(os.homedir(), '.cache'), 'shipshape');
  return path.join(dir, 'packs-index.json');
}

export interface PackIndexOptions {
  /** The build stamp to trust entries of (default: dist/build-stamp.json next to this module). */
  stampFile?: string;
  /** Where the index lives (default: packIndexFile()). */
  indexFile?: string;
}

export async function readPackIndex(options: PackIndexOptions = {}): Promise<PackIndex | undefined> {
  const stamp = await readFile(options.stampFile ?? STAMP_FILE, 'utf8').then((text) => (JSON.parse(text) as { stamp?: unknown }).stamp, () => undefined);
  if (typeof stamp !== 'string') return undefined;
  const file = options.indexFile ?? packIndexFile();
  const entries = await readEntries(file, stamp);
  const added = new Map<string, IndexEntry>();
  return {
    lookup(manifestPath, textSha) {
      const entry = entries[manifestPath];
      if (!entry || entry.textSha !== textSha || sha256(JSON.stringify(entry.manifest)) !== entry.manifestSha) return undefined;
      const { params } = entry;
      if (Array.isArray(params) && params.length === entry.manifest.checks.length && sha256(JSON.stringify(params)) === entry.paramsSha) {
        rememberParams(entry.manifest.checks, params);
      }
      return entry.manifest;
    },
    remember(manifestPath, textSha, manifest) {
      const params = parsedParamsOf(manifest.checks);
      rememberParams(manifest.checks, params);
      added.set(manifestPath, {
        textSha,
        manifest,
        manifestSha: sha256(JSON.stringify(manifest)),
        params,
        paramsSha: sha256(JSON.stringify(params)),
        usedAt: Date.now(),
      });
    },
    async save() {
      if (added.size === 0) return;
      // Another process may have written meanwhile: start from the file as it is now.
      const merged = { ...(await readEntries(file, stamp)), ...Object.fromEntries(added) };
      const kept = Object.entries(merged)
        .sort(([, a], [, b]) => b.usedAt - a.usedAt)
        .slice(0, MAX_ENTRIES);
      const data: IndexFile = { version: INDEX_VERSION, stamp, entries: Object.fromEntries(kept) };
      await writeFileAtomic(file, JSON.stringify(data)).catch(() => undefined);
    },
  };
}

/** The manifest of `text`: from the index when this exact text was validated by this build, else parsed. */
export async function validatedManifest(manifestPath: string, text: string, index?: PackIndex): Promise<Manifest> {
  const textSha = sha256(text);
  const known = index?.lookup(manifestPath, textSha);
  if (known) return known;
  const { parseManifest } = await import('./manifest-file.js');
  const manifest = parseManifest(manifestPath, text);
  index?.remember(manifestPath, textSha, manifest);
  return manifest;
}

async function readEntries(file: string, stamp: string): Promise<Record<string, IndexEntry>> {
  try {
    const data = JSON.parse(await readFile(file, 'utf8')) as Partial<IndexFile> | null;
    if (data?.version === INDEX_VERSION && data.stamp === stamp && data.entries && typeof data.entries === 'object') return data.entries;
  } catch {
    // Missing or unreadable: start empty.
  }
  return {};
}

function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}
