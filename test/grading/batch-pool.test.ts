import { describe, expect, it } from 'vitest';
import type { Engine } from '../../src/engine/connect.js';
import { EngineUnavailableError, UserError } from '../../src/errors.js';
import { dispatch } from '../../src/grading/batch/dispatch.js';
import { EnginePool, type EngineSlot, type PoolProbes, connectEngines } from '../../src/grading/batch/pool.js';
import type { BatchEvent, BatchJob, GradeAttempt, SubmissionOutcome } from '../../src/grading/batch/types.js';
import type { EngineCapacity } from '../../src/grading/placement.js';

const GiB = 1024 ** 3;
const needs = { cpus: 1, memoryBytes: 512 * 1024 ** 2 };
const fakeEngine = (endpoint: string) => ({ info: { endpoint }, docker: {} }) as unknown as Engine;
const size = (cpus: number, running = 0): Omit<EngineCapacity, 'inFlightAtRead'> => ({ cpus, memoryBytes: 64 * GiB, running });

/** A pool over fake engines whose sizes and sweeps are given (no Docker). */
function fakePool(sizes: Record<string, Omit<EngineCapacity, 'inFlightAtRead'> | null>, sweeps: Record<string, number | Error> = {}) {
  const events: BatchEvent[] = [];
  const capacityReads: Array<{ endpoint: string; inFlight: number }> = [];
  const swept: string[] = [];
  const probes: PoolProbes = {
    readCapacity: async (engine, inFlight) => {
      capacityReads.push({ endpoint: engine.info.endpoint, inFlight });
      const known = sizes[engine.info.endpoint];
      return known ? { ...known, inFlightAtRead: inFlight } : null;
    },
    sweep: async (engine) => {
      swept.push(engine.info.endpoint);
      const result = sweeps[engine.info.endpoint] ?? 0;
      if (result instanceof Error) throw result;
      return { containers: result, images: 2 * result, errors: [] };
    },
  };
  const pool = new EnginePool(Object.keys(sizes).map(fakeEngine), (event) => events.push(event), needs, probes);
  const slot = (endpoint: string) => pool.slots.find((candidate) => candidate.usage.endpoint === endpoint)!;
  return { pool, events, capacityReads, swept, slot };
}

