import fc from 'fast-check';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { sleep, waitFor } from '../src/wait.js';

/**
 * waitFor on fake timers: Date.now() and setTimeout are the clock, so "when" is exact and nothing here
 * depends on how fast the machine is.
 */
describe('waitFor', () => {
  beforeEach(() => {
    vi.useFakeTimers({ now: 1_000_000 });
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  /** Runs the wait to its end on the fake clock; returns the outcome and the fake time it took. */
  async function settle<T>(waiting: Promise<T>): Promise<{ outcome: T; tookMs: number }> {
    const start = Date.now();
    let outcome: T | undefined;
    let done = false;
    void waiting.then((value) => {
      outcome = value;
      done = true;
    });
    await vi.advanceTimersByTimeAsync(0);
    for (let step = 0; step < 100_000 && !done; step++) await vi.advanceTimersByTimeAsync(1);
    expect(done).toBe(true);
    return { outcome: outcome as T, tookMs: Date.now() - start };
  }

  it('returns the first answer the probe gives, passed through as it is', async () => {
    const answer = { status: 'healthy', at: 3 };
    let calls = 0;
    const { outcome, tookMs } = await settle(waitFor(() => (++calls === 3 ? answer : undefined), { interval: 100, deadline: Date.now() + 10_000 }));
    expect(outcome).toEqual({ ready: true, value: answer });
    if (outcome.ready) expect(outcome.value).toBe(answer);
    expect(calls).toBe(3);
    expect(tookMs).toBe(200);
  });

  it('treats undefined, null and false as "not yet", and 0 or "" as answers', async () => {
    const answers: unknown[] = [undefined, null, false, 0];
    const { outcome } = await settle(waitFor(() => answers.shift() as number | undefined, { interval: 10, deadline: Date.now() + 1000 }));
    expect(outcome).toEqual({ ready: true, value: 0 });
    expect((await settle(waitFor(() => '', { interval: 10, deadline: Date.now() + 1000 }))).outcome).toEqual({ ready: true, value: '' });
  });

  it('times out at the deadline with a last probe there, never sleeping past it', async () => {
    const times: number[] = [];
    const start = Date.now();
    const { outcome, tookMs } = await settle(
      waitFor(() => {
        times.push(Date.now() - start);
        return undefined;
      }, { interval: 300, deadline: start + 1000 }),
    );
    expect(outcome).toEqual({ ready: false, reason: 'deadline' });
    expect(times).toEqual([0, 300, 600, 900, 1000]);
    expect(tookMs).toBe(1000);
  });

  it('probes once even when the deadline has passed', async () => {
    const probe = vi.fn(() => undefined);
    const { outcome, tookMs } = await settle(waitFor(probe, { interval: 100, deadline: Date.now() - 5 }));
    expect(outcome).toEqual({ ready: false, reason: 'deadline' });
    expect(probe).toHaveBeenCalledTimes(1);
    expect(tookMs).toBe(0);
  });

  it('follows an interval that changes with the number of probes (a faster start, then slower)', async () => {
    const times: number[] = [];
    const start = Date.now();
    await settle(
      waitFor(() => {
        times.push(Date.now() - start);
        return times.length === 5 ? true : undefined;
      }, { interval: (probes) => (probes < 3 ? 50 : 400), deadline: start + 10_000 }),
    );
    expect(times).toEqual([0, 50, 100, 500, 900]);
  });

  it('ends at once when the signal aborts during a sleep, and probes nothing when it aborted before', async () => {
    const controller = new AbortController();
    const probe = vi.fn(() => undefined);
    const waiting = waitFor(probe, { interval: 5000, deadline: Date.now() + 60_000, signal: controller.signal });
    await vi.advanceTimersByTimeAsync(10);
    controller.abort();
    const { outcome, tookMs } = await settle(waiting);
    expect(outcome).toEqual({ ready: false, reason: 'aborted' });
    expect(tookMs).toBeLessThanOrEqual(1);
    expect(probe).toHaveBeenCalledTimes(1);

    const before = vi.fn(() => true);
    expect((await settle(waitFor(before, { interval: 10, deadline: Date.now() + 100, signal: controller.signal }))).outcome).toEqual({ ready: false, reason: 'aborted' });
    expect(before).not.toHaveBeenCalled();
  });

  it('does not sleep after a probe that ended with the signal aborted', async () => {
    const controller = new AbortController();
    const { outcome, tookMs } = await settle(
      waitFor(() => {
        controller.abort();
        return undefined;
      }, { interval: 1000, deadline: Date.now() + 10_000, signal: controller.signal }),
    );
    expect(outcome).toEqual({ ready: false, reason: 'aborted' });
    expect(tookMs).toBe(0);
  });

  it('lets an error of the probe through (the probe decides what is fatal)', async () => {
    await expect(waitFor(() => Promise.reject(new Error('exited with code 1')), { interval: 10, deadline: Date.now() + 100 })).rejects.toThrow('exited with code 1');
  });

  it('property: an instant probe never keeps it past the deadline, the answer passes through, and the probes are one interval apart', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 500 }),
        fc.integer({ min: 0, max: 3000 }),
        fc.option(fc.integer({ min: 0, max: 40 }), { nil: undefined }),
        async (interval, window, readyAt) => {
          const start = Date.now();
          const times: number[] = [];
          const { outcome, tookMs } = await settle(
            waitFor((probes) => {
              times.push(Date.now() - start);
              return probes === readyAt ? { probes } : undefined;
            }, { interval, deadline: start + window }),
          );
          expect(tookMs).toBeLessThanOrEqual(window);
          const expectedProbes = Math.ceil(window / interval) + 1;
          if (readyAt !== undefined && readyAt < expectedProbes) {
            expect(outcome).toEqual({ ready: true, value: { probes: readyAt } });
          } else {
            expect(outcome).toEqual({ ready: false, reason: 'deadline' });
            expect(times.at(-1)).toBe(window);
          }
          times.forEach((at, index) => expect(at).toBe(Math.min(index * interval, window)));
        },
      ),
      { numRuns: 60 },
    );
  });
});

describe('sleep', () => {
  it('resolves at once on an aborted signal, and when the signal aborts', async () => {
    vi.useFakeTimers();
    try {
      const controller = new AbortController();
      controller.abort();
      await sleep(60_000, controller.signal);
      const other = new AbortController();
      let done = false;
      void sleep(60_000, other.signal).then(() => (done = true));
      await vi.advanceTimersByTimeAsync(5);
      expect(done).toBe(false);
      other.abort();
      await vi.advanceTimersByTimeAsync(0);
      expect(done).toBe(true);
    } finally {
      vi.useRealTimers();
    }
  });
});
