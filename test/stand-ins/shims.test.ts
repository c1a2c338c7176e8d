import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT } from '../support/cli.js';

const DIR = path.join(ROOT, 'scripts', 'stand-ins');
const read = (file: string) => readFile(path.join(DIR, file), 'utf8');

// The engine tests (test/integration/stand-ins.test.ts) reproduce the real images' failures; these
// keep the shared shim files consistent without an engine.
describe('stand-in shims', () => {
  it('the alpine and php stand-ins carry the same apk shim and the same table of Alpine names', async () => {
    expect(await read('php/apk')).toBe(await read('alpine/apk'));
    expect(await read('php/packages')).toBe(await read('alpine/packages'));
  });

  it('the table names each Alpine package once, with Debian packages or "-" for each', async () => {
    const rows = (await read('alpine/packages'))
      .split('\n')
      .filter((line) => line.trim() && !line.startsWith('#'))
      .map((line) => line.trim().split(/\s+/));
    const names = rows.map(([name]) => name!);
    expect(new Set(names).size).toBe(names.length);
    for (const row of rows) expect(row.length, row.join(' ')).toBeGreaterThan(1);
    // Debian-only names must not be accepted as Alpine ones: they are what the shim refuses.
    for (const debian of ['build-essential', 'libpq5', 'python3-pip', 'zlib1g-dev', 'libssl-dev', 'libicu-dev']) expect(names).not.toContain(debian);
    // What the packs and the official images' own Dockerfiles install.
    for (const alpine of ['postgresql-dev', 'libpq', 'git', 'unzip', 'autoconf', 'dpkg-dev', 'dpkg', 'file', 'g++', 'gcc', 'libc-dev', 'make', 'pkgconf', 're2c', 'musl-dev', 'ca-certificates'])
      expect(names).toContain(alpine);
  });

  it('the golang stand-in does not set CGO_ENABLED, as the official image does not', async () => {
    const dockerfile = await read('golang/Dockerfile');
    expect(dockerfile.split('\n').filter((line) => /^ENV\b/.test(line)).join('\n')).not.toMatch(/CGO_ENABLED/);
  });
});