describe('the batch engine pool (fake engines)', () => {
  it('places each grading on the engine with the most room, by its CPUs once they are read', async () => {
    const { pool, slot } = fakePool({ small: size(2), large: size(8) });
    // Unread, both count as one grading's room: the first goes to the first engine.
    expect(pool.pick()).toBe(slot('small'));
    await pool.readCapacities();
    const chosen: string[] = [];
    for (let i = 0; i < 4; i++) {
      const picked = pool.pick()!;
      picked.inFlight++;
      chosen.push(picked.usage.endpoint);
    }
    expect(chosen).toEqual(['large', 'large', 'large', 'large']);
  });

  it('never places on an engine that is lost or that the grading must avoid; none left is null', async () => {
    const { pool, slot, events } = fakePool({ a: size(8), b: size(2), c: size(2) });
    await pool.readCapacities();
    pool.markLost(slot('a'), 'gone');
    expect(pool.pick()).toBe(slot('b'));
    expect(pool.pick(new Set<EngineSlot>([slot('b')]))).toBe(slot('c'));
    pool.markLost(slot('c'), 'gone too');
    expect(pool.pick(new Set<EngineSlot>([slot('b')]))).toBeNull();
    expect(pool.allLost()).toBe(false);
    pool.markLost(slot('b'), 'all gone');
    expect(pool.allLost()).toBe(true);
    expect(events.map((event) => event.type)).toEqual(['engine-lost', 'engine-lost', 'engine-lost']);
  });

  it('marks an engine lost once: the first reason stays and one event is sent', () => {
    const { pool, slot, events } = fakePool({ a: null, b: null });
    pool.markLost(slot('a'), 'connection refused');
    pool.markLost(slot('a'), 'later reason');
    expect(slot('a').usage).toEqual({ endpoint: 'a', graded: 0, lost: true, lostReason: 'connection refused' });
    expect(events).toEqual([{ type: 'engine-lost', engine: 'a', reason: 'connection refused' }]);
    expect(pool.noEngineMessage()).toBe('no Docker engine left to grade on (a: connection refused; b: tried)');
  });

  it('counts a grading in flight while it runs, also when it throws, and re-reads the engine after it with two engines', async () => {
    const { pool, slot, capacityReads } = fakePool({ a: size(4), b: size(4) });
    const seen = await pool.occupy(slot('a'), async () => slot('a').inFlight);
    expect(seen).toBe(1);
    expect(slot('a').inFlight).toBe(0);
    await expect(pool.occupy(slot('b'), async () => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    expect(slot('b').inFlight).toBe(0);
    await Promise.resolve();
    expect(capacityReads).toEqual([
      { endpoint: 'a', inFlight: 0 },
      { endpoint: 'b', inFlight: 0 },
    ]);
  });

  it('does not re-read a single engine after each grading (nothing to choose between)', async () => {
    const { pool, slot, capacityReads } = fakePool({ only: size(4) });
    await pool.occupy(slot('only'), async () => undefined);
    expect(capacityReads).toEqual([]);
  });

  it('sweeps, on close, every engine that still answers, adds up what it removed and reports a sweep that failed', async () => {
    const { pool, slot, swept } = fakePool({ a: null, b: null, c: null }, { a: 1, b: new Error('b did not answer'), c: 3 });
    const lost = fakePool({ x: null });
    lost.pool.markLost(lost.slot('x'), 'gone');
    expect(await lost.pool.close()).toEqual({ containers: 0, images: 0, errors: [] });
    expect(lost.swept).toEqual([]);
    pool.markLost(slot('c'), 'gone');
    expect(await pool.close()).toEqual({ containers: 1, images: 2, errors: ['b did not answer'] });
    expect(swept).toEqual(['a', 'b']);
  });
});

/** A job list and a dispatch over the pool whose gradings are answered by `answer` (no engine). */
function dispatching(pool: EnginePool, events: BatchEvent[], answer: (job: BatchJob, slot: EngineSlot) => Promise<GradeAttempt>, options: { concurrency?: number; signal?: AbortSignal } = {}) {
  const finished: SubmissionOutcome[] = [];
  const verdict = (job: BatchJob, slot: EngineSlot): GradeAttempt => ({
    kind: 'graded',
    outcome: { name: job.name, status: 'pass', engine: slot.usage.endpoint, attempts: job.attempts, message: null } as SubmissionOutcome,
  });
  const run = (names: string[]) =>
    dispatch(
      names.map((name) => ({ name, key: `key-${name}`, contentHash: `hash-${name}`, attempts: 0 })),
      {
        pool,
        concurrency: options.concurrency ?? 1,
        signal: options.signal,
        emit: (event) => events.push(event),
        grade: answer,
        ungraded: (job, message) => ({ name: job.name, status: 'error', engine: null, attempts: job.attempts, message }) as SubmissionOutcome,
        finish: (_job, outcome) => void finished.push(outcome),
      },
    );
  return { run, finished, verdict };
}

describe('dispatching a batch over the pool (fake gradings)', () => {
  it('grades again on another engine what an engine lost mid-run, and leaves that engine out afterwards', async () => {
    const { pool, events, slot } = fakePool({ a: size(8), b: size(2) });
    await pool.readCapacities();
    let d!: ReturnType<typeof dispatching>;
    d = dispatching(pool, events, async (job, on) => (on === slot('a') ? { kind: 'engine-lost', reason: 'a stopped answering' } : d.verdict(job, on)));
    await d.run(['alice', 'bob']);
    expect(d.finished).toEqual([
      expect.objectContaining({ name: 'alice', status: 'pass', engine: 'b', attempts: 2 }),
      expect.objectContaining({ name: 'bob', status: 'pass', engine: 'b', attempts: 1 }),
    ]);
    expect(events).toEqual([
      { type: 'start', name: 'alice', engine: 'a', attempt: 1 },
      { type: 'engine-lost', engine: 'a', reason: 'a stopped answering' },
      { type: 'retry', name: 'alice', engine: 'a', reason: 'a stopped answering' },
      { type: 'start', name: 'alice', engine: 'b', attempt: 2 },
      { type: 'start', name: 'bob', engine: 'b', attempt: 1 },
    ]);
    expect(pool.usage()).toEqual([
      { endpoint: 'a', graded: 0, lost: true, lostReason: 'a stopped answering' },
      { endpoint: 'b', graded: 2, lost: false, lostReason: null },
    ]);
  });

  it('with no engine left, the lost grading and the rest are errors that name every engine, none graded', async () => {
    const { pool, events } = fakePool({ only: null });
    let graded = 0;
    const d = dispatching(pool, events, async () => {
      graded++;
      return { kind: 'engine-lost', reason: 'socket closed' };
    });
    await d.run(['alice', 'bob']);
    expect(graded).toBe(1);
    expect(d.finished).toEqual([
      expect.objectContaining({ name: 'alice', status: 'error', attempts: 1, message: 'socket closed; no Docker engine left to grade on (only: socket closed)' }),
      expect.objectContaining({ name: 'bob', status: 'error', attempts: 0, message: 'no Docker engine left to grade on (only: socket closed)' }),
    ]);
    expect(events.filter((event) => event.type === 'retry')).toEqual([]);
  });

  it('runs at most `concurrency` gradings at once and every submission exactly once', async () => {
    const { pool, events } = fakePool({ a: null, b: null });
    let running = 0;
    let most = 0;
    let d!: ReturnType<typeof dispatching>;
    d = dispatching(
      pool,
      events,
      async (job, on) => {
        running++;
        most = Math.max(most, running);
        await new Promise((resolve) => setImmediate(resolve));
        running--;
        return d.verdict(job, on);
      },
      { concurrency: 3 },
    );
    const names = Array.from({ length: 10 }, (_, index) => `learner${index}`);
    await d.run(names);
    expect(most).toBe(3);
    expect(d.finished.map((outcome) => outcome.name).sort()).toEqual([...names].sort());
    expect(pool.usage().reduce((sum, usage) => sum + usage.graded, 0)).toBe(10);
  });

  it('after a cancel starts nothing new; a cancelled grading gets no outcome', async () => {
    const { pool, events } = fakePool({ a: null });
    const cancel = new AbortController();
    let d!: ReturnType<typeof dispatching>;
    d = dispatching(
      pool,
      events,
      async (job, on) => {
        if (job.name === 'bob') {
          cancel.abort();
          return { kind: 'cancelled' };
        }
        return d.verdict(job, on);
      },
      { signal: cancel.signal },
    );
    await d.run(['alice', 'bob', 'carol']);
    expect(d.finished.map((outcome) => outcome.name)).toEqual(['alice']);
    expect(events.filter((event) => event.type === 'start').map((event) => (event as { name: string }).name)).toEqual(['alice', 'bob']);
  });
});

describe('connecting the engines of a batch (fake connect)', () => {
  const refused = (host: string) => new EngineUnavailableError(`Cannot connect to ${host}`, 'Start it.');

  it('connects the default engine when no --docker-host is given', async () => {
    const asked: unknown[] = [];
    const engines = await connectEngines([], () => undefined, async (options) => {
      asked.push(options);
      return fakeEngine('default');
    });
    expect(engines.map((engine) => engine.info.endpoint)).toEqual(['default']);
    expect(asked).toEqual([undefined]);
  });

  it('connects each host once, leaves out one that does not answer with a warning, keeps the order given', async () => {
    const warnings: string[] = [];
    const engines = await connectEngines(['tcp://b:2375', 'tcp://down:2375', 'tcp://a:2375', 'tcp://b:2375'], (message) => warnings.push(message), async (options) => {
      if (options?.dockerHost === 'tcp://down:2375') throw refused('tcp://down:2375');
      return fakeEngine(options!.dockerHost!);
    });
    expect(engines.map((engine) => engine.info.endpoint)).toEqual(['tcp://b:2375', 'tcp://a:2375']);
    expect(warnings).toEqual(['left out tcp://down:2375: Cannot connect to tcp://down:2375']);
  });

  it('none answering is one engine error naming each; a malformed host is bad input whatever the others do', async () => {
    const none = connectEngines(['tcp://x:1', 'tcp://y:2'], () => undefined, async (options) => Promise.reject(refused(options!.dockerHost!)));
    await expect(none).rejects.toBeInstanceOf(EngineUnavailableError);
    await expect(none).rejects.toThrow('None of the engines answered:\n  Cannot connect to tcp://x:1\n  Cannot connect to tcp://y:2');
    const malformed = connectEngines(['tcp://ok:1', 'bogus://'], () => undefined, async (options) => {
      if (options?.dockerHost === 'bogus://') throw new UserError('--docker-host bogus:// is not an engine address', 2);
      return fakeEngine(options!.dockerHost!);
    });
    await expect(malformed).rejects.toThrow('--docker-host bogus:// is not an engine address');
    await expect(malformed).rejects.not.toBeInstanceOf(EngineUnavailableError);
  });
});
