import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { COSIGN_MISSING, cosignTool, findCosign } from '../../src/engine/cosign.js';

describe('finding cosign', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'shipshape-cosign-find-'));
    await writeFile(path.join(dir, 'cosign'), '#!/bin/sh\n[ "$1" = version ] && echo "GitVersion:    v9.9.9" && exit 0\nexit 3\n');
    await chmod(path.join(dir, 'cosign'), 0o755);
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('SHIPSHAPE_COSIGN first, then PATH, then the tools directory; none: null and a message that says how to install it', async () => {
    const nowhere = { PATH: '/nonexistent', SHIPSHAPE_TOOLS_DIR: '/nonexistent' };
    expect(await findCosign(nowhere)).toBeNull();
    expect(await cosignTool(nowhere)).toEqual({ missing: COSIGN_MISSING });
    expect(COSIGN_MISSING).toContain('scripts/tools/cosign.sh');
    expect(await findCosign({ ...nowhere, PATH: `/nonexistent:${dir}` })).toBe(path.join(dir, 'cosign'));
    expect(await findCosign({ ...nowhere, SHIPSHAPE_COSIGN: path.join(dir, 'cosign') })).toBe(path.join(dir, 'cosign'));
    expect(await findCosign({ PATH: '/nonexistent', SHIPSHAPE_TOOLS_DIR: path.dirname(path.dirname(dir)) })).toBeNull();
  });

  it('reads the version of the one it found', async () => {
    const tool = await cosignTool({ PATH: dir, SHIPSHAPE_TOOLS_DIR: '/nonexistent' });
    expect(tool).toMatchObject({ binary: path.join(dir, 'cosign'), version: 'v9.9.9' });
  });
});
