import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import Docker from 'dockerode';
import tar from 'tar-stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DoctorReport } from '../../src/engine/doctor.js';
import { shipshape } from '../support/cli.js';
import { requireEngine } from '../support/engine.js';
import { describeNeeding, needs } from '../support/needs.js';

const sha256 = (data: Buffer) => `sha256:${createHash('sha256').update(data).digest('hex')}`;

async function layerTar(): Promise<Buffer> {
  const pack = tar.pack();
  pack.entry({ name: 'hello.txt', mode: 0o644 }, 'pulled through a registry\n');
  pack.finalize();
  const chunks: Buffer[] = [];
  for await (const chunk of pack) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

/**
 * A minimal registry (the v2 API a pull uses: /v2/, manifests, blobs) on localhost, which the
 * engine may reach over plain http, so images:pull is exercised through the engine's real pull.
 */
describeNeeding(needs.engine)('images:pull through a registry', { timeout: 120_000 }, () => {
  let scratch: string;
  let registry: http.Server;
  let ref: string;
  let packs: string;
  const requests: string[] = [];

  beforeAll(async () => {
    requireEngine();
    const layer = await layerTar();
    const layerGz = gzipSync(layer);
    const arch = { x64: 'amd64', arm64: 'arm64' }[process.arch as 'x64' | 'arm64'] ?? process.arch;
    const config = Buffer.from(
      JSON.stringify({
        architecture: arch,
        os: 'linux',
        config: { Cmd: ['/hello.txt'] },
        rootfs: { type: 'layers', diff_ids: [sha256(layer)] },
        history: [{ created_by: 'shipshape test registry' }],
      }),
    );
    const manifest = Buffer.from(
      JSON.stringify({
        schemaVersion: 2,
        mediaType: 'application/vnd.docker.distribution.manifest.v2+json',
        config: { mediaType: 'application/vnd.docker.container.image.v1+json', size: config.length, digest: sha256(config) },
        layers: [{ mediaType: 'application/vnd.docker.image.rootfs.diff.tar.gzip', size: layerGz.length, digest: sha256(layerGz) }],
      }),
    );
    const blobs = new Map([
      [sha256(config), config],
      [sha256(layerGz), layerGz],
    ]);
    registry = http.createServer((request, response) => {
      const url = request.url ?? '';
      requests.push(`${request.method} ${url}`);
      response.setHeader('Docker-Distribution-API-Version', 'registry/2.0');
      const send = (type: string, body: Buffer, digest?: string) => {
        response.writeHead(200, { 'Content-Type': type, 'Content-Length': body.length, ...(digest ? { 'Docker-Content-Digest': digest } : {}) });
        response.end(request.method === 'HEAD' ? undefined : body);
      };
      if (url === '/v2/') return send('application/json', Buffer.from('{}'));
      if (/^\/v2\/shipshape-test\/pulled\/manifests\/1$/.test(url) || url.endsWith(`/manifests/${sha256(manifest)}`)) {
        return send('application/vnd.docker.distribution.manifest.v2+json', manifest, sha256(manifest));
      }
      const blob = /\/blobs\/(sha256:[0-9a-f]+)$/.exec(url)?.[1];
      if (blob && blobs.has(blob)) return send('application/octet-stream', blobs.get(blob)!, blob);
      response.writeHead(404, { 'Content-Type': 'application/json' });
      response.end(JSON.stringify({ errors: [{ code: 'MANIFEST_UNKNOWN', message: 'manifest unknown' }] }));
    });
    await new Promise<void>((done) => registry.listen(0, '127.0.0.1', done));
    ref = `127.0.0.1:${(registry.address() as AddressInfo).port}/shipshape-test/pulled:1`;

    scratch = await mkdtemp(path.join(os.tmpdir(), 'shipshape-pull-'));
    packs = path.join(scratch, 'packs');
    const dir = path.join(packs, 'pull-me');
    await mkdir(path.join(dir, 'starter'), { recursive: true });
    await mkdir(path.join(dir, 'hints'));
    await writeFile(path.join(dir, 'hints', '1.md'), 'hint\n');
    await writeFile(path.join(dir, 'task.md'), 'task\n');
    await writeFile(path.join(dir, 'starter', 'Dockerfile'), `FROM ${ref}\n`);
    await writeFile(
      path.join(dir, 'manifest.yaml'),
      'schemaVersion: 1\nid: pull-me\ntitle: Pull me\ndifficulty: beginner\nlesson: test\nsummary: Pull me please\nhints: [hints/1.md]\nstarterFails: [build]\nchecks:\n  - { id: build, kind: build.succeeds, title: builds, hint: Fix it. }\n',
    );
  });

  afterAll(async () => {
    // The one image this test made on the engine.
    if (ref) await new Docker().getImage(ref).remove({ force: true }).catch(() => undefined);
    registry?.closeAllConnections();
    if (registry) await new Promise((done) => registry.close(done));
    if (scratch) await rm(scratch, { recursive: true, force: true });
  });

  it('pulls the missing image with progress on stderr, then reports it present', async () => {
    const docker = new Docker();
    await docker.getImage(ref).remove({ force: true }).catch(() => undefined);
    const env = { SHIPSHAPE_PACKS: packs };
    const result = await shipshape(['images:pull', '--challenge', 'pull-me'], { env });
    expect(result.exitCode, result.all).toBe(0);
    expect(result.stderr).toContain(`pulling ${ref}`);
    expect(result.stderr).toMatch(/Pull complete|Download complete/);
    expect(result.stdout).toContain(`✔ pulled ${ref}`);
    expect(requests.some((line) => /^GET \/v2\/shipshape-test\/pulled\/blobs\/sha256:/.test(line))).toBe(true);
    const inspected = await docker.getImage(ref).inspect();
    expect(inspected.Config.Cmd).toEqual(['/hello.txt']);

    // Present now: a second pull skips it, and doctor marks it ok.
    const again = await shipshape(['images:pull', '--challenge', 'pull-me', '--json'], { env });
    expect(again.exitCode, again.all).toBe(0);
    expect(JSON.parse(again.stdout)).toMatchObject({ pulled: [], alreadyPresent: [ref] });
    const doctor = JSON.parse((await shipshape(['doctor', '--json'], { env })).stdout) as DoctorReport;
    expect(doctor.images.find((image) => image.ref === ref)).toMatchObject({ present: true, id: inspected.Id });
  });

  it('an image the registry does not have: the registry\'s answer, and images:load named, exit 2', async () => {
    const missing = ref.replace(':1', ':2');
    await writeFile(path.join(packs, 'pull-me', 'starter', 'Dockerfile'), `FROM ${missing}\n`);
    const result = await shipshape(['images:pull', '--challenge', 'pull-me'], { env: { SHIPSHAPE_PACKS: packs } });
    expect(result.exitCode, result.all).toBe(2);
    expect(result.stderr).toMatch(new RegExp(`could not pull ${missing.replace(/[.]/g, '\\.')} \\(.*manifest unknown`));
    expect(result.stderr).toContain('shipshape images:load BUNDLE.tar');
  });
});
