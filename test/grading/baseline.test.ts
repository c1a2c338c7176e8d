import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';

// The engine calls of a starter measurement, faked: a build that ends with the engine gone, or with a failing step.
const build = vi.hoisted(() => ({ result: null as unknown }));
vi.mock('../../src/engine/build.js', () => ({ buildImage: async () => build.result }));
vi.mock('../../src/engine/inspect.js', () => ({ inspectImage: async () => null }));

const { starterBaseline } = await import('../../src/grading/baseline.js');
const { EngineUnavailableError, UserError } = await import('../../src/errors.js');

describe('the starter measurement when its build fails', () => {
  let dir: string;
  const previousCache = process.env.XDG_CACHE_HOME;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'shipshape-baseline-'));
    await writeFile(path.join(dir, 'Dockerfile'), 'FROM alpine:3.20\n');
    process.env.XDG_CACHE_HOME = path.join(dir, 'cache');
  });
  afterAll(async () => {
    if (previousCache === undefined) delete process.env.XDG_CACHE_HOME;
    else process.env.XDG_CACHE_HOME = previousCache;
    await rm(dir, { recursive: true, force: true });
  });
  const measure = () =>
    starterBaseline({
      engine: { info: { endpoint: 'unix:///gone.sock', serverVersion: '28.5.2' } } as never,
      scope: {} as never,
      challengeId: 'demo',
      starterDir: dir,
      dockerfile: 'Dockerfile',
      buildTimeoutMs: 1000,
    });

  it('an engine that stopped answering is the engine unavailable (batch grading then grades elsewhere), not bad input', async () => {
    build.result = { imageId: null, engineLost: true, failure: { step: null, message: 'connect ENOENT /gone.sock', lastLines: [] } };
    const error = await measure().catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(EngineUnavailableError);
    expect(String((error as Error).message)).toMatch(/stopped answering while the challenge's starter was built/);
  });

  it("a starter that does not build is the challenge's problem, said as such", async () => {
    build.result = { imageId: null, engineLost: false, failure: { step: 'Step 2/3 : RUN false', message: 'exit code 1', lastLines: [] } };
    const error = await measure().catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(UserError);
    expect(error).not.toBeInstanceOf(EngineUnavailableError);
    expect(String((error as Error).message)).toMatch(/Could not build the challenge's starter/);
  });
});
