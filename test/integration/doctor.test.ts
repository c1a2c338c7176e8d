import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DoctorReport } from '../../src/engine/doctor.js';
import { execa } from 'execa';
import { readdir } from 'node:fs/promises';
import { ROOT, shipshape } from '../support/cli.js';
import { requireEngine, requireImages } from '../support/engine.js';
import { describeNeeding, needs } from '../support/needs.js';

/** A pack whose Dockerfiles and compose file name the given images. */
async function writePack(root: string, id: string, files: Record<string, string>): Promise<void> {
  const dir = path.join(root, id);
  await mkdir(path.join(dir, 'starter'), { recursive: true });
  await mkdir(path.join(dir, 'solution'), { recursive: true });
  await writeFile(
    path.join(dir, 'manifest.yaml'),
    [
      'schemaVersion: 1',
      `id: ${id}`,
      'title: Test pack',
      'difficulty: beginner',
      'lesson: test',
      'summary: test',
      'hints: [hints/1.md]',
      'starterFails: [build]',
      'checks:',
      '  - { id: build, kind: build.succeeds, title: The image builds, hint: Fix it. }',
      '',
    ].join('\n'),
  );
  await writeFile(path.join(dir, 'task.md'), 'task\n');
  await mkdir(path.join(dir, 'hints'));
  await writeFile(path.join(dir, 'hints', '1.md'), 'hint\n');
  for (const [file, text] of Object.entries(files)) {
    await mkdir(path.dirname(path.join(dir, file)), { recursive: true });
    await writeFile(path.join(dir, file), text);
  }
}

function findings(report: DoctorReport): Record<string, DoctorReport['findings'][number]> {
  return Object.fromEntries(report.findings.map((finding) => [finding.id, finding]));
}

