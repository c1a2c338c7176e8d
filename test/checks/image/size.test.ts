import { describe, expect, it } from 'vitest';
import { DockerfileModel } from '../../../src/checks/dockerfile/model.js';
import { largestAddedLayers, shortInstruction } from '../../../src/checks/image/layers.js';
import { sizeOverBase } from '../../../src/checks/image/size-over-base.js';
import { sizeVsStarter } from '../../../src/checks/image/size-vs-starter.js';
import type { ImageContext, ImageFacts, ImageInspector, ImageLayer } from '../../../src/checks/kind.js';

const MB = 1_000_000;

function facts(id: string, size: number): ImageFacts {
  return { id, size, healthcheck: null, user: '', workingDir: '/app', cmd: null, entrypoint: null, env: [] };
}

function layer(createdBy: string, size: number): ImageLayer {
  return { id: '<missing>', createdBy, size, created: 0 };
}

// Newest first, as `docker history` lists them; the base's layers are the oldest three.
const BASE_LAYERS = [
  layer('/bin/sh -c #(nop)  CMD ["php-fpm"]', 0),
  layer('/bin/sh -c apk add --no-cache php82-fpm', 60 * MB),
  layer('/bin/sh -c #(nop) ADD file:' + 'a'.repeat(64) + ' in / ', 8 * MB),
];
const IMAGE_LAYERS = [
  layer('/bin/sh -c #(nop)  CMD ["php-fpm"]', 0),
  layer('/bin/sh -c #(nop) COPY dir:' + 'b'.repeat(64) + ' in /app/src ', 20_000),
  layer('/bin/sh -c composer install --no-dev --no-interaction --prefer-dist --optimize-autoloader --no-scripts', 9 * MB),
  layer('|1 PHP_EXT=gd /bin/sh -c apk add --no-cache git unzip autoconf g++ make linux-headers', 41 * MB),
  layer('/bin/sh -c #(nop) COPY file:' + 'c'.repeat(64) + ' in /usr/bin/composer ', 3 * MB),
  layer('/bin/sh -c #(nop) WORKDIR /app', 0),
  ...BASE_LAYERS,
];

function inspector(overrides: Partial<ImageInspector> = {}): ImageInspector {
  const histories: Record<string, ImageLayer[]> = { 'sha256:image': IMAGE_LAYERS, 'sha256:base': BASE_LAYERS };
  const unused = () => Promise.reject(new Error('not used in this test'));
  return {
    history: async (id) => {
      const found = histories[id];
      if (!found) throw new Error(`no such image: ${id}`);
      return found;
    },
    run: unused,
    buildVariant: unused,
    inspect: unused,
    pathExists: unused,
    starterBaseline: async () => ({ bytes: 150 * MB, source: 'cache', layers: 12, buildMs: 40_000 }),
    ...overrides,
  };
}

function context(imageBytes: number, options: { inspector?: ImageInspector; base?: ImageFacts | null } = {}): ImageContext {
  const dockerfile = DockerfileModel.parse('Dockerfile', 'FROM composer:2 AS builder\nFROM php:8.2-fpm-alpine\nCMD ["php-fpm"]\n');
  return {
    dockerfile,
    workspaceDir: '/tmp',
    image: facts('sha256:image', imageBytes),
    finalBase: options.base === undefined ? facts('sha256:base', 68 * MB) : options.base,
    inspector: options.inspector ?? inspector(),
  };
}

describe('shortInstruction', () => {
  it('writes history entries as the instructions the learner typed, shortened', () => {
    expect(shortInstruction('/bin/sh -c #(nop) WORKDIR /app')).toBe('WORKDIR /app');
    expect(shortInstruction('/bin/sh -c apk add --no-cache git')).toBe('RUN apk add --no-cache git');
    expect(shortInstruction('|1 PHP_EXT=gd /bin/sh -c apk add git')).toBe('RUN apk add git');
    expect(shortInstruction('RUN /bin/sh -c composer install # buildkit')).toBe('RUN composer install');
    expect(shortInstruction(`/bin/sh -c #(nop) COPY file:${'c'.repeat(64)} in /usr/bin/composer `)).toBe('COPY file:… in /usr/bin/composer');
    const long = shortInstruction(`/bin/sh -c ${'x'.repeat(200)}`, 40);
    expect(long).toHaveLength(40);
    expect(long.endsWith('…')).toBe(true);
  });
});

