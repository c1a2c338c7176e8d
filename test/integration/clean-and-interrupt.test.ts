import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import Docker from 'dockerode';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LABEL_OWNER, LABEL_RUN, LABEL_SESSION, LABEL_TOOL, TOOL_NAME, toolFilter } from '../../src/engine/labels.js';
import { ROOT, shipshape, verifyUntil } from '../support/cli.js';
import { labelledObjects, requireEngine, requireImages, testSession, waitFor } from '../support/engine.js';
import { describeNeeding, needs } from '../support/needs.js';

const ID = 'docker-missing-multistage';

describeNeeding(needs.engine)('leftovers and interrupts', { timeout: 300_000 }, () => {
  let scratch: string;
  let workspace: string;

  beforeAll(async () => {
    requireEngine();
    requireImages('composer:2', 'php:8.2-fpm-alpine', 'debian:bookworm-slim');
    scratch = await mkdtemp(path.join(os.tmpdir(), 'shipshape-int-'));
    workspace = path.join(scratch, ID);
    expect((await shipshape(['challenge:start', ID, '--dir', workspace])).exitCode).toBe(0);
    await cp(path.join(ROOT, 'challenges', ID, 'solution'), workspace, { recursive: true });
  });

  afterAll(async () => {
    if (scratch) await rm(scratch, { recursive: true, force: true });
  });

  it('`clean --dry-run` lists what a crashed run left, `clean` removes it', async () => {
    const docker = new Docker();
    const container = await docker.createContainer({
      Image: 'debian:bookworm-slim',
      Cmd: ['true'],
      Labels: { [LABEL_TOOL]: TOOL_NAME, [LABEL_RUN]: 'crashed-run', [LABEL_SESSION]: testSession(), [LABEL_OWNER]: `${os.hostname()}:999999999` },
    });
    try {
      const dry = await shipshape(['clean', '--dry-run']);
      expect(dry.exitCode, dry.all).toBe(0);
      expect(dry.stdout).toContain('Would remove 1 containers and 0 images');
      expect(dry.stdout).toContain(container.id.slice(0, 12));
      expect(await labelledObjects()).toEqual({ containers: 1, images: 0 });

      const real = await shipshape(['clean', '--json']);
      expect(real.exitCode, real.all).toBe(0);
      expect(JSON.parse(real.stdout).removed).toEqual({ containers: 1, images: 0 });
      expect(await labelledObjects()).toEqual({ containers: 0, images: 0 });
      expect((await shipshape(['clean'])).stdout).toContain('Nothing left behind.');
    } finally {
      await container.remove({ force: true }).catch(() => undefined);
    }
  });

  it('`clean` leaves alone the objects of a run still in progress, `clean --all` takes them too', async () => {
    const docker = new Docker();
    // Owned by this test process, which is alive while the CLI child runs.
    const container = await docker.createContainer({
      Image: 'debian:bookworm-slim',
      Cmd: ['true'],
      Labels: { [LABEL_TOOL]: TOOL_NAME, [LABEL_RUN]: 'live-run', [LABEL_SESSION]: testSession(), [LABEL_OWNER]: `${os.hostname()}:${process.pid}` },
    });
    try {
      const polite = await shipshape(['clean']);
      expect(polite.exitCode, polite.all).toBe(0);
      expect(polite.stdout).toContain('Nothing left behind.');
      expect(polite.stdout).toContain('Left alone: 1 objects of runs still in progress');
      expect(await labelledObjects()).toEqual({ containers: 1, images: 0 });

      const forced = await shipshape(['clean', '--all', '--json']);
      expect(forced.exitCode, forced.all).toBe(0);
      expect(JSON.parse(forced.stdout).removed).toEqual({ containers: 1, images: 0 });
      expect(await labelledObjects()).toEqual({ containers: 0, images: 0 });
    } finally {
      await container.remove({ force: true }).catch(() => undefined);
    }
  });

  it('Ctrl-C during the health wait stops the container and removes everything', async () => {
    const dockerfile = path.join(workspace, 'Dockerfile');
    const original = await readFile(dockerfile, 'utf8');
    await writeFile(dockerfile, original.replace(/^HEALTHCHECK .*$/m, 'HEALTHCHECK --timeout=60s --retries=10 CMD ["sleep", "600"]'));
    try {
      const { child } = await verifyUntil(workspace, 'Runtime checks');
      // Wait until the container under test is really running.
      const docker = new Docker();
      const runningOfOurs = () => docker.listContainers({ filters: toolFilter(testSession()) });
      await waitFor('the container under test to run', async () => (await runningOfOurs()).length > 0);
      const [running] = await runningOfOurs();
      expect(running).toBeDefined();
      // Containment of learner code, read back from the engine.
      const host = (await docker.getContainer(running!.Id).inspect()).HostConfig;
      expect(host.Memory).toBe(512 * 1024 * 1024);
      expect(host.PidsLimit).toBe(256);
      expect(host.NanoCpus).toBe(1_000_000_000);
      expect(host.SecurityOpt).toEqual(['no-new-privileges']);
      expect(host.Privileged).toBe(false);
      expect(host.Binds ?? []).toEqual([]);
      expect(host.NetworkMode).toBe('bridge');
      child.kill('SIGINT');
      const result = await child;
      expect(result.exitCode, String(result.all)).toBe(130);
      expect(await labelledObjects()).toEqual({ containers: 0, images: 0 });
    } finally {
      await writeFile(dockerfile, original);
    }
  });
});