describeNeeding(needs.engine)('doctor', { timeout: 120_000 }, () => {
  let scratch: string;
  let env: Record<string, string>;

  beforeAll(async () => {
    requireEngine();
    requireImages('composer:2', 'php:8.2-fpm-alpine', 'debian:bookworm-slim');
    scratch = await mkdtemp(path.join(os.tmpdir(), 'shipshape-doctor-'));
    env = { SHIPSHAPE_PACKS: '' };
  });

  afterAll(async () => {
    if (scratch) await rm(scratch, { recursive: true, force: true });
  });

  it('on the main engine with the stand-ins present: every finding ok or warn, exit 0', async () => {
    const result = await shipshape(['doctor', '--json'], { env });
    expect(result.exitCode, result.all).toBe(0);
    const report = JSON.parse(result.stdout) as DoctorReport;
    const byId = findings(report);
    expect(report.ok).toBe(true);
    expect(byId.engine).toMatchObject({ status: 'ok' });
    expect(report.endpoint.foundBy).toBeTruthy();
    expect(report.engine).toMatchObject({ minApiVersion: '1.40', os: 'linux' });
    expect(report.engine!.apiVersion).toMatch(/^1\.\d+$/);
    expect(byId.version!.detail).toContain(`API ${report.engine!.apiVersion}`);
    expect(byId.storage!.detail).toBe(report.engine!.storageDriver);
    expect(byId.builder).toMatchObject({ status: 'ok', detail: expect.stringMatching(/^BuildKit through the Engine API: /) });
    expect(report.engine!.builder).toBe('buildkit');
    expect(byId['image-store']!.detail).toBe('overlay2 (graph driver)');
    expect(report.engine!.imageStore).toBe('graphdriver');
    // The challenges' base images, found by parsing FROM and COPY --from (and compose image:), each once.
    const refs = report.images.map((image) => image.ref);
    expect(refs).toEqual(expect.arrayContaining(['composer:2', 'php:8.2-fpm-alpine', 'golang:1.22-alpine', 'postgres:16-alpine', 'nginx:alpine']));
    expect(new Set(refs).size).toBe(refs.length);
    expect(refs).not.toContain('scratch');
    expect(report.images.every((image) => image.present && image.id?.startsWith('sha256:'))).toBe(true);
    expect(byId['image:composer:2']!.status).toBe('ok');
    expect(report.counts.fail).toBe(0);
  });

  it('SHIPSHAPE_BUILDER=classic: the builder finding says the classic builder was asked for, as a warning', async () => {
    const result = await shipshape(['doctor', '--json'], { env: { ...env, SHIPSHAPE_BUILDER: 'classic' } });
    const report = JSON.parse(result.stdout) as DoctorReport;
    expect(findings(report).builder).toMatchObject({ status: 'warn', detail: expect.stringContaining('the classic builder: asked for') });
    expect(report.engine!.builder).toBe('classic');
  });

  it('engine unreachable (--docker-host to a missing socket): one failed finding with the fix, exit 1, no stack trace', async () => {
    const result = await shipshape(['doctor', '--docker-host', 'unix:///nonexistent.sock'], { env });
    expect(result.exitCode, result.all).toBe(1);
    expect(result.stdout).toContain('✖ Engine');
    expect(result.stdout).toContain('No Docker engine answered at unix:///nonexistent.sock (from --docker-host): connect ENOENT /nonexistent.sock');
    expect(result.stdout).toContain('→ Check the --docker-host address');
    expect(result.stdout).toMatch(/Not ready\. \d+ ok, \d+ warnings?, 1 failed\./);
    expect(result.all).not.toMatch(/\n\s+at /);

    const json = await shipshape(['doctor', '--json'], { env: { ...env, DOCKER_HOST: 'unix:///nonexistent.sock' } });
    expect(json.exitCode).toBe(1);
    const report = JSON.parse(json.stdout) as DoctorReport;
    expect(report.endpoint).toEqual({ host: 'unix:///nonexistent.sock', foundBy: 'DOCKER_HOST' });
    expect(findings(report).engine!.status).toBe('fail');
    expect(report.engine).toBeNull();
    // Images cannot be checked without an engine: unknown, not "missing".
    expect(report.images.every((image) => image.present === null)).toBe(true);
  });

  it('wrong socket: something answers, but not a Docker engine', async () => {
    const socket = path.join(scratch, 'not-docker.sock');
    const server = http.createServer((_request, response) => {
      response.statusCode = 404;
      response.end('404 page not found');
    });
    await new Promise<void>((done) => server.listen(socket, done));
    try {
      const result = await shipshape(['doctor', '--json', '--docker-host', `unix://${socket}`], { env });
      expect(result.exitCode, result.all).toBe(1);
      const engine = findings(JSON.parse(result.stdout) as DoctorReport).engine!;
      expect(engine.status).toBe('fail');
      expect(engine.detail).toContain(`No Docker engine answered at unix://${socket} (from --docker-host)`);
      expect(engine.fix).toContain('--docker-host');
    } finally {
      server.closeAllConnections();
      await new Promise((done) => server.close(done));
    }
  });

  it('a pack needing a missing image: that image fails with the pull/load fix, the present ones stay ok', async () => {
    const packs = path.join(scratch, 'packs');
    await writePack(packs, 'needs-missing', {
      'starter/Dockerfile': 'ARG BASE=shipshape-test/absent-base:7\nFROM ${BASE} AS build\nRUN true\nFROM build\nCOPY --from=build /x /x\n',
      'solution/Dockerfile': 'FROM debian:bookworm-slim AS base\nFROM scratch\nCOPY --from=base /etc/hostname /x\n',
      'solution/compose.yaml': 'services:\n  app:\n    build: .\n    image: my-own-tag\n  db:\n    image: shipshape-test/absent-db:1\n',
    });
    const listed = await shipshape(['images:list', '--json', '--challenge', 'needs-missing', '--pack', packs], { env });
    expect(listed.exitCode, listed.all).toBe(0);
    const images = (JSON.parse(listed.stdout) as { images: Array<{ ref: string; uses: Array<{ file: string; line: number }> }> }).images;
    // ARG defaults expand; stage names, scratch and the built service's own tag are not base images.
    expect(images.map((image) => image.ref)).toEqual(['debian:bookworm-slim', 'shipshape-test/absent-base:7', 'shipshape-test/absent-db:1']);
    expect(images[2]!.uses).toEqual([{ challenge: 'needs-missing', file: 'solution/compose.yaml', line: 6 }]);

    const result = await shipshape(['doctor', '--pack', packs], { env });
    expect(result.exitCode, result.all).toBe(1);
    expect(result.stdout).toMatch(/✖ Image shipshape-test\/absent-base:7 +not present; needed by needs-missing \(starter\/Dockerfile:2\)/);
    expect(result.stdout).toMatch(/✖ Image shipshape-test\/absent-db:1 +not present/);
    expect(result.stdout).toMatch(/✔ Image debian:bookworm-slim +present/);
    expect(result.stdout).toContain('→ Run `shipshape images:pull` (online), or `shipshape images:load BUNDLE.tar`');
    expect(result.stdout).toMatch(/Not ready\. \d+ ok, \d+ warnings?, 2 failed\./);
  });

  it('images:save cancelled with Ctrl-C: exit 130 and no partial bundle left', async () => {
    const out = path.join(scratch, 'cancelled');
    await mkdir(out);
    const child = execa(process.execPath, [path.join(ROOT, 'bin', 'run.js'), 'images:save', path.join(out, 'seed.tar'), '--challenge', 'docker-missing-multistage'], {
      reject: false,
      env: { NO_COLOR: '1', ...env },
    });
    // Interrupt once the export has started (the seed images take seconds to stream).
    await new Promise<void>((resolve, reject) => {
      let text = '';
      child.stderr!.on('data', (chunk: Buffer) => {
        text += chunk.toString();
        if (text.includes('saving 2 images')) resolve();
      });
      child.once('exit', () => reject(new Error(`images:save ended before the export started:\n${text}`)));
    });
    await new Promise((resolve) => setTimeout(resolve, 300));
    child.kill('SIGINT');
    const result = await child;
    expect(result.exitCode, String(result.stderr)).toBe(130);
    expect(String(result.stderr)).toContain('✖ Cancelled; the partial bundle was removed.');
    expect(await readdir(out)).toEqual([]);
  });

  it('images:pull of an image no registry serves: one clear message naming images:load, exit 2', async () => {
    const packs = path.join(scratch, 'pull-packs');
    await writePack(packs, 'pull-missing', { 'starter/Dockerfile': 'FROM shipshape-test/absent-base:7\n', 'solution/Dockerfile': 'FROM shipshape-test/absent-base:7\n' });
    const result = await shipshape(['images:pull', '--challenge', 'pull-missing', '--pack', packs, '--timeout', '20'], { env });
    expect(result.exitCode, result.all).toBe(2);
    expect(result.stderr).toContain('pulling shipshape-test/absent-base:7');
    expect(result.stderr).toMatch(/✖ The engine at \S+ could not pull shipshape-test\/absent-base:7 \(.+\)\./);
    expect(result.stderr).toContain('`shipshape images:load BUNDLE.tar`');
    expect(result.all).not.toMatch(/\n\s+at /);
  });
});

describe('an engine that accepts the connection but never answers', () => {
  it('the CLI reports it and exits instead of hanging on the open request', async () => {
    const scratch = await mkdtemp(path.join(os.tmpdir(), 'shipshape-hang-'));
    const socket = path.join(scratch, 'silent.sock');
    const server = http.createServer(() => undefined);
    await new Promise<void>((done) => server.listen(socket, done));
    try {
      // A CLI that hung on the open request would be stopped by timeoutMs and exit -1, not 2.
      const result = await shipshape(['clean', '--dry-run', '--docker-host', `unix://${socket}`], { timeoutMs: 20_000 });
      expect(result.exitCode, result.all).toBe(2);
      expect(result.stderr).toContain(`No Docker engine answered at unix://${socket} (from --docker-host): the Docker engine at unix://${socket} did not answer within 3 s.`);
      const doctor = await shipshape(['doctor', '--json', '--docker-host', `unix://${socket}`], { timeoutMs: 20_000, env: { SHIPSHAPE_PACKS: '' } });
      expect(doctor.exitCode, doctor.all).toBe(1);
    } finally {
      server.closeAllConnections();
      await new Promise((done) => server.close(done));
      await rm(scratch, { recursive: true, force: true });
    }
  });
});
