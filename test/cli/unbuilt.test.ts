import { execFile } from 'node:child_process';
import { copyFile, mkdir, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT } from '../support/cli.js';

const run = promisify(execFile);

describe('a copy of shipshape that was never built', () => {
  let dir: string;
  beforeAll(async () => {
    // bin/run.js alone, as in a clone where `npm run build` has not run: no dist/.
    dir = await mkdtemp(path.join(os.tmpdir(), 'shipshape-unbuilt-'));
    await mkdir(path.join(dir, 'bin'));
    await copyFile(path.join(ROOT, 'bin', 'run.js'), path.join(dir, 'bin', 'run.js'));
    await copyFile(path.join(ROOT, 'package.json'), path.join(dir, 'package.json'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('says to build it, in one message with exit 2, not with a stack trace', async () => {
    const failed = (await run(process.execPath, [path.join(dir, 'bin', 'run.js'), 'challenge:status']).catch((error: unknown) => error)) as {
      code: number;
      stderr: string;
    };
    expect(failed.code).toBe(2);
    expect(failed.stderr).toContain('not built (dist/bundle/ is missing)');
    expect(failed.stderr).toContain('npm run build');
    expect(failed.stderr).not.toMatch(/\n\s+at /);
  });
});
