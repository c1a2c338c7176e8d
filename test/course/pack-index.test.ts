import { createHash } from 'node:crypto';
import { cp, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parseManifest } from '../../src/course/manifest-file.js';
import { readPackIndex } from '../../src/course/pack-index.js';
import { checkParams } from '../../src/checks/params.js';
import { findCheckKind, loadCheckKinds } from '../../src/checks/registry.js';
import { BUILTIN_CHALLENGES, ManifestError, listPacks } from '../../src/course/packs.js';
import { ROOT, shipshape } from '../support/cli.js';

let scratch: string;
let stampFile: string;
let indexFile: string;

beforeEach(async () => {
  scratch = await mkdtemp(path.join(os.tmpdir(), 'shipshape-packindex-'));
  stampFile = path.join(scratch, 'build-stamp.json');
  indexFile = path.join(scratch, 'cache', 'packs-index.json');
  await writeFile(stampFile, JSON.stringify({ stamp: 'build-one' }));
});
afterEach(async () => {
  await rm(scratch, { recursive: true, force: true });
});

const index = () => readPackIndex({ stampFile, indexFile });
const readIndex = async () => JSON.parse(await readFile(indexFile, 'utf8')) as { stamp: string; entries: Record<string, { manifest: { title: string }; manifestSha: string; params: Array<{ value: Record<string, unknown> } | null>; paramsSha: string }> };

/** A copy of the seed challenge under its own id, in a pack root of this test. */
async function copySeed(id = 'index-demo'): Promise<{ root: string; manifestPath: string }> {
  const root = path.join(scratch, 'packs');
  const dir = path.join(root, id);
  await cp(path.join(BUILTIN_CHALLENGES, 'docker-missing-multistage'), dir, { recursive: true });
  const manifestPath = path.join(dir, 'manifest.yaml');
  const text = await readFile(manifestPath, 'utf8');
  await writeFile(manifestPath, text.replace(/^id: .*$/m, `id: ${id}`));
  return { root, manifestPath };
}

