import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ChallengeProgressSchema } from '../../src/workspace/progress-schema.js';
import { emptyChallengeProgress } from '../../src/workspace/progress.js';
import { ROOT } from '../support/cli.js';

const run = promisify(execFile);
const BIN = path.join(ROOT, 'bin', 'run.js');

/**
 * Start-up stays lazy: what a command does not need is never imported. Checked by the modules each run
 * loads (a resolve hook writes every URL), not by timing it: the time is a bench figure (npm run bench).
 */
describe('start-up loads only what the command needs', () => {
  let dir: string;
  let register: string;

  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'shipshape-lazy-'));
    const hook = path.join(dir, 'hook.mjs');
    await writeFile(
      hook,
      `import { appendFileSync } from 'node:fs';\nexport async function resolve(specifier, context, next) {\n  const found = await next(specifier, context);\n  appendFileSync(process.env.LOADED_LOG, found.url + '\\n');\n  return found;\n}\n`,
    );
    register = path.join(dir, 'register.mjs');
    await writeFile(register, `import { register } from 'node:module';\nregister(${JSON.stringify(`file://${hook}`)});\n`);
  });

  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  async function loaded(args: string[], name: string, env: Record<string, string> = {}): Promise<{ stdout: string; stderr: string; modules: string[] }> {
    const log = path.join(dir, `${name}.log`);
    await writeFile(log, '');
    const { stdout, stderr } = await run(process.execPath, ['--import', register, BIN, ...args], {
      // A directory with no course progress: nothing there to validate.
      cwd: dir,
      // This test's own cache (the index of validated manifests), filled by the first command.
      env: { ...process.env, XDG_CACHE_HOME: path.join(dir, 'cache'), LOADED_LOG: log, NO_COLOR: '1', ...env },
    }).catch((failed: { stdout: string; stderr: string }) => failed);
    return { stdout, stderr, modules: await sourcesOf((await readFile(log, 'utf8')).split('\n').filter(Boolean)) };
  }

  // The commands run from dist/bundle/ (scripts/bundle-cli.mjs): a bundled file stands for the sources
  // it holds (dist/bundle/inputs.json, written by the bundler), so "loaded" means loaded in either form.
  async function sourcesOf(urls: string[]): Promise<string[]> {
    const bundle = path.join(ROOT, 'dist', 'bundle');
    const inputs = JSON.parse(await readFile(path.join(bundle, 'inputs.json'), 'utf8')) as Record<string, string[]>;
    return urls.flatMap((url) => {
      const file = url.startsWith('file://') ? new URL(url).pathname : url;
      const inBundle = path.relative(bundle, file).split(path.sep).join('/');
      if (inBundle.startsWith('..') || path.isAbsolute(inBundle)) return [url];
      const held = inputs[inBundle];
      if (!held) throw new Error(`${inBundle} is not in dist/bundle/inputs.json: rebuild (npm run build)`);
      return [url, ...held.map((input) => `file://${path.join(ROOT, input)}`)];
    });
  }

  const packages = (modules: string[]) => new Set(modules.map((url) => /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url)?.[1]).filter(Boolean));

  it('--version prints what oclif would, without loading oclif, the Docker client, the UI or the schemas', async () => {
    const { stdout, modules } = await loaded(['--version'], 'version');
    const pjson = JSON.parse(await readFile(path.join(ROOT, 'package.json'), 'utf8')) as { version: string };
    expect(stdout).toBe(`shipshape/${pjson.version} ${process.platform}-${process.arch} node-${process.version}\n`);
    const used = packages(modules);
    for (const name of ['@oclif/core', 'dockerode', 'ink', 'react', 'zod', 'yaml']) expect(used.has(name), name).toBe(false);
  });

  it('challenge:list (manifests already indexed, no progress file) loads neither oclif, the Docker client, the UI, the YAML parser nor zod, and prints what the oclif command prints', async () => {
    // The first run fills the index of validated manifests; the second is the one a learner meets every day.
    await loaded(['challenge:list'], 'list-first');
    const { stdout, modules } = await loaded(['challenge:list'], 'list');
    expect(stdout).toContain('docker-missing-multistage');
    const used = packages(modules);
    for (const name of ['@oclif/core', 'dockerode', 'ink', 'react', 'zod', 'yaml', 'hono', 'execa']) expect(used.has(name), name).toBe(false);
    // The same table through oclif (the command itself), and any flag goes there too.
    const throughOclif = await loaded(['challenge:list'], 'list-oclif', { SHIPSHAPE_NO_FAST_PATH: '1' });
    expect(packages(throughOclif.modules).has('@oclif/core')).toBe(true);
    expect(stdout).toBe(throughOclif.stdout);
    const json = await loaded(['challenge:list', '--json'], 'list-json');
    expect(packages(json.modules).has('@oclif/core')).toBe(true);
    expect(JSON.parse(json.stdout).challenges.map((row: { id: string }) => row.id)).toContain('docker-missing-multistage');
    // A bad manifest on the way: the command (through oclif) says it, once, with its exit code.
    const broken = path.join(dir, 'broken-packs', 'broken');
    await mkdir(broken, { recursive: true });
    await writeFile(path.join(broken, 'manifest.yaml'), 'id: broken\ntitle: [unclosed\n');
    const bad = await run(process.execPath, [BIN, 'challenge:list'], { cwd: dir, env: { ...process.env, SHIPSHAPE_PACKS: path.dirname(broken), NO_COLOR: '1' } }).catch(
      (failed: { stdout: string; stderr: string; code: number }) => failed,
    );
    expect((bad as { code?: number }).code).toBe(2);
    expect(bad.stderr.match(/✖/g)).toHaveLength(1);
    expect(bad.stderr).toContain('manifest.yaml');
  });

  it('challenge:verify (manifest indexed at challenge:start) gives its static verdicts and reads marker and progress without loading zod', async () => {
    const workspace = path.join(dir, 'seed');
    const started = await loaded(['challenge:start', 'docker-missing-multistage', '--dir', workspace, '--no-prefetch'], 'start');
    expect(started.stderr).toBe('');
    // No engine answers: the run ends after the static phase, with every kind of the challenge loaded (the
    // check parameters come validated from the index; zod would load only for one that does not).
    const { stdout, stderr, modules } = await loaded(['challenge:verify', '--dir', workspace, '--plain'], 'verify', {
      DOCKER_HOST: `unix://${path.join(dir, 'no-engine.sock')}`,
    });
    expect(stdout).toMatch(/(✔ PASS|✖ FAIL) .*\(multi-stage\)/);
    expect(stderr).toContain('No Docker engine answered');
    // The command ran from the bundle, where the kinds are chunks of their own.
    expect(modules.some((url) => url.endsWith('/dist/bundle/commands/challenge/verify.js'))).toBe(true);
    expect(modules.some((url) => url.endsWith('/dist/checks/image/size-vs-starter.js'))).toBe(true);
    expect(modules.some((url) => url.endsWith('/dist/workspace/state-shapes.js'))).toBe(true);
    const used = packages(modules);
    expect(used.has('dockerfile-ast')).toBe(true);
    for (const name of ['zod', 'yaml', 'ink', 'react', 'hono']) expect(used.has(name), name).toBe(false);
  });

  it("the progress defaults spelled out for start-up equal the schema's", () => {
    expect(emptyChallengeProgress()).toEqual(ChallengeProgressSchema.parse({}));
  });
});
