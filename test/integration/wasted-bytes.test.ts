import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { VerifyResult } from '../../src/grading/result.js';
import { shipshape } from '../support/cli.js';
import { labelledObjects, requireEngine, requireImages } from '../support/engine.js';
import { describeNeeding, needs } from '../support/needs.js';

const ID = 'wasted-demo';
const WASTEFUL = 'FROM debian:bookworm-slim\nRUN head -c 1048576 /dev/urandom > /blob\nRUN rm /blob\nCMD ["sleep", "60"]\n';
const TIDY = 'FROM debian:bookworm-slim\nRUN head -c 1048576 /dev/urandom > /blob && rm /blob\nCMD ["sleep", "60"]\n';

const MANIFEST = `schemaVersion: 1
id: ${ID}
title: Wasted bytes demo
difficulty: beginner
lesson: docker-intermediate
summary: A file added in one layer and deleted in the next still costs its bytes.
hints: [hints/1.md]
starterFails: [no-waste, small]
checks:
  - id: no-waste
    kind: image.wasted-bytes
    title: No bytes hidden by later layers
    with: { maxMegabytes: 0.1 }
    hint: Create and delete temporary files in the same RUN.
  - id: small
    kind: image.size-over-base
    title: Adds at most 0.5 MB
    with: { maxMegabytes: 0.5 }
    hint: Delete temporary files in the RUN that made them.
`;

describeNeeding(needs.engine)('wasted bytes read from the image layers', { timeout: 600_000 }, () => {
  let scratch: string;
  let packs: string;
  let workspace: string;

  beforeAll(async () => {
    requireEngine();
    requireImages('debian:bookworm-slim');
    scratch = await mkdtemp(path.join(os.tmpdir(), 'shipshape-wasted-'));
    packs = path.join(scratch, 'packs');
    const pack = path.join(packs, ID);
    for (const dir of ['starter', 'solution', 'hints']) await mkdir(path.join(pack, dir), { recursive: true });
    await writeFile(path.join(pack, 'manifest.yaml'), MANIFEST);
    await writeFile(path.join(pack, 'task.md'), '# Demo\n');
    await writeFile(path.join(pack, 'hints', '1.md'), 'One RUN.\n');
    await writeFile(path.join(pack, 'starter', 'Dockerfile'), WASTEFUL);
    await writeFile(path.join(pack, 'solution', 'Dockerfile'), TIDY);
    workspace = path.join(scratch, 'ws');
    const started = await shipshape(['challenge:start', ID, '--pack', packs, '--dir', workspace]);
    expect(started.exitCode, started.all).toBe(0);
  });

  afterAll(async () => {
    if (scratch) await rm(scratch, { recursive: true, force: true });
  });

  async function verify(dockerfile: string) {
    await writeFile(path.join(workspace, 'Dockerfile'), dockerfile);
    const result = await shipshape(['challenge:verify', '--dir', workspace, '--json', '--pack', packs]);
    expect(await labelledObjects()).toEqual({ containers: 0, images: 0 });
    const report = JSON.parse(result.stdout) as VerifyResult;
    return { exitCode: result.exitCode, checks: Object.fromEntries(report.checks.map((check) => [check.id, check])) };
  }

  it('a 1 MiB file added in one RUN and deleted in the next: 1,048,576 bytes wasted, named with both instructions', async () => {
    const { exitCode, checks } = await verify(WASTEFUL);
    expect(exitCode).toBe(1);
    expect(checks['no-waste']!.status).toBe('fail');
    expect(checks['no-waste']!.message).toBe(
      '1.0 MB in 1 file added in one layer and deleted or overwritten in a later one; biggest: /blob (1.0 MB, added by RUN head -c 1048576 /dev/urandom > /blob, deleted by RUN rm /blob); budget 100.0 kB',
    );
    expect(checks['no-waste']!.evidence).toMatchObject({
      wastedBytes: 1_048_576,
      files: 1,
      top: [{ path: '/blob', bytes: 1_048_576, how: 'deleted', addedInLayer: 2, removedInLayer: 3 }],
    });
    // The size check says how much of what the image adds is invisible to any container.
    expect(checks.small!.status).toBe('fail');
    expect(checks.small!.message).toMatch(/^adds 1\.0 MB over debian:bookworm-slim .*; of that, 1\.0 MB in 1 file added in one layer and deleted or overwritten in a later one; biggest: \/blob /);
    expect(checks.small!.evidence).toMatchObject({ wasted: { totalBytes: 1_048_576 } });
  });

  it('created and deleted in the same RUN: nothing wasted, nothing added', async () => {
    const { exitCode, checks } = await verify(TIDY);
    expect(exitCode).toBe(0);
    expect(checks['no-waste']!.message).toBe('no bytes are hidden by later layers; budget 100.0 kB');
    expect(checks['no-waste']!.evidence).toMatchObject({ wastedBytes: 0, baseLayers: 1 });
  });
});
