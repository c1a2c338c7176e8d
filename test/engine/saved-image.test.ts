import { randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { gzipSync } from 'node:zlib';
import { compress as zstdCompress } from '@bokuweb/zstd-wasm';
import { beforeAll, describe, expect, it } from 'vitest';
import { readSavedImage, wastedBytes } from '../../src/engine/layers.js';
import { LayersUnreadError } from '../../src/engine/saved-image.js';
import { EngineProblemError } from '../../src/errors.js';
import { type Compression, type LayerSpec, configOf, hex, legacyArchive, ociArchive, packArchive, sha, tarOf, zstdReady } from '../support/saved-archive.js';

/** Three layers: a base file, a 1 MiB blob with a symlink, and the blob's whiteout. */
async function threeLayers(compression: Compression = 'none'): Promise<LayerSpec[]> {
  return [
    { tar: await tarOf([{ name: 'etc/', type: 'directory' }, { name: 'etc/os-release', content: 100 }], { trailing: 9216 }), createdBy: '', compression: 'none' },
    {
      tar: await tarOf([{ name: 'blob', content: 1_048_576 }, { name: 'blob-link', type: 'symlink', linkname: '/blob' }]),
      createdBy: '/bin/sh -c head -c 1048576 /dev/urandom > /blob',
      compression,
    },
    { tar: await tarOf([{ name: '.wh.blob', content: 0 }]), createdBy: '/bin/sh -c rm /blob', compression },
  ];
}

async function expectUnread(promise: Promise<unknown>, message: RegExp): Promise<LayersUnreadError> {
  const error = await promise.then(
    () => null,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(LayersUnreadError);
  expect(error).toBeInstanceOf(EngineProblemError);
  expect((error as Error).message).toMatch(message);
  return error as LayersUnreadError;
}

beforeAll(async () => {
  await zstdReady();
});

describe('reading docker save archives in every layout', () => {
  const layouts: Array<[string, (layers: LayerSpec[]) => Promise<Readable>, Compression, 'legacy' | 'oci']> = [
    ['legacy <id>/layer.tar', (layers) => legacyArchive(layers), 'none', 'legacy'],
    ['OCI, uncompressed blobs (Docker 25+ on overlay2)', (layers) => ociArchive(layers), 'none', 'oci'],
    ['OCI, gzip blobs (containerd image store, BuildKit)', (layers) => ociArchive(layers), 'gzip', 'oci'],
    ['OCI, zstd blobs (containerd image store, zstd images)', (layers) => ociArchive(layers), 'zstd', 'oci'],
    ['OCI with index.json only', (layers) => ociArchive(layers, { withoutManifestJson: true }), 'gzip', 'oci'],
  ];

  for (const [title, archiveOf, compression, layout] of layouts) {
    it(`${title}: every layer read, matched to its diff id, the deleted blob counted as wasted`, async () => {
      const layers = await threeLayers(compression);
      const diffIds = layers.map((layer) => sha(layer.tar));
      const saved = await readSavedImage(await archiveOf(layers), diffIds);
      expect(saved.read).toEqual({
        layout,
        layers: 3,
        compression: { none: compression === 'none' ? 3 : 1, gzip: compression === 'gzip' ? 2 : 0, zstd: compression === 'zstd' ? 2 : 0 },
        tarBytes: layers.reduce((sum, layer) => sum + layer.tar.length, 0),
      });
      expect(saved.layers.map((layer) => layer.name)).toEqual(diffIds);
      // overlay2's count: file bytes plus the symlink's target, nothing for directories or whiteouts.
      expect(saved.layers.map((layer) => layer.bytes)).toEqual([100, 1_048_576 + '/blob'.length, 0]);
      expect(saved.createdBy).toEqual(['', '/bin/sh -c head -c 1048576 /dev/urandom > /blob', '/bin/sh -c rm /blob']);
      expect(wastedBytes(saved.layers, saved.createdBy, { sinceLayer: 1 })).toMatchObject({
        totalBytes: 1_048_576,
        files: 1,
        top: [{ path: '/blob', addedInLayer: 2, removedInLayer: 3, addedBy: 'RUN head -c 1048576 /dev/urandom > /blob', removedBy: 'RUN rm /blob' }],
      });
    });
  }

  it('legacy: a layer written once and linked for its second use is read for both', async () => {
    const same = await tarOf([{ name: 'a', content: 5 }]);
    const layers = [
      { tar: same, createdBy: 'one' },
      { tar: same, createdBy: 'two' },
    ];
    const saved = await readSavedImage(await legacyArchive(layers, { linkSecondToFirst: true }), [sha(same), sha(same)]);
    expect(saved.layers.map((layer) => layer.entries)).toEqual([[{ type: 'file', path: '/a', size: 5 }], [{ type: 'file', path: '/a', size: 5 }]]);
  });

  it('an empty layer (only the tar end marker) is a layer, not an unknown blob', async () => {
    const empty = await tarOf([]);
    const saved = await readSavedImage(await ociArchive([{ tar: empty, createdBy: 'WORKDIR /app', compression: 'gzip' }]), [sha(empty)]);
    expect(saved.layers).toEqual([{ name: sha(empty), entries: [], bytes: 0 }]);
  });

  it('ignores blobs that are not layers (attestations, unknown bytes) unless the image needs them', async () => {
    const layers = await threeLayers('gzip');
    const saved = await readSavedImage(await ociArchive(layers, { extraBlobs: [Buffer.from('{"_type":"https://in-toto.io/Statement/v0.1"}'), Buffer.from('not a layer at all')] }));
    expect(saved.read.layers).toBe(3);
  });
});

describe('what could not be read is an engine problem, never an empty layer', () => {
  it('a layer blob missing from the archive names the layer and its position', async () => {
    const layers = await threeLayers('gzip');
    const error = await expectUnread(
      readSavedImage(await ociArchive(layers, { dropBlob: 1 }), layers.map((layer) => sha(layer.tar))),
      new RegExp(`^layer 2 of 3 \\(${hex(sha(layers[1]!.tar)).slice(0, 12)}\\) could not be read: its blob blobs/sha256/[0-9a-f]{64} is missing from the archive$`),
    );
    expect([error.expected, error.read]).toEqual([3, 1]);
  });

  it('a blob whose content does not hash to the diff id is refused (gzip digest is not a diff id)', async () => {
    const layers = await threeLayers('gzip');
    const diffIds = layers.map((layer) => sha(layer.tar));
    // The config claims the compressed digest as the diff id, as a confused exporter would.
    const claimed = [diffIds[0]!, sha(gzipSync(layers[1]!.tar)), diffIds[2]!];
    await expectUnread(
      readSavedImage(await ociArchive(layers, { diffIds: claimed })),
      /^layer 2 of 3 \([0-9a-f]{12}\) does not match the archive: its blob blobs\/sha256\/[0-9a-f]{64} unpacks to [0-9a-f]{12}, not the diff id the engine lists$/,
    );
  });

  it('an archive whose image is not the one the engine lists (other diff ids) is refused', async () => {
    const layers = await threeLayers();
    const other = [...layers.map((layer) => sha(layer.tar)), sha(Buffer.from('x'))];
    await expectUnread(
      readSavedImage(await ociArchive(layers), other),
      /^the image archive \(docker save\) holds no image with the 4 layers the engine lists for this image \(it holds: 3 layers\)$/,
    );
  });

  it('a corrupt compressed blob, an archive without a manifest, and a broken stream', async () => {
    const layer = { tar: await tarOf([['noise', randomBytes(50_000)]]), createdBy: 'RUN noise' };
    // Its one layer stored as a zstd frame cut in half.
    const whole = Buffer.from(zstdCompress(layer.tar, 3));
    const truncated = whole.subarray(0, whole.length >> 1);
    const files = [
      { name: `blobs/sha256/${hex(sha(truncated))}`, data: truncated },
      { name: 'manifest.json', data: JSON.stringify([{ Config: 'c.json', Layers: [`blobs/sha256/${hex(sha(truncated))}`] }]) },
      { name: 'c.json', data: configOf([layer]) },
    ];
    await expectUnread(readSavedImage(await packArchive(files)), /^reading the image archive \(docker save\) failed: the layer blob blobs\/sha256\/[0-9a-f]{64} \(zstd\) could not be read: /);
    await expectUnread(readSavedImage(await packArchive([{ name: 'oci-layout', data: '{}' }])), /names no image: neither manifest\.json nor index\.json lists one/);
    const broken = new Readable({ read() {} });
    setTimeout(() => broken.destroy(new Error('socket hang up')), 10);
    await expectUnread(readSavedImage(broken, []), /^reading the image archive \(docker save\) failed: socket hang up$/);
  });
});
