import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import tarStream from 'tar-stream';
import { describe, expect, it } from 'vitest';
import { type LayerListing, readSavedImage, wastedBytes } from '../../src/engine/layers.js';

type Spec = Array<[name: string, content: number | 'dir' | 'symlink']>;

async function tarOf(spec: Spec): Promise<Buffer> {
  const pack = tarStream.pack();
  for (const [name, content] of spec) {
    if (content === 'dir') pack.entry({ name, type: 'directory' });
    else if (content === 'symlink') pack.entry({ name, type: 'symlink', linkname: '/etc/hostname' });
    else pack.entry({ name, size: content }, Buffer.alloc(content, 1));
  }
  pack.finalize();
  const chunks: Buffer[] = [];
  for await (const chunk of pack as unknown as AsyncIterable<Buffer>) chunks.push(chunk);
  return Buffer.concat(chunks);
}

/** A `docker save` archive: layer dirs first, then the config and manifest.json last, as the engine writes it. */
async function savedImage(layers: Array<{ spec: Spec; createdBy: string }>): Promise<Readable> {
  const pack = tarStream.pack();
  const names: string[] = [];
  const diffIds: string[] = [];
  for (const [index, layer] of layers.entries()) {
    const name = `layer${index}/layer.tar`;
    const tar = await tarOf(layer.spec);
    names.push(name);
    diffIds.push(`sha256:${createHash('sha256').update(tar).digest('hex')}`);
    pack.entry({ name: `layer${index}`, type: 'directory' });
    pack.entry({ name }, tar);
  }
  const history = layers.flatMap((layer) => [{ created_by: 'ENV X=1', empty_layer: true }, { created_by: layer.createdBy }]);
  pack.entry({ name: 'cfg.json' }, JSON.stringify({ rootfs: { type: 'layers', diff_ids: diffIds }, history }));
  pack.entry({ name: 'manifest.json' }, JSON.stringify([{ Config: 'cfg.json', Layers: names }]));
  pack.finalize();
  return pack as unknown as Readable;
}

function listing(...layers: Spec[]): Promise<LayerListing[]> {
  return Promise.all(
    layers.map(async (spec, index) => {
      const saved = await readSavedImage(await savedImage([{ spec, createdBy: `layer ${index}` }]));
      return saved.layers[0]!;
    }),
  );
}

describe('wasted bytes from image layers', () => {
  it('counts a file added in one RUN and deleted (whiteout) in the next, naming both instructions', async () => {
    const saved = await readSavedImage(
      await savedImage([
        { spec: [['etc/', 'dir'], ['etc/os-release', 100]], createdBy: '' },
        { spec: [['blob', 1_048_576]], createdBy: '/bin/sh -c head -c 1048576 /dev/urandom > /blob' },
        { spec: [['.wh.blob', 0]], createdBy: '/bin/sh -c rm /blob' },
      ]),
    );
    expect(saved.createdBy).toEqual(['', '/bin/sh -c head -c 1048576 /dev/urandom > /blob', '/bin/sh -c rm /blob']);
    expect(wastedBytes(saved.layers, saved.createdBy)).toEqual({
      totalBytes: 1_048_576,
      files: 1,
      layers: 3,
      sinceLayer: 0,
      top: [
        {
          path: '/blob',
          bytes: 1_048_576,
          how: 'deleted',
          addedBy: 'RUN head -c 1048576 /dev/urandom > /blob',
          removedBy: 'RUN rm /blob',
          addedInLayer: 2,
          removedInLayer: 3,
        },
      ],
    });
  });

  it('counts overwritten files, whole deleted directories and opaque directories, but not what stays visible', async () => {
    const layers = await listing(
      [['app/', 'dir'], ['app/a', 10], ['app/b', 20], ['cache/', 'dir'], ['cache/x', 30], ['cache/sub/y', 40], ['keep', 5], ['link', 'symlink']],
      // overwrite a, delete the cache directory, leave keep alone
      [['app/a', 11], ['.wh.cache', 0]],
      // opaque app/: hides a (11, from layer 2) and b (20, from layer 1); c is new
      [['app/.wh..wh..opq', 0], ['app/c', 7]],
    );
    const result = wastedBytes(layers);
    expect(result.totalBytes).toBe(10 + 30 + 40 + 11 + 20);
    expect(result.top.map((item) => [item.path, item.bytes, item.how, item.addedInLayer, item.removedInLayer])).toEqual([
      ['/cache/sub/y', 40, 'deleted', 1, 2],
      ['/cache/x', 30, 'deleted', 1, 2],
      ['/app/b', 20, 'deleted', 1, 3],
      ['/app/a', 11, 'deleted', 2, 3],
      ['/app/a', 10, 'overwritten', 1, 2],
    ]);
  });

  it('counts a directory replaced by a file, and nothing for an unchanged image', async () => {
    const replaced = wastedBytes(await listing([['data/', 'dir'], ['data/one', 3], ['data/two', 4]], [['data', 9]]));
    expect(replaced.totalBytes).toBe(7);
    expect(wastedBytes(await listing([['a', 1]], [['b', 2]]))).toMatchObject({ totalBytes: 0, files: 0, top: [] });
  });

  it('with sinceLayer, counts only what the layers above the base hide', async () => {
    const layers = await listing([['base-file', 100]], [['.wh.base-file', 0], ['tmp-blob', 50]], [['.wh.tmp-blob', 0]]);
    expect(wastedBytes(layers).totalBytes).toBe(150);
    // The base is layers 1-2: its own deletion is not the learner's doing.
    expect(wastedBytes(layers, [], { sinceLayer: 2 })).toMatchObject({ totalBytes: 50, files: 1, sinceLayer: 2 });
  });

  it('keeps only the biggest paths in top', async () => {
    const spec: Spec = Array.from({ length: 15 }, (_, index) => [`f${index}`, index + 1] as [string, number]);
    const result = wastedBytes(await listing(spec, spec.map(([name]) => [`.wh.${name}`, 0] as [string, number])), [], { top: 3 });
    expect(result.files).toBe(15);
    expect(result.top.map((item) => item.path)).toEqual(['/f14', '/f13', '/f12']);
  });
});
