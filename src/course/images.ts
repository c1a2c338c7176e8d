import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { parse as parseYaml } from 'yaml';
import { DockerfileModel, type ModelOptions, flagValue } from '../checks/dockerfile/model.js';
import { UserError, errorMessage } from '../errors.js';
import type { ChallengePack } from './packs.js';

/** Where a challenge needs an image: `solution/Dockerfile:1`. */
export interface ImageUse {
  challenge: string;
  /** Relative to the pack directory. */
  file: string;
  line: number;
}

export interface NeededImage {
  /** As the engine names it: a tag defaults to `latest`. */
  ref: string;
  uses: ImageUse[];
}

const COMPOSE_FILE = /^(docker-)?compose(\.[\w-]+)?\.ya?ml$/;
/** The variants a challenge ships; hints and lessons are not built. */
const VARIANTS = ['starter', 'solution'];

/** `debian` → `debian:latest`; references with a tag or digest stay as written. */
export function normaliseRef(ref: string): string {
  if (ref.includes('@')) return ref;
  const lastPart = ref.slice(ref.lastIndexOf('/') + 1);
  return lastPart.includes(':') ? ref : `${ref}:latest`;
}

/**
 * Every external image the packs build from: FROM lines and `COPY --from=<image>` of the starter and
 * solution Dockerfiles (stage names and `scratch` skipped), and `image:` of compose services that are
 * not built. Sorted by reference.
 */
export async function neededImages(packs: ChallengePack[]): Promise<NeededImage[]> {
  const byRef = new Map<string, ImageUse[]>();
  const add = (ref: string, use: ImageUse) => {
    const key = normaliseRef(ref);
    byRef.set(key, [...(byRef.get(key) ?? []), use]);
  };
  for (const pack of packs) {
    const id = pack.manifest.id;
    for (const variant of VARIANTS) {
      const dir = path.join(pack.dir, variant);
      for (const file of await filesUnder(dir)) {
        const relative = path.relative(pack.dir, file);
        const name = path.basename(file);
        if (name === pack.manifest.dockerfile || name === 'Dockerfile' || name.endsWith('.Dockerfile') || name.startsWith('Dockerfile.')) {
          for (const found of dockerfileImages(relative, await readFile(file, 'utf8'), modelOptions(pack))) add(found.ref, { challenge: id, file: relative, line: found.line });
        } else if (COMPOSE_FILE.test(name)) {
          for (const found of composeImages(relative, await readFile(file, 'utf8'))) add(found.ref, { challenge: id, file: relative, line: found.line });
        }
      }
    }
  }
  return [...byRef.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([ref, uses]) => ({ ref, uses }));
}

/** How the pack's builds read FROM lines: its builder and build args. */
function modelOptions(pack: ChallengePack): ModelOptions {
  const build = pack.manifest.build as { buildkit?: boolean; args?: Record<string, string> } | undefined;
  return { builder: build?.buildkit ? 'buildkit' : 'classic', buildArgs: build?.args };
}

async function filesUnder(dir: string): Promise<string[]> {
  let entries;
  try {
    entries = await readdir(dir, { withFileTypes: true, recursive: true });
  } catch {
    return [];
  }
  return entries
    .filter((entry) => entry.isFile())
    .map((entry) => path.join(entry.parentPath, entry.name))
    .filter((file) => !file.split(path.sep).includes('node_modules') && !file.split(path.sep).includes('vendor'))
    .sort();
}

/**
 * External images of one Dockerfile, FROM references expanded as the builder does (global ARGs,
 * `--build-arg`s of the manifest, BuildKit's platform ARGs); stages reached through a variable are not images.
 */
export function dockerfileImages(file: string, source: string, options: ModelOptions = {}): Array<{ ref: string; line: number }> {
  const model = DockerfileModel.parse(file, source, options);
  const found: Array<{ ref: string; line: number }> = [];
  const usable = (ref: string) => ref !== '' && ref.toLowerCase() !== 'scratch' && !ref.includes('$') && !/^\d+$/.test(ref);
  for (const stage of model.stages) {
    if (!stage.parent && stage.unsetArgs.length === 0 && !stage.expansionError && usable(stage.image)) found.push({ ref: stage.image, line: stage.line });
    for (const instruction of stage.instructions) {
      if (instruction.getKeyword() !== 'COPY') continue;
      const from = flagValue(instruction, 'from');
      if (from && !model.earlierStage(from, stage.index) && usable(from)) found.push({ ref: from, line: instruction.getRange().start.line + 1 });
    }
  }
  return found;
}

/** `image:` of compose services without `build:` (a built service's image is its own tag, not a base). */
export function composeImages(file: string, source: string): Array<{ ref: string; line: number }> {
  let document: unknown;
  try {
    document = parseYaml(source);
  } catch (error) {
    throw new UserError(`Cannot read the compose file ${file}: ${errorMessage(error)}`, 2, 'Fix its YAML (`docker compose config` shows the problem).');
  }
  const services = (document as { services?: Record<string, { image?: unknown; build?: unknown } | null> } | null)?.services ?? {};
  const lines = source.split('\n');
  const found: Array<{ ref: string; line: number }> = [];
  for (const service of Object.values(services)) {
    if (!service || service.build !== undefined || typeof service.image !== 'string' || service.image.includes('$')) continue;
    const image = service.image;
    const index = lines.findIndex((text) => /^\s*image\s*:/.test(text) && text.includes(image));
    found.push({ ref: image, line: index + 1 });
  }
  return found;
}

export function describeUses(uses: ImageUse[]): string {
  const byChallenge = new Map<string, string[]>();
  for (const use of uses) byChallenge.set(use.challenge, [...(byChallenge.get(use.challenge) ?? []), `${use.file}:${use.line}`]);
  return [...byChallenge.entries()].map(([challenge, places]) => `${challenge} (${places.join(', ')})`).join('; ');
}
