import { execFileSync } from 'node:child_process';
import { cp, mkdir, mkdtemp, readFile, rm, stat, truncate, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Docker from 'dockerode';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DoctorReport } from '../../src/engine/doctor.js';
import { contextDigest } from '../../src/engine/endpoint.js';
import { toolFilter } from '../../src/engine/labels.js';
import type { VerifyResult } from '../../src/grading/result.js';
import { ROOT, shipshape } from '../support/cli.js';
import { describeNeeding, needs } from '../support/needs.js';
import { requireEngine, requireImages, testSession, waitFor } from '../support/engine.js';
import { execa } from 'execa';

const SCRIPT = path.join(ROOT, 'scripts', 'second-engine.sh');
const ID = 'tiny-health';
const BASE = 'debian:bookworm-slim';
// Short (the bridge is ss-<name>0, at most 15 characters) and unique to this test process.
const NAME = `t${process.pid % 1_000_000}`;
const SOCKET = `/run/shipshape-${NAME}/docker.sock`;
const HOST = `unix://${SOCKET}`;

/**
 * Offline bundles end to end: a bundle saved from the main engine is loaded into a fresh second
 * engine, and a challenge is verified there, the engine chosen by flag, by DOCKER_HOST and by context.
 */
describeNeeding(needs.engine, needs.root, needs.secondEngine)('a bundle carried to a fresh second engine', { timeout: 600_000 }, () => {
  let scratch: string;
  let packs: string;
  let bundle: string;
  let workspace: string;
  let env: Record<string, string>;
  let second: Docker;

  const script = (action: string) => execFileSync('bash', [SCRIPT, action, NAME], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim();

  beforeAll(async () => {
    requireEngine();
    requireImages(BASE);
    scratch = await mkdtemp(path.join(os.tmpdir(), 'shipshape-second-'));
    packs = path.join(scratch, 'packs');
    bundle = path.join(scratch, 'bundle.tar');
    workspace = path.join(scratch, 'ws');
    // Own cache and HOME: the starter baseline is measured on this engine; no Docker context leaks in.
    env = { SHIPSHAPE_PACKS: packs, XDG_CACHE_HOME: path.join(scratch, 'cache'), HOME: path.join(scratch, 'home') };
    await mkdir(env.HOME!, { recursive: true });
    // The ready tiny challenge: FROM debian:bookworm-slim with a HEALTHCHECK in the solution.
    const created = await shipshape(['challenge:new', ID, '--pack', packs]);
    expect(created.exitCode, created.all).toBe(0);
    expect(script('start')).toBe(HOST);
    second = new Docker({ socketPath: SOCKET });
  });

  afterAll(async () => {
    try {
      execFileSync('bash', [SCRIPT, 'purge', NAME], { stdio: 'ignore' });
    } finally {
      if (scratch) await rm(scratch, { recursive: true, force: true });
    }
    expect(existsSync(`/var/lib/shipshape-${NAME}`)).toBe(false);
    expect(existsSync(`/run/shipshape-${NAME}`)).toBe(false);
  });

  async function labelledOnSecond(): Promise<{ containers: number; images: number }> {
    const filters = toolFilter(testSession());
    const [containers, images] = await Promise.all([second.listContainers({ all: true, filters }), second.listImages({ all: true, filters })]);
    return { containers: containers.length, images: images.length };
  }

  it('the second engine starts empty, on its own bridge; starting it again is a no-op', async () => {
    expect(await second.listImages()).toEqual([]);
    const info = await second.info();
    expect(info.DockerRootDir).toBe(`/var/lib/shipshape-${NAME}`);
    expect(script('start')).toBe(HOST);
    // The first engine is untouched: its default bridge still exists.
    expect(execFileSync('ip', ['link', 'show', 'docker0'], { encoding: 'utf8' })).toContain('docker0');
  });

  it('verify on the empty engine: the missing base image is named with images:pull and images:load, exit 2', async () => {
    const started = await shipshape(['challenge:start', ID, '--dir', workspace], { env });
    expect(started.exitCode, started.all).toBe(0);
    await cp(path.join(packs, ID, 'solution'), workspace, { recursive: true });
    const result = await shipshape(['challenge:verify', '--dir', workspace, '--plain', '--docker-host', HOST], { env });
    expect(result.exitCode, result.all).toBe(2);
    expect(result.stderr).toContain(`Base image ${BASE} is not on the engine and could not be pulled: the engine at ${HOST} tried and got:`);
    expect(result.stderr).toContain(`shipshape images:pull --challenge ${ID}`);
    expect(result.stderr).toContain('shipshape images:load BUNDLE.tar');
    expect(result.stdout).toContain(`engine: ${HOST} (--docker-host)`);
    expect(result.all).not.toMatch(/\n\s+at /);
  });

  it('images:save writes a bundle from the main engine: its manifest first, listing tag and id', async () => {
    const result = await shipshape(['images:save', bundle, '--challenge', ID, '--json'], { env });
    expect(result.exitCode, result.all).toBe(0);
    const saved = JSON.parse(result.stdout) as { images: Array<{ ref: string; id: string }>; bytes: number };
    const mainId = (await new Docker({ socketPath: '/var/run/docker.sock' }).getImage(BASE).inspect()).Id;
    expect(saved.images).toEqual([expect.objectContaining({ ref: BASE, id: mainId })]);
    expect((await stat(bundle)).size).toBe(saved.bytes);
    const members = execFileSync('tar', ['tf', bundle], { encoding: 'utf8' }).trim().split('\n');
    expect(members[0]).toBe('shipshape-bundle.json');
    expect(members).toContain('manifest.json');
  });

  it('a truncated copy of the bundle is refused before it reaches the engine', async () => {
    const cut = path.join(scratch, 'cut.tar');
    await cp(bundle, cut);
    await truncate(cut, Math.floor((await stat(bundle)).size / 2));
    const result = await shipshape(['images:load', cut, '--docker-host', HOST], { env });
    expect(result.exitCode, result.all).toBe(2);
    expect(result.stderr).toContain(`✖ The bundle ${cut} is damaged or not a Shipshape bundle: it ends early`);
    expect(result.stderr).toContain('→ Make it again with `shipshape images:save BUNDLE.tar`');
    expect(await second.listImages()).toEqual([]);
  });

  it('images:load (engine chosen by flag) loads it with progress and checks the id', async () => {
    const result = await shipshape(['images:load', bundle, '--docker-host', HOST], { env });
    expect(result.exitCode, result.all).toBe(0);
    expect(result.stderr).toContain(`into ${HOST}`);
    expect(result.stderr).toContain(`Loaded image: ${BASE}`);
    const manifest = JSON.parse(execFileSync('tar', ['xOf', bundle, 'shipshape-bundle.json'], { encoding: 'utf8' })) as { images: Array<{ id: string }> };
    expect((await second.getImage(BASE).inspect()).Id).toBe(manifest.images[0]!.id);
    expect(result.stdout).toContain(`✔ ${BASE} (${manifest.images[0]!.id.slice(7, 19)})`);
  });

  it('challenge:verify on the second engine by --docker-host passes, and leaves nothing behind there', async () => {
    const result = await shipshape(['challenge:verify', '--dir', workspace, '--json', '--docker-host', HOST], { env });
    expect(result.exitCode, result.all).toBe(0);
    const report = JSON.parse(result.stdout) as VerifyResult;
    expect(report.passed).toBe(true);
    expect(report.engine).toMatchObject({ endpoint: HOST, endpointSource: 'flag', foundBy: '--docker-host' });
    expect(report.checks.find((check) => check.id === 'container-healthy')?.status).toBe('pass');
    expect(await labelledOnSecond()).toEqual({ containers: 0, images: 0 });
  });

  it('selected by DOCKER_HOST: doctor sees the second engine and its loaded image', async () => {
    const result = await shipshape(['doctor', '--json'], { env: { ...env, DOCKER_HOST: HOST } });
    const report = JSON.parse(result.stdout) as DoctorReport;
    expect(report.endpoint).toEqual({ host: HOST, foundBy: 'DOCKER_HOST' });
    expect(report.engine?.rootDir).toBe(`/var/lib/shipshape-${NAME}`);
    const presence = Object.fromEntries(report.images.map((image) => [image.ref, image.present]));
    // The loaded image is there; the built-in challenges' other images were never loaded here.
    expect(presence).toMatchObject({ [BASE]: true, 'composer:2': false, 'php:8.2-fpm-alpine': false });
    expect(Object.entries(presence).filter(([ref, present]) => present && ref !== BASE)).toEqual([]);
    expect(result.exitCode).toBe(1);
  });

  it('selected by the Docker context (config.json currentContext): verify passes there', async () => {
    const home = env.HOME!;
    const meta = path.join(home, '.docker', 'contexts', 'meta', contextDigest('second'));
    await mkdir(meta, { recursive: true });
    await writeFile(path.join(meta, 'meta.json'), JSON.stringify({ Name: 'second', Metadata: {}, Endpoints: { docker: { Host: HOST, SkipTLSVerify: false } } }));
    await writeFile(path.join(home, '.docker', 'config.json'), JSON.stringify({ currentContext: 'second' }));
    const result = await shipshape(['challenge:verify', '--dir', workspace, '--json'], { env });
    expect(result.exitCode, result.all).toBe(0);
    const report = JSON.parse(result.stdout) as VerifyResult;
    expect(report.engine).toMatchObject({ endpoint: HOST, endpointSource: 'context' });
    expect(report.engine.foundBy).toBe(`Docker context "second" (currentContext in ${path.join(home, '.docker', 'config.json')})`);
    expect(await labelledOnSecond()).toEqual({ containers: 0, images: 0 });
    // The same context named by DOCKER_CONTEXT, with config.json pointing elsewhere.
    await writeFile(path.join(home, '.docker', 'config.json'), JSON.stringify({ currentContext: 'default' }));
    const doctor = await shipshape(['doctor', '--json'], { env: { ...env, DOCKER_CONTEXT: 'second' } });
    expect((JSON.parse(doctor.stdout) as DoctorReport).endpoint).toEqual({ host: HOST, foundBy: 'Docker context "second" (DOCKER_CONTEXT)' });
  });

  /**
   * Verifies a workspace whose build gains a slow step, stops the daemon for real once that step shows
   * (SIGTERM by its pidfile, as `systemctl stop docker` would), and returns the exit code and output.
   */
  async function stopEngineDuringSlowStep(shownWhen: RegExp, builder: 'classic' | 'buildkit'): Promise<{ exitCode: number | undefined; output: string }> {
    const dockerfile = path.join(workspace, 'Dockerfile');
    const solution = await readFile(dockerfile, 'utf8');
    const slow = solution.replace(/^CMD /m, 'RUN sleep 120\nCMD ');
    expect(slow).not.toBe(solution);
    await writeFile(dockerfile, slow);
    try {
      const child = execa(process.execPath, [path.join(ROOT, 'bin', 'run.js'), 'challenge:verify', '--dir', workspace, '--plain', '--docker-host', HOST, '--builder', builder], {
        reject: false,
        all: true,
        env: { NO_COLOR: '1', ...env },
      });
      let output = '';
      child.all!.on('data', (chunk: Buffer) => {
        output += chunk.toString();
      });
      await waitFor('the slow step to start', async () => {
        if (child.exitCode !== null) throw new Error(`verify ended early:\n${output}`);
        return shownWhen.test(output);
      }, 120_000);
      script('stop');
      const ended = await child;
      // The learner's file is as they left it.
      expect(await readFile(dockerfile, 'utf8')).toBe(slow);
      return { exitCode: ended.exitCode, output };
    } finally {
      await writeFile(dockerfile, solution);
    }
  }

  it('the engine stopped during a classic build: one clear message naming it, exit 2, the workspace untouched', async () => {
    const { exitCode, output } = await stopEngineDuringSlowStep(/RUN sleep 120/, 'classic');
    expect(exitCode, output).toBe(2);
    expect(output).toContain(`The Docker engine at ${HOST} stopped answering during the build`);
    expect(output).toMatch(/Step \d+\/\d+ : RUN sleep 120/);
    expect(output).not.toMatch(/\n\s+at .+:\d+:\d+/);
  });

  it('the engine stopped during a BuildKit build: the same message and exit 2, not a failed step', async () => {
    expect(script('start')).toBe(HOST);
    const manifestPath = path.join(packs, ID, 'manifest.yaml');
    const manifest = await readFile(manifestPath, 'utf8');
    await writeFile(manifestPath, `${manifest.trimEnd()}\nbuild:\n  buildkit: true\n`);
    try {
      const { exitCode, output } = await stopEngineDuringSlowStep(/RUN sleep 120/, 'buildkit');
      expect(exitCode, output).toBe(2);
      expect(output).toContain(`The Docker engine at ${HOST} stopped answering during the build`);
      expect(output).not.toMatch(/\n\s+at .+:\d+:\d+/);
    } finally {
      await writeFile(manifestPath, manifest);
    }
  });

  it('stop removes the engine, its bridge and mounts; the main engine still runs containers', async () => {
    script('stop');
    expect(existsSync(SOCKET)).toBe(false);
    expect(() => execFileSync('ip', ['link', 'show', `ss-${NAME}0`], { stdio: 'ignore' })).toThrow();
    expect((await readFile('/proc/mounts', 'utf8')).includes(`shipshape-${NAME}`)).toBe(false);
    const down = await shipshape(['doctor', '--json', '--docker-host', HOST], { env });
    expect(down.exitCode).toBe(1);
    expect(execFileSync('/usr/bin/docker', ['run', '--rm', '--label', `dev.shipshape.session=${testSession()}`, BASE, 'true']).toString()).toBe('');
  });
});
