import { mkdtemp, readFile, rm } from 'node:fs/promises';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import type { Readable } from 'node:stream';
import Docker from 'dockerode';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { historyNoSecret } from '../../src/checks/image/history-no-secret.js';
import { sizeOverBase } from '../../src/checks/image/size-over-base.js';
import { sizeUnder } from '../../src/checks/image/size-under.js';
import { sizeVsStarter } from '../../src/checks/image/size-vs-starter.js';
import { wastedBytes } from '../../src/checks/image/wasted-bytes.js';
import type { ImageContext, ImageFacts } from '../../src/checks/kind.js';
import type { Engine } from '../../src/engine/connect.js';
import { uncompressedSize } from '../../src/engine/image-size.js';
import { inspectImage } from '../../src/engine/inspect.js';
import { findTextInImage, imageWastedBytes } from '../../src/engine/layers.js';
import { FakeInspector, facts, imageContext } from '../checks/image/fake.js';
import { type LayerSpec, ociArchive, sha, tarOf, zstdReady } from '../support/saved-archive.js';

/**
 * The layer checks against a stand-in Engine API whose `docker save` is incomplete or does not match
 * the image: they must end as an engine problem, never pass. The same stand-in with a complete archive
 * shows the secret left in a deleted file, named with its layer.
 */

const SECRET = 'shipshape-apitoken-0f1e2d3c4b5a69788796a5b4c3d2e1f0';
const IMAGE = 'sha256:feedface';

let scratch: string;
let server: http.Server | undefined;
let engine: Engine;
let requests: string[];
const savedCache = process.env.XDG_CACHE_HOME;

interface FakeImage {
  layers: LayerSpec[];
  /** Diff ids the engine lists (default: those of the layers). */
  rootfs?: string[];
  archive: () => Promise<Readable>;
  size?: number;
  containerdStore?: boolean;
}

async function serve(image: FakeImage): Promise<void> {
  const socket = path.join(scratch, 'docker.sock');
  server = http.createServer((request, response) => {
    const url = request.url ?? '';
    requests.push(url.replace(/\?.*$/, ''));
    const json = (body: unknown) => {
      response.setHeader('Content-Type', 'application/json');
      response.end(JSON.stringify(body));
    };
    if (/\/info$/.test(url)) return json({ Driver: 'overlayfs', DriverStatus: image.containerdStore ? [['driver-type', 'io.containerd.snapshotter.v1']] : [['Backing Filesystem', 'extfs']] });
    if (/\/images\/[^/]+\/json$/.test(url)) {
      return json({ Id: IMAGE, Size: image.size ?? 1234, RootFS: { Type: 'layers', Layers: image.rootfs ?? image.layers.map((layer) => sha(layer.tar)) }, Config: {} });
    }
    if (/\/images\/[^/]+\/get$/.test(url)) {
      void image.archive().then(
        (archive) => {
          response.setHeader('Content-Type', 'application/x-tar');
          archive.pipe(response);
        },
        (error: Error) => {
          response.statusCode = 500;
          json({ message: error.message });
        },
      );
      return;
    }
    response.statusCode = 404;
    json({ message: `not faked: ${url}` });
  });
  const listening = server;
  await new Promise<void>((resolve) => listening.listen(socket, resolve));
  engine = {
    docker: new Docker({ socketPath: socket }),
    info: { endpoint: `unix://${socket}`, endpointSource: 'flag', foundBy: 'test', serverVersion: '28.5.2', apiVersion: '1.51', os: 'linux', architecture: 'amd64' },
  } as Engine;
}

/** An image context whose inspector reads layers through the engine-side readers, as verify wires them. */
function contextOnEngine(image: ImageFacts, history: string[]): ImageContext {
  const inspector = new FakeInspector({ history: history.map((createdBy) => ({ id: 'x', createdBy, size: 0, created: 0 })).reverse() });
  return {
    ...imageContext(image, Object.assign(inspector, {
      wastedBytes: (imageId: string, options?: { sinceLayer?: number }) => imageWastedBytes(engine, imageId, options),
      findText: (imageId: string, text: string, options?: { sinceLayer?: number }) => findTextInImage(engine, imageId, text, options),
    })),
    finalBase: facts({ id: 'sha256:base', layerCount: 1 }),
    secrets: { api_token: SECRET },
  };
}

