import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { execa, type ResultPromise } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT, shipshape } from '../support/cli.js';
import { hostileDockerfiles } from '../support/hostile-dockerfiles.mjs';

/**
 * The interactive (ink) view of challenge:verify on a terminal that reports 0 columns, fed Dockerfiles
 * whose messages are huge or hold escape bytes, and interrupted by signals. The bounds are outcomes
 * ("it exited after SIGINT", "the verdicts were shown") with generous deadlines; how fast is in bench/.
 */
const PACKS = path.join(ROOT, 'test', 'fixtures', 'packs', 'static-all');
const FAKE_TTY = path.join(ROOT, 'test', 'support', 'fake-tty.mjs');
/** Far above what any of these runs needs on a loaded machine: reaching it means the view hung. */
const DEADLINE_MS = 180_000;

describe('interactive verify view with hostile Dockerfiles on a 0-column terminal', { timeout: 400_000 }, () => {
  let scratch: string;
  let workspace: string;
  let hungSocket: string;
  let server: net.Server;
  const sockets: net.Socket[] = [];

  beforeAll(async () => {
    scratch = await mkdtemp(path.join(os.tmpdir(), 'shipshape-hostile-view-'));
    workspace = path.join(scratch, 'ws');
    const started = await shipshape(['challenge:start', 'docker-static-all', '--dir', workspace, '--pack', PACKS]);
    expect(started.exitCode, started.all).toBe(0);
    // An "engine" that accepts connections and never answers: the run waits there until it is interrupted.
    hungSocket = path.join(scratch, 'hung.sock');
    server = net.createServer((socket) => sockets.push(socket));
    await new Promise<void>((resolve) => server.listen(hungSocket, resolve));
  });

  afterAll(async () => {
    for (const socket of sockets) socket.destroy();
    await new Promise((resolve) => server?.close(resolve));
    if (scratch) await rm(scratch, { recursive: true, force: true });
  });

  function startView(dockerHost: string, env: Record<string, string> = {}): { child: ResultPromise; output: () => string; waitFor: (text: string) => Promise<void> } {
    const child = execa(process.execPath, [FAKE_TTY, 'challenge:verify', '--dir', workspace, '--pack', PACKS], {
      reject: false,
      all: true,
      env: { ...liveEnv(), FAKE_TTY_COLUMNS: '0', DOCKER_HOST: dockerHost, ...env },
      extendEnv: false,
    });
    let output = '';
    const waiters: Array<{ text: string; resolve: () => void }> = [];
    child.all!.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      for (const waiter of waiters.splice(0)) {
        if (output.includes(waiter.text)) waiter.resolve();
        else waiters.push(waiter);
      }
    });
    const waitFor = (text: string) =>
      new Promise<void>((resolve, reject) => {
        if (output.includes(text)) return resolve();
        waiters.push({ text, resolve });
        void child.then(() => (output.includes(text) ? resolve() : reject(new Error(`ended before "${text}":\n${output.slice(-2000)}`))));
      });
    return { child, output: () => output, waitFor };
  }

  /** The environment without CI markers: in CI the command prints plain lines, and this tests the live view. */
  function liveEnv(): Record<string, string> {
    const env: Record<string, string> = {};
    for (const [key, value] of Object.entries(process.env)) {
      if (value !== undefined && key !== 'CI' && key !== 'CONTINUOUS_INTEGRATION' && key !== 'NO_COLOR') env[key] = value;
    }
    return env;
  }

  async function endsWithin<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`${what}: still running after ${ms / 1000} s`)), ms);
    });
    try {
      return await Promise.race([promise, late]);
    } finally {
      clearTimeout(timer);
    }
  }

  const missingEngine = () => `unix://${path.join(scratch, 'nothing-here.sock')}`;
  const injected = ['\u001b]0;pwned', '\u0007', '\u0000', '\u202e', '\u001b[2J', '\u001bP'];

  for (const [name, build] of Object.entries(hostileDockerfiles)) {
    it(`${name}: every static verdict is shown, cut to the screen, no injected byte reaches it; the run ends with the engine error`, async () => {
      await writeFile(path.join(workspace, 'Dockerfile'), build());
      const view = startView(missingEngine());
      const result = await endsWithin(view.child, DEADLINE_MS, name);
      const output = view.output();
      expect(result.exitCode, output.slice(-3000)).toBe(2);
      expect(output).toContain('No Docker engine answered');
      for (const id of ['stages', 'builder', 'install-in-builder', 'final-from', 'copy-from-builder', 'no-make-copied', 'healthcheck', 'exec-form']) {
        expect(output).toContain(`(${id})`);
      }
      for (const bytes of injected) expect(output.includes(bytes), JSON.stringify(bytes)).toBe(false);
      // Nothing longer than a screenful per check: the live view cut it, the full text is in --json.
      expect(output.length).toBeLessThan(200_000);
      // The live view, not the plain lines: the phase summary line is its own.
      expect(output).toContain('Static checks (Dockerfile) ');
    });
  }

  it('NO_COLOR: the escape bytes of a Dockerfile are stripped all the same', async () => {
    await writeFile(path.join(workspace, 'Dockerfile'), hostileDockerfiles['escape bytes']());
    const view = startView(missingEngine(), { NO_COLOR: '1' });
    const result = await endsWithin(view.child, DEADLINE_MS, 'NO_COLOR');
    expect(result.exitCode).toBe(2);
    for (const bytes of injected) expect(view.output().includes(bytes), JSON.stringify(bytes)).toBe(false);
    // The live view (its phase strip), and the learner's text without its control bytes.
    expect(view.output()).toContain('Static checks (Dockerfile) ');
    expect(view.output()).toContain('CMD run');
  });

  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    it(`${signal} while the engine never answers, after huge verdicts were drawn: the run ends, exit 130`, async () => {
      await writeFile(path.join(workspace, 'Dockerfile'), hostileDockerfiles['1 MB exec-form CMD']());
      const view = startView(`unix://${hungSocket}`);
      await endsWithin(view.waitFor('Static checks (Dockerfile) '), DEADLINE_MS, 'static phase');
      await view.waitFor('·');
      view.child.kill(signal);
      const result = await endsWithin(view.child, 20_000, `after ${signal}`);
      expect(result.exitCode, view.output().slice(-2000)).toBe(130);
      expect(view.output()).toContain('cancelling');
    });
  }

  it('SIGINT while the static phase is busy with a 5000-stage chain: the run ends, exit 130', async () => {
    await writeFile(path.join(workspace, 'Dockerfile'), hostileDockerfiles['5000-stage chain']());
    const view = startView(`unix://${hungSocket}`);
    await endsWithin(view.waitFor('Every static Dockerfile check'), DEADLINE_MS, 'title');
    view.child.kill('SIGINT');
    const result = await endsWithin(view.child, 30_000, 'after SIGINT');
    expect(result.exitCode, view.output().slice(-2000)).toBe(130);
  });
});
