import { describe, expect, it } from 'vitest';
import type { Engine } from '../../src/engine/connect.js';
import { gatherProvenance, shipshapeVersion } from '../../src/engine/provenance.js';
import { ROOT } from '../support/cli.js';
import { readFileSync } from 'node:fs';
import path from 'node:path';

function fakeEngine(info: Record<string, unknown> | Error, images: Record<string, { Id: string; RepoDigests?: string[] }>): Engine {
  return {
    info: { endpoint: 'unix:///x', endpointSource: 'default', foundBy: 'the default socket', serverVersion: '28.5.2', apiVersion: '1.51', os: 'linux', architecture: 'arm64' },
    docker: {
      info: async () => {
        if (info instanceof Error) throw info;
        return info;
      },
      getImage: (ref: string) => ({
        inspect: async () => {
          if (images[ref]) return images[ref];
          throw Object.assign(new Error('no such image'), { statusCode: 404 });
        },
      }),
    },
  } as unknown as Engine;
}

describe('provenance', () => {
  it('tells the containerd image store from the graph driver, and reads each base image once', async () => {
    const engine = fakeEngine({ Driver: 'overlayfs', DriverStatus: [['driver-type', 'io.containerd.snapshotter.v1']] }, { 'php:8.2-fpm-alpine': { Id: 'sha256:1', RepoDigests: ['php@sha256:9'] } });
    const provenance = await gatherProvenance(
      engine,
      [
        { ref: 'php:8.2-fpm-alpine', line: 4 },
        { ref: 'php:8.2-fpm-alpine', line: 9 },
        { ref: 'composer:2', line: 10 },
      ],
      'classic',
    );
    expect(provenance.engine).toMatchObject({ serverVersion: '28.5.2', storageDriver: 'overlayfs', imageStore: 'containerd' });
    expect(provenance.baseImages).toEqual([
      { ref: 'php:8.2-fpm-alpine', line: 4, id: 'sha256:1', repoDigests: ['php@sha256:9'] },
      { ref: 'composer:2', line: 10, id: null, repoDigests: [] },
    ]);
    expect(provenance.problems).toEqual([]);
    expect(provenance.shipshape.version).toBe(JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')).version);
    expect(shipshapeVersion()).toBe(provenance.shipshape.version);
  });

  it('an engine that cannot say is recorded as a problem, never an error', async () => {
    const provenance = await gatherProvenance(fakeEngine(new Error('boom'), {}), [], null);
    expect(provenance.engine).toMatchObject({ storageDriver: null, imageStore: null });
    expect(provenance.problems).toEqual(['engine info: boom']);
    const graph = await gatherProvenance(fakeEngine({ Driver: 'overlay2', DriverStatus: [['Backing Filesystem', 'extfs']] }, {}), [], 'buildkit-cli');
    expect(graph.engine.imageStore).toBe('graphdriver');
    expect(graph.builder).toBe('buildkit-cli');
  });
});
