import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { VerifyResult } from '../../src/grading/result.js';
import { type WatchOutcome, type WatchRun, watchLoop } from '../../src/grading/watch.js';
import { ignoredByWatch, watchWorkspaceFiles } from '../../src/workspace/watch.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function until(what: string, condition: () => boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(5);
  }
}

function fakeResult(run: number): VerifyResult {
  return { runId: `run-${run}`, passed: run % 2 === 0 } as VerifyResult;
}

/**
 * A verify that takes `durationMs` unless cancelled, and after a cancel still needs `cleanupMs`
 * (the RunScope disposing) before it rejects, as the real one does.
 */
function harness(options: { durationMs: number | ((run: WatchRun) => number); cleanupMs?: number; fail?: (run: WatchRun) => Error | null }) {
  const log: string[] = [];
  let active = 0;
  let maxActive = 0;
  let change: ((file: string) => void) | null = null;
  let watching = false;
  const outcomes: Array<{ run: WatchRun; outcome: WatchOutcome }> = [];
  const cancelling: Array<{ run: number; changed: string[] }> = [];
  const quit = new AbortController();
  const loop = watchLoop({
    debounceMs: 40,
    signal: quit.signal,
    watch: async (onChange) => {
      change = onChange;
      watching = true;
      return async () => {
        watching = false;
      };
    },
    verify: (signal, run) => {
      active++;
      maxActive = Math.max(maxActive, active);
      log.push(`start ${run.number} [${run.changed.join(',')}]`);
      const duration = typeof options.durationMs === 'function' ? options.durationMs(run) : options.durationMs;
      return new Promise<VerifyResult>((resolve, reject) => {
        const done = setTimeout(() => {
          active--;
          const error = options.fail?.(run);
          log.push(`${error ? 'error' : 'end'} ${run.number}`);
          if (error) reject(error);
          else resolve(fakeResult(run.number));
        }, duration);
        signal.addEventListener('abort', () => {
          clearTimeout(done);
          setTimeout(() => {
            active--;
            log.push(`cancelled ${run.number}`);
            reject(new Error('cancelled'));
          }, options.cleanupMs ?? 30);
        });
      });
    },
    onCancelling: (run, changed) => cancelling.push({ run: run.number, changed }),
    onRunEnd: (run, outcome) => outcomes.push({ run, outcome }),
  });
  return {
    log,
    outcomes,
    cancelling,
    loop,
    quit: () => quit.abort(),
    save: (file: string) => change!(file),
    get maxActive() {
      return maxActive;
    },
    get watching() {
      return watching;
    },
  };
}