/** Base file; the secret copied into a file with 300 kB of noise; both deleted in the next layer. */
async function leakyLayers(): Promise<LayerSpec[]> {
  return [
    { tar: await tarOf([{ name: 'etc/os-release', content: 100 }]), createdBy: '', compression: 'none' },
    {
      tar: await tarOf([['app/token', `${SECRET}\n`], { name: 'app/blob', content: 300_000 }]),
      createdBy: 'RUN /bin/sh -c cp /run/secrets/api_token /app/token && head -c 300000 /dev/zero > /app/blob # buildkit',
      compression: 'gzip',
    },
    { tar: await tarOf([['app/.wh.token', ''], ['app/.wh.blob', '']]), createdBy: 'RUN /bin/sh -c rm /app/token /app/blob # buildkit', compression: 'zstd' },
  ];
}

const HISTORY = ['', 'RUN /bin/sh -c cp /run/secrets/api_token /app/token && head -c 300000 /dev/zero > /app/blob # buildkit', 'RUN /bin/sh -c rm /app/token /app/blob # buildkit'];

beforeAll(async () => {
  await zstdReady();
});
beforeEach(async () => {
  scratch = await mkdtemp(path.join(os.tmpdir(), 'shipshape-layers-fake-'));
  process.env.XDG_CACHE_HOME = path.join(scratch, 'cache');
  requests = [];
});
afterEach(async () => {
  if (savedCache === undefined) delete process.env.XDG_CACHE_HOME;
  else process.env.XDG_CACHE_HOME = savedCache;
  if (server) {
    const closing = server;
    server = undefined;
    closing.closeAllConnections();
    await new Promise((resolve) => closing.close(resolve));
  }
  await rm(scratch, { recursive: true, force: true });
});

const runWasted = (ctx: ImageContext) => wastedBytes.run(wastedBytes.params.parse({ maxMegabytes: 1 }), ctx);
const runSecret = (ctx: ImageContext) => historyNoSecret.run(historyNoSecret.params.parse({ secret: 'api_token' }), ctx);