describe('largestAddedLayers', () => {
  it("lists the image's own layers by size, leaving out the base's and empty ones", async () => {
    const layers = await largestAddedLayers(inspector(), 'sha256:image', 'sha256:base', 3);
    expect(layers).toEqual([
      { instruction: 'RUN apk add --no-cache git unzip autoconf g++ make linux-headers', bytes: 41 * MB },
      { instruction: expect.stringMatching(/^RUN composer install --no-dev/), bytes: 9 * MB },
      { instruction: 'COPY file:… in /usr/bin/composer', bytes: 3 * MB },
    ]);
  });

  it('is null when the history cannot be read', async () => {
    expect(await largestAddedLayers(inspector(), 'sha256:gone', null)).toBeNull();
  });
});

describe('image.size-over-base', () => {
  const run = (imageBytes: number, ctx = context(imageBytes)) => sizeOverBase.run(sizeOverBase.params.parse({ maxMegabytes: 30 }), ctx);

  it('fails an image over budget with the size, the budget and the largest layers it added', async () => {
    const verdict = await run(68 * MB + 53 * MB);
    expect(verdict.status).toBe('fail');
    expect(verdict.message).toBe('adds 53.0 MB over php:8.2-fpm-alpine (68.0 MB -> 121.0 MB); budget 30.0 MB');
    expect(verdict.evidence).toMatchObject({ addedBytes: 53 * MB, limitBytes: 30 * MB, baseBytes: 68 * MB, imageBytes: 121 * MB });
    const layers = verdict.evidence!.largestLayers as Array<{ instruction: string; bytes: number }>;
    expect(layers.map((l) => l.bytes)).toEqual([41 * MB, 9 * MB, 3 * MB, 20_000]);
    expect(layers[0]!.instruction).toMatch(/^RUN apk add --no-cache git unzip/);
    expect(layers.some((l) => l.bytes === 60 * MB)).toBe(false);
  });

  it('passes within budget without reading the history', async () => {
    let historyReads = 0;
    const counting = inspector({ history: async () => { historyReads++; return []; } });
    const verdict = await run(80 * MB, context(80 * MB, { inspector: counting }));
    expect(verdict.status).toBe('pass');
    expect(verdict.evidence).not.toHaveProperty('largestLayers');
    expect(historyReads).toBe(0);
  });

  it('still fails with the sizes when the history cannot be read', async () => {
    const broken = inspector({ history: () => Promise.reject(new Error('engine gone')) });
    const verdict = await run(200 * MB, context(200 * MB, { inspector: broken }));
    expect(verdict.status).toBe('fail');
    expect(verdict.evidence).toMatchObject({ addedBytes: 132 * MB });
    expect(verdict.evidence).not.toHaveProperty('largestLayers');
  });
});

describe('image.size-vs-starter', () => {
  const run = (imageBytes: number) => sizeVsStarter.run(sizeVsStarter.params.parse({ maxFraction: 0.75 }), context(imageBytes));

  it('fails over the fraction with the starter size, the budget in bytes and the largest layers', async () => {
    const verdict = await run(121 * MB);
    expect(verdict.status).toBe('fail');
    expect(verdict.message).toBe("121.0 MB is 81% of the starter's 150.0 MB; at most 75% (112.5 MB) accepted");
    expect(verdict.evidence).toMatchObject({ starterBytes: 150 * MB, imageBytes: 121 * MB, limitBytes: 112.5 * MB, maxFraction: 0.75 });
    expect((verdict.evidence!.largestLayers as unknown[]).length).toBe(4);
  });

  it('passes under the fraction', async () => {
    const verdict = await run(80 * MB);
    expect(verdict.status).toBe('pass');
    expect(verdict.evidence).not.toHaveProperty('largestLayers');
  });
});
