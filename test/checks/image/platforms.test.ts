import { describe, expect, it } from 'vitest';
import { elfMachine, imagePlatforms } from '../../../src/checks/image/platforms.js';
import type { MultiPlatformSupport, PlatformBuild } from '../../../src/checks/kind.js';
import { FakeInspector, facts, imageContext } from './fake.js';

const PARAMS = imagePlatforms.params.parse(imagePlatforms.example);

/** The first bytes of a little-endian 64-bit ELF executable for a machine. */
function elf(machine: number): Buffer {
  const head = Buffer.alloc(64);
  head.write('\x7fELF', 0, 'latin1');
  head[4] = 2; // 64-bit
  head[5] = 1; // little-endian
  head.writeUInt16LE(2, 16); // ET_EXEC
  head.writeUInt16LE(machine, 18);
  return head;
}

function built(platforms: string[]): PlatformBuild {
  return {
    outcome: { imageId: 'sha256:index', failure: null, durationMs: 4200, steps: 6, stepLog: [] },
    index: { digest: 'sha256:5d53deb4342bd772cadf1732985ec921db197ee14decb77ea8bec8ced4cf8586', mediaType: 'application/vnd.oci.image.index.v1+json', platforms: platforms.map((platform, index) => ({ platform, digest: `sha256:${index}` })) },
  };
}

function inspectorWith(options: { support?: MultiPlatformSupport; build?: PlatformBuild; binaries?: Record<string, Buffer | null> }) {
  const reads: Array<{ imageId: string; path: string; platform: string }> = [];
  let builds = 0;
  const inspector = Object.assign(new FakeInspector(), {
    multiPlatform: async () => options.support ?? { supported: true as const, builder: 'github.com/docker/buildx 0.29.1' },
    buildPlatforms: async () => {
      builds += 1;
      return options.build ?? built(['linux/amd64', 'linux/arm64']);
    },
    readFileHead: async (imageId: string, path: string, read: { platform: string; bytes: number }) => {
      reads.push({ imageId, path, platform: read.platform });
      return options.binaries?.[read.platform] ?? null;
    },
  });
  return { inspector, reads, builds: () => builds };
}

describe('image.platforms', () => {
  it('reads the ELF machine, in either byte order, and refuses what is not ELF', () => {
    expect(elfMachine(elf(0xb7))).toEqual({ machine: 0xb7, name: 'AArch64' });
    expect(elfMachine(elf(0x3e))).toEqual({ machine: 0x3e, name: 'x86-64' });
    const bigEndian = elf(0);
    bigEndian[5] = 2;
    bigEndian.writeUInt16BE(0x16, 18);
    expect(elfMachine(bigEndian)).toEqual({ machine: 0x16, name: 'S/390' });
    expect(elfMachine(Buffer.from('#!/bin/sh\necho hi\n'))).toEqual({ problem: 'not an ELF executable' });
  });

  it('passes when the index lists both platforms and each binary is for its own CPU', async () => {
    const { inspector, reads } = inspectorWith({ binaries: { 'linux/amd64': elf(0x3e), 'linux/arm64': elf(0xb7) } });
    const verdict = await imagePlatforms.run(PARAMS, imageContext(facts(), inspector));
    expect(verdict.status, verdict.message).toBe('pass');
    expect(reads).toEqual([
      { imageId: 'sha256:index', path: '/pinger', platform: 'linux/amd64' },
      { imageId: 'sha256:index', path: '/pinger', platform: 'linux/arm64' },
    ]);
    expect(verdict.evidence?.machines).toEqual({ 'linux/amd64': 'x86-64 (0x3e)', 'linux/arm64': 'AArch64 (0xb7)' });
  });

  it('fails an arm64 image holding the build machine\'s binary, naming both machines', async () => {
    const { inspector } = inspectorWith({ binaries: { 'linux/amd64': elf(0x3e), 'linux/arm64': elf(0x3e) } });
    const verdict = await imagePlatforms.run(PARAMS, imageContext(facts(), inspector));
    expect(verdict.status).toBe('fail');
    expect(verdict.message).toBe('/pinger in the linux/arm64 image is a x86-64 binary, not AArch64: it was compiled for the build machine');
    expect(verdict.hint).toContain('TARGETARCH');
  });

  it('fails an index without a platform, and a missing binary', async () => {
    const single = inspectorWith({ build: built(['linux/amd64']) });
    expect(await imagePlatforms.run(PARAMS, imageContext(facts(), single.inspector))).toMatchObject({ status: 'fail', message: 'the image index lists linux/amd64, not linux/arm64' });
    const missing = inspectorWith({ binaries: { 'linux/amd64': elf(0x3e) } });
    expect((await imagePlatforms.run(PARAMS, imageContext(facts(), missing.inspector))).message).toBe('the linux/arm64 image has no /pinger');
  });

  it('a build that needs another platform\'s base image fails, pointing at $BUILDPLATFORM', async () => {
    const { inspector } = inspectorWith({
      build: { outcome: { imageId: null, failure: { step: '[linux/arm64 build 1/4]', message: 'failed to resolve source metadata for docker.io/library/golang:1.22-alpine: no match for platform in manifest', lastLines: [] }, durationMs: 900, steps: 1, stepLog: [] }, index: null },
    });
    const verdict = await imagePlatforms.run(PARAMS, imageContext(facts(), inspector));
    expect(verdict.status).toBe('fail');
    expect(verdict.hint).toContain('--platform=$BUILDPLATFORM');
  });

  it('on an engine without the containerd store it is skipped for the engine, saying why, and builds nothing', async () => {
    const { inspector, builds } = inspectorWith({ support: { supported: false, reason: 'Docker 20.10.24 with the overlay2 graph driver keeps one platform per image' } });
    const verdict = await imagePlatforms.run(PARAMS, imageContext(facts(), inspector));
    expect(verdict).toMatchObject({ status: 'skip', skippedFor: 'engine', message: expect.stringContaining('keeps one platform per image') });
    expect(builds()).toBe(0);
  });

  it('without the engine functions it fails, never passes or skips', async () => {
    expect((await imagePlatforms.run(PARAMS, imageContext(facts(), new FakeInspector()))).status).toBe('fail');
  });

  it('refuses a single platform or an unknown architecture', () => {
    expect(() => imagePlatforms.params.parse({ platforms: ['linux/amd64'], binary: '/pinger' })).toThrow();
    expect(() => imagePlatforms.params.parse({ platforms: ['linux/amd64', 'linux/mips'], binary: '/pinger' })).toThrow();
  });
});