describe('the validated-manifest index', () => {
  it('remembers every built-in manifest exactly as parsing gives it', async () => {
    const first = await listPacks(undefined, { index: await index() });
    expect(first.length).toBeGreaterThanOrEqual(13);
    const stored = await readIndex();
    expect(Object.keys(stored.entries)).toHaveLength(first.length);
    const second = await listPacks(undefined, { index: await index() });
    for (const [position, pack] of second.entries()) {
      // Only keys holding `undefined` (an absent optional field) do not survive JSON; nothing reads them with `in`.
      const parsed = parseManifest(pack.manifestPath, await readFile(pack.manifestPath, 'utf8'));
      expect(pack.manifest).toStrictEqual(JSON.parse(JSON.stringify(parsed)));
      expect(pack.manifest).toEqual(parsed);
      expect(pack.manifest).toEqual(first[position]!.manifest);
    }
  });

  it('is used when the manifest text is unchanged, and ignored when the text, the build or the stored value changed', async () => {
    const { root, manifestPath } = await copySeed();
    await listPacks([root], { index: await index() });
    // Mark the stored entry (keeping its checksum valid) to see whether the next listing reads it.
    const stored = await readIndex();
    const entry = stored.entries[manifestPath]!;
    entry.manifest.title = 'Title from the index';
    entry.manifestSha = createHash('sha256').update(JSON.stringify(entry.manifest)).digest('hex');
    await writeFile(indexFile, JSON.stringify(stored));
    expect((await listPacks([root], { index: await index() }))[0]!.manifest.title).toBe('Title from the index');

    // A stored value that does not match its checksum (damaged or edited by hand) is not trusted.
    entry.manifest.title = 'Edited without the checksum';
    await writeFile(indexFile, JSON.stringify(stored));
    expect((await listPacks([root], { index: await index() }))[0]!.manifest.title).not.toMatch(/index|checksum/);

    // Another build of Shipshape does not trust the entries of this one.
    entry.manifest.title = 'Title from the index';
    entry.manifestSha = createHash('sha256').update(JSON.stringify(entry.manifest)).digest('hex');
    await writeFile(indexFile, JSON.stringify(stored));
    await writeFile(stampFile, JSON.stringify({ stamp: 'build-two' }));
    expect((await listPacks([root], { index: await index() }))[0]!.manifest.title).not.toBe('Title from the index');
    expect((await readIndex()).stamp).toBe('build-two');
  });

  it("keeps each check's parsed parameters with the manifest, used only while their checksum holds", async () => {
    const { root, manifestPath } = await copySeed();
    await listPacks([root], { index: await index() });
    const stored = await readIndex();
    const entry = stored.entries[manifestPath]!;
    const position = (await listPacks([root], { index: await index() }))[0]!.manifest.checks.findIndex((check) => check.kind === 'dockerfile.stage-count');
    // As the kind's schema parsed the `with:` block.
    expect(entry.params[position]).toEqual({ value: { min: 2 } });
    const paramsOf = async () => {
      const check = (await listPacks([root], { index: await index() }))[0]!.manifest.checks[position]!;
      await loadCheckKinds([check.kind]);
      return checkParams(findCheckKind(check.kind)!, check);
    };
    expect(await paramsOf()).toEqual({ min: 2 });

    // Marked in the index with a valid checksum: the verify takes the stored value, without parsing again.
    entry.params[position] = { value: { min: 7 } };
    entry.paramsSha = createHash('sha256').update(JSON.stringify(entry.params)).digest('hex');
    await writeFile(indexFile, JSON.stringify(stored));
    expect(await paramsOf()).toEqual({ min: 7 });

    // Changed without the checksum (damaged, edited by hand): not used; the `with:` block is parsed again.
    entry.params[position] = { value: { min: 9 } };
    await writeFile(indexFile, JSON.stringify(stored));
    expect(await paramsOf()).toEqual({ min: 2 });
  });

  it('a check whose parameters were not validated before is parsed by its kind (defaults, refusals)', async () => {
    await loadCheckKinds(['dockerfile.stage-count']);
    const kind = findCheckKind('dockerfile.stage-count')!;
    expect(await checkParams(kind, { kind: kind.kind, with: {} })).toEqual({ min: 2 });
    await expect(checkParams(kind, { kind: kind.kind, with: { min: 0 } })).rejects.toThrow();
  });

  it('a manifest broken after it was indexed is reported, never answered from the index', async () => {
    const { root, manifestPath } = await copySeed();
    await listPacks([root], { index: await index() });
    const text = await readFile(manifestPath, 'utf8');
    await writeFile(manifestPath, text.replace(/^difficulty: .*$/m, 'difficulty: impossible'));
    const error = await listPacks([root], { index: await index() }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(ManifestError);
    expect((error as ManifestError).problems[0]).toMatchObject({ file: manifestPath, path: 'difficulty' });
  });

  it('an unreadable index is ignored and replaced', async () => {
    const { root } = await copySeed();
    await mkdir(path.dirname(indexFile), { recursive: true });
    await writeFile(indexFile, '{ not json');
    const packs = await listPacks([root], { index: await index() });
    expect(packs[0]!.manifest.id).toBe('index-demo');
    expect(Object.keys((await readIndex()).entries)).toHaveLength(1);
  });

  it('without a build stamp (code run from src/) nothing is indexed', async () => {
    await rm(stampFile);
    expect(await index()).toBeUndefined();
  });

  it('the built CLI indexes once, then still refuses a manifest broken since (challenge:list)', async () => {
    const { root, manifestPath } = await copySeed('index-cli-demo');
    const env = { SHIPSHAPE_CACHE_DIR: path.join(scratch, 'cli-cache') };
    const first = await shipshape(['challenge:list', '--json', '--pack', root], { env, cwd: scratch });
    expect(first.exitCode, first.all).toBe(0);
    expect(JSON.parse(first.stdout).challenges.map((row: { id: string }) => row.id)).toContain('index-cli-demo');
    const cached = JSON.parse(await readFile(path.join(env.SHIPSHAPE_CACHE_DIR, 'packs-index.json'), 'utf8'));
    expect(Object.keys(cached.entries)).toContain(manifestPath);
    expect(cached.stamp).toBe(JSON.parse(await readFile(path.join(ROOT, 'dist', 'build-stamp.json'), 'utf8')).stamp);

    await writeFile(manifestPath, (await readFile(manifestPath, 'utf8')).replace(/^difficulty: .*$/m, 'difficulty: impossible'));
    const second = await shipshape(['challenge:list', '--pack', root], { env, cwd: scratch });
    expect(second.exitCode).toBe(2);
    expect(second.stderr).toContain(`${manifestPath}:`);
    expect(second.stderr).toContain('difficulty');
    expect(second.all).not.toMatch(/\n\s+at /);
  });
});
