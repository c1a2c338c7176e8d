import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import Docker from 'dockerode';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { VerifyResult } from '../../src/grading/result.js';
import { shipshape } from '../support/cli.js';
import { dockerTestsEnabled, labelledObjects, requireEngine, requireImages } from '../support/engine.js';

/**
 * One size on every engine: 3 MB of zeros (which gzip shrinks to a few kB) must count as 3 MB added
 * on a graph driver and on the containerd image store alike, where the engine's own Size is the
 * compressed content. Run once per engine (DOCKER_HOST).
 */

const ID = 'size-demo';
const ZEROS = 3_000_000;
const DOCKERFILE = `FROM busybox:1.36\nRUN head -c ${ZEROS} /dev/zero > /zeros && ln -s /zeros /zeros-link\nCMD ["sleep", "60"]\n`;

const MANIFEST = `schemaVersion: 1
id: ${ID}
title: Size demo
difficulty: beginner
lesson: docker-intermediate
summary: Sizes mean the same on every image store.
hints: [hints/1.md]
starterFails: [tiny]
checks:
  - id: added
    kind: image.size-over-base
    title: Adds at most 3.1 MB
    with: { maxMegabytes: 3.1 }
    hint: Add less.
  - id: tiny
    kind: image.size-under
    title: Under 4 MB
    with: { maxMegabytes: 4 }
    hint: Smaller base.
  - id: no-waste
    kind: image.wasted-bytes
    title: Nothing hidden
    with: { maxMegabytes: 0 }
    hint: One RUN.
`;

describe.runIf(dockerTestsEnabled)('image sizes are the uncompressed layers on every image store', { timeout: 600_000 }, () => {
  let scratch: string;
  let packs: string;
  let workspace: string;

  beforeAll(async () => {
    requireEngine();
    requireImages('busybox:1.36');
    scratch = await mkdtemp(path.join(os.tmpdir(), 'shipshape-size-'));
    packs = path.join(scratch, 'packs');
    const pack = path.join(packs, ID);
    for (const dir of ['starter', 'solution', 'hints']) await mkdir(path.join(pack, dir), { recursive: true });
    await writeFile(path.join(pack, 'manifest.yaml'), MANIFEST);
    await writeFile(path.join(pack, 'task.md'), '# Demo\n');
    await writeFile(path.join(pack, 'hints', '1.md'), 'Less.\n');
    await writeFile(path.join(pack, 'starter', 'Dockerfile'), DOCKERFILE);
    await writeFile(path.join(pack, 'solution', 'Dockerfile'), DOCKERFILE);
    workspace = path.join(scratch, 'ws');
    const started = await shipshape(['challenge:start', ID, '--pack', packs, '--dir', workspace]);
    expect(started.exitCode, started.all).toBe(0);
  });

  afterAll(async () => {
    if (scratch) await rm(scratch, { recursive: true, force: true });
  });

  it('3 MB of zeros add 3 MB, measured as uncompressed layers, with the layers read matched to the image', async () => {
    const env = { XDG_CACHE_HOME: path.join(scratch, 'cache') };
    const result = await shipshape(['challenge:verify', '--dir', workspace, '--json', '--pack', packs], { env });
    const report = JSON.parse(result.stdout) as VerifyResult;
    const checks = Object.fromEntries(report.checks.map((check) => [check.id, check]));
    expect(await labelledObjects()).toEqual({ containers: 0, images: 0 });

    const added = checks.added!;
    expect(added.status, added.message).toBe('pass');
    expect(added.evidence).toMatchObject({ sizeMeasure: 'uncompressed layers' });
    // The file's bytes, plus the link's target where the layer's size counts it (a graph driver counts a
    // classic build's link, not a BuildKit one's): 3 MB either way, not the few kB of compressed zeros.
    const addedBytes = added.evidence!.addedBytes as number;
    expect(addedBytes).toBeGreaterThanOrEqual(ZEROS);
    expect(addedBytes).toBeLessThanOrEqual(ZEROS + '/zeros'.length);

    // The base's size is the same figure overlay2 reports for it, whatever the store says.
    const base = await new Docker().getImage('busybox:1.36').inspect();
    const store = ((await new Docker().info()) as { DriverStatus?: Array<[string, string]> }).DriverStatus ?? [];
    const containerd = store.some(([key, value]) => key === 'driver-type' && value.includes('containerd'));
    if (!containerd) expect(added.evidence!.baseBytes).toBe(base.Size);
    expect(checks.tiny!.evidence).toMatchObject({ sizeMeasure: 'uncompressed layers', imageBytes: (added.evidence!.baseBytes as number) + addedBytes });

    const waste = checks['no-waste']!;
    expect(waste.status, waste.message).toBe('pass');
    expect(waste.evidence).toMatchObject({ wastedBytes: 0, layersRead: { layers: base.RootFS!.Layers!.length + 1 } });
    expect(waste.evidence!.measured).toMatch(containerd ? /read from docker save's OCI layout/ : /read from docker save's (OCI|legacy) layout/);

    // On the containerd store the layers' figures are kept by diff id: a second verify reads no layer for the size.
    if (containerd) {
      const cache = JSON.parse(await readFile(path.join(scratch, 'cache', 'shipshape', 'layer-bytes.json'), 'utf8')) as Record<string, number>;
      for (const diffId of base.RootFS!.Layers!) expect(typeof cache[diffId]).toBe('number');
    }
  });
});