describe('layer checks on an engine whose archive cannot be read whole', () => {
  it('a layer blob missing from docker save: both checks fail as an engine problem naming the layer', async () => {
    const layers = await leakyLayers();
    await serve({ layers, archive: () => ociArchive(layers, { dropBlob: 2 }) });
    const ctx = contextOnEngine(facts({ id: IMAGE }), HISTORY);
    const wasted = await runWasted(ctx);
    expect(wasted.status).toBe('fail');
    expect(wasted.message).toMatch(
      /^engine problem: the image's layers could not all be read, so the wasted bytes are unknown: layer 3 of 3 \([0-9a-f]{12}\) could not be read: its blob blobs\/sha256\/[0-9a-f]{64} is missing from the archive$/,
    );
    const secret = await runSecret(ctx);
    expect(secret.status).toBe('fail');
    expect(secret.message).toMatch(/^engine problem: the files of the image's layers could not all be read, so the value may be in one of them: layer 3 of 3 /);
    expect(JSON.stringify(secret)).not.toContain(SECRET);
  });

  it('an archive of other layers than the engine lists for the image: engine problem, not a pass', async () => {
    const layers = await leakyLayers();
    await serve({ layers, rootfs: [sha(layers[0]!.tar), sha(Buffer.from('another layer'))], archive: () => ociArchive(layers) });
    const ctx = contextOnEngine(facts({ id: IMAGE }), HISTORY.slice(0, 2));
    for (const verdict of [await runWasted(ctx), await runSecret(ctx)]) {
      expect(verdict.status).toBe('fail');
      expect(verdict.message).toContain('engine problem: ');
      expect(verdict.message).toContain('holds no image with the 2 layers the engine lists for this image (it holds: 3 layers)');
    }
  });

  it('an engine that refuses the export: engine problem', async () => {
    const layers = await leakyLayers();
    await serve({ layers, archive: () => Promise.reject(new Error('refused')) });
    const verdict = await runWasted(contextOnEngine(facts({ id: IMAGE }), HISTORY));
    expect(verdict.status).toBe('fail');
    expect(verdict.message).toMatch(/^engine problem: the image's layers could not all be read, so the wasted bytes are unknown: the engine would not export the image \(docker save\): /);
  });

  it('an export that breaks off mid-stream: engine problem', async () => {
    const layers = await leakyLayers();
    await serve({
      layers,
      archive: async () => {
        const archive = await ociArchive(layers);
        const { PassThrough } = await import('node:stream');
        const cut = new PassThrough();
        let sent = 0;
        // Cut inside the second blob, as a dropped connection would.
        archive.on('data', (chunk: Buffer) => {
          if (sent >= 3000) return;
          const part = chunk.subarray(0, 3000 - sent);
          sent += part.length;
          cut.write(part);
          if (sent >= 3000) cut.end();
        });
        return cut;
      },
    });
    const verdict = await runWasted(contextOnEngine(facts({ id: IMAGE }), HISTORY));
    expect(verdict.status).toBe('fail');
    expect(verdict.message).toMatch(/^engine problem: the image's layers could not all be read, so the wasted bytes are unknown: reading the image archive \(docker save\) failed: /);
  });
});

describe('layer checks on an engine whose archive is whole (OCI layout, gzip and zstd blobs)', () => {
  it('finds the secret in a file deleted by a later layer, naming the file and the layer, and counts its bytes as wasted', async () => {
    const layers = await leakyLayers();
    await serve({ layers, archive: () => ociArchive(layers) });
    const ctx = contextOnEngine(facts({ id: IMAGE }), HISTORY);
    const secret = await runSecret(ctx);
    expect(secret.status).toBe('fail');
    expect(secret.message).toBe(
      'the value of secret "api_token" is readable by anyone with the image: 1 place, first file /app/token in layer 2 (made by RUN cp /run/secrets/api_token /app/token && head -c 300000 /dev/zero > /app/blob): the file content holds the value',
    );
    expect(secret.evidence).toMatchObject({ filesSearched: true, layersRead: { layout: 'oci', layers: 3, compression: { none: 1, gzip: 1, zstd: 1 } } });
    expect(JSON.stringify(secret)).not.toContain(SECRET);
    const wasted = await runWasted(ctx);
    expect(wasted.status).toBe('pass');
    expect(wasted.evidence).toMatchObject({ wastedBytes: 300_000 + SECRET.length + 1, files: 2, layersRead: { layers: 3 } });
  });
});

describe('image size on the containerd store: the layers counted as overlay2 counts them', () => {
  it('reads the layers once, then answers from the diff-id cache without exporting again', async () => {
    const layers = await leakyLayers();
    // The store's Size is the compressed content: not what is reported.
    await serve({ layers, size: 999, containerdStore: true, archive: () => ociArchive(layers) });
    const inspected = { Id: IMAGE, Size: 999, RootFS: { Layers: layers.map((layer) => sha(layer.tar)) } };
    const expected = 100 + SECRET.length + 1 + 300_000;
    expect(await uncompressedSize(engine, inspected)).toEqual({ bytes: expected, measure: 'uncompressed layers', source: 'layers' });
    const exports = requests.filter((url) => url.endsWith('/get')).length;
    expect(exports).toBe(1);
    const cached = JSON.parse(await readFile(path.join(scratch, 'cache', 'shipshape', 'layer-bytes.json'), 'utf8')) as Record<string, number>;
    expect(cached[sha(layers[1]!.tar)]).toBe(SECRET.length + 1 + 300_000);
    const facts = await inspectImage(engine, IMAGE);
    expect(facts).toMatchObject({ size: expected, sizeMeasure: { measure: 'uncompressed layers', source: 'cache' } });
    expect(requests.filter((url) => url.endsWith('/get')).length).toBe(exports);
  });

  it('on a graph driver the engine figure is the measure: nothing is exported', async () => {
    const layers = await leakyLayers();
    await serve({ layers, size: 300_500, archive: () => ociArchive(layers) });
    expect(await inspectImage(engine, IMAGE)).toMatchObject({ size: 300_500, sizeMeasure: { measure: 'uncompressed layers', source: 'engine' } });
    expect(requests.some((url) => url.endsWith('/get'))).toBe(false);
  });

  it('a containerd-store image whose layers cannot be read has no size rather than the compressed one, and no budget passes on it', async () => {
    const layers = await leakyLayers();
    await serve({ layers, size: 999, containerdStore: true, archive: () => ociArchive(layers, { dropBlob: 1 }) });
    const image = (await inspectImage(engine, IMAGE))!;
    expect(image.size).toBeNaN();
    expect(image.sizeMeasure).toMatchObject({ measure: 'uncompressed layers', problem: expect.stringMatching(/^layer 2 of 3 .* is missing from the archive$/) });
    // The image's other facts stand.
    expect(image.id).toBe(IMAGE);
    const ctx = { ...contextOnEngine(image, HISTORY), finalBase: facts({ id: 'sha256:base', layerCount: 1, size: 100 }) };
    for (const [check, params] of [
      [sizeUnder, { maxMegabytes: 100 }],
      [sizeOverBase, { maxMegabytes: 100 }],
      [sizeVsStarter, { maxFraction: 1 }],
    ] as const) {
      const verdict = await check.run(check.params.parse(params) as never, ctx as never);
      expect(verdict.status).toBe('fail');
      expect(verdict.message).toMatch(/^engine problem: the image size could not be measured: layer 2 of 3 /);
    }
  });
});