describe('watchLoop', () => {
  it('verifies at once, then once per burst of saves, with every file of the burst', async () => {
    const h = harness({ durationMs: 20 });
    await until('the first run', () => h.outcomes.length === 1);
    expect(h.log).toEqual(['start 1 []', 'end 1']);
    h.save('Dockerfile');
    await sleep(10);
    h.save('src/app.php');
    await sleep(10);
    h.save('Dockerfile');
    await until('the second run', () => h.outcomes.length === 2);
    await sleep(100); // nothing more starts without a save
    expect(h.log).toEqual(['start 1 []', 'end 1', 'start 2 [Dockerfile,src/app.php]', 'end 2']);
    h.quit();
    expect(await h.loop).toEqual({ runs: 2, last: { kind: 'result', result: fakeResult(2) } });
    expect(h.watching).toBe(false);
  });

  it('a save during a run cancels it, waits for its cleanup, then starts again; never two at once', async () => {
    const h = harness({ durationMs: (run) => (run.number === 1 ? 20 : run.number === 2 ? 5000 : 20), cleanupMs: 80 });
    await until('the first result', () => h.outcomes.length === 1);
    h.save('Dockerfile');
    await until('the slow second run', () => h.log.includes('start 2 [Dockerfile]'));
    h.save('Dockerfile');
    await until('the third run', () => h.outcomes.length === 3);
    expect(h.log).toEqual(['start 1 []', 'end 1', 'start 2 [Dockerfile]', 'cancelled 2', 'start 3 [Dockerfile]', 'end 3']);
    expect(h.cancelling).toEqual([{ run: 2, changed: ['Dockerfile'] }]);
    expect(h.outcomes.map((o) => o.outcome.kind)).toEqual(['result', 'cancelled', 'result']);
    expect(h.maxActive).toBe(1);
    h.quit();
    await h.loop;
  });

  it('saves while a cancelled run is still cleaning up make one more run, not two', async () => {
    const h = harness({ durationMs: (run) => (run.number === 1 ? 5000 : 20), cleanupMs: 150 });
    await until('the first run', () => h.log.length === 1);
    h.save('a');
    await until('the cancel', () => h.cancelling.length === 1);
    h.save('b'); // lands while run 1 is still disposing
    await sleep(60);
    h.save('c');
    await until('a result', () => h.outcomes.some((o) => o.outcome.kind === 'result'));
    await sleep(150);
    expect(h.log.filter((line) => line.startsWith('start'))).toEqual(['start 1 []', 'start 2 [a,b,c]']);
    expect(h.maxActive).toBe(1);
    h.quit();
    await h.loop;
  });

  it('quitting cancels the running verify and returns only after it has cleaned up', async () => {
    const h = harness({ durationMs: (run) => (run.number === 1 ? 10 : 5000), cleanupMs: 100 });
    await until('the first result', () => h.outcomes.length === 1);
    h.save('Dockerfile');
    await until('the second run', () => h.log.length === 3);
    h.quit();
    const ended = await h.loop;
    expect(h.log.at(-1)).toBe('cancelled 2');
    expect(ended.runs).toBe(2);
    // The cancelled run is not the last result: the exit code comes from the last finished one.
    expect(ended.last).toEqual({ kind: 'result', result: fakeResult(1) });
    expect(h.watching).toBe(false);
  });

  it('an error ends that run only; the next save verifies again', async () => {
    const h = harness({ durationMs: 10, fail: (run) => (run.number === 1 ? new Error('no Dockerfile') : null) });
    await until('the first outcome', () => h.outcomes.length === 1);
    expect(h.outcomes[0]!.outcome).toMatchObject({ kind: 'error', error: { message: 'no Dockerfile' } });
    h.save('Dockerfile');
    await until('the second outcome', () => h.outcomes.length === 2);
    expect(h.outcomes[1]!.outcome.kind).toBe('result');
    h.quit();
    await h.loop;
  });
});

describe('watchWorkspaceFiles', () => {
  let dir: string | null = null;
  afterEach(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
    dir = null;
  });

  it('ignores our state folder, .git and editor temp files', () => {
    for (const file of ['.shipshape/verify.lock', '.shipshape', '.git/index', '.Dockerfile.swp', 'Dockerfile~', '4913', '.#Dockerfile', '#Dockerfile#', 'src/x.tmp']) {
      expect(ignoredByWatch(file), file).toBe(true);
    }
    for (const file of ['Dockerfile', 'src/app.php', '.dockerignore', 'composer.json']) expect(ignoredByWatch(file), file).toBe(false);
  });

  it('reports saves of workspace files and not of ignored ones', async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'shipshape-watch-'));
    await mkdir(path.join(dir, '.shipshape'));
    await writeFile(path.join(dir, 'Dockerfile'), 'FROM scratch\n');
    const seen: string[] = [];
    const stop = await watchWorkspaceFiles(dir, (file) => seen.push(file));
    try {
      await writeFile(path.join(dir, '.shipshape', 'verify.lock'), '{}');
      await writeFile(path.join(dir, '.Dockerfile.swp'), 'x');
      await writeFile(path.join(dir, 'Dockerfile'), 'FROM scratch\nCMD ["x"]\n');
      await until('the Dockerfile change', () => seen.includes('Dockerfile'));
      await sleep(200);
      expect(seen.filter((file) => file !== 'Dockerfile')).toEqual([]);
    } finally {
      await stop();
    }
  });
});
