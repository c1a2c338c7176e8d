/**
 * The one polling loop of the engine code and the checks: probe, sleep, probe again, until the probe
 * has an answer, the deadline passes or the signal aborts. Every wait for readiness goes through it,
 * so the deadline has one owner and no loop oversleeps it or ignores Ctrl-C.
 */

/** What a wait ended with: the probe's answer, or why there is none. */
export type Waited<T> = { ready: true; value: T } | { ready: false; reason: 'deadline' | 'aborted' };

export interface WaitOptions {
  /**
   * Milliseconds between the end of one probe and the start of the next; a function gets the number
   * of probes made so far (1 after the first) for intervals that change (a faster start, a backoff).
   */
  interval: number | ((probes: number) => number);
  /** Time (ms since the epoch, as Date.now()) after which no sleep starts: the wait ends there. */
  deadline: number;
  /** Aborting ends the wait at once (a running probe finishes first; pass the signal to it too). */
  signal?: AbortSignal;
}

/** An answer: anything but undefined, null or false (those mean "not yet"). */
export type MaybeAnswer<T> = T | undefined | null | false;

/**
 * Runs `probe` (at least once, unless the signal has already aborted) until it returns an answer;
 * the probe gets the number of probes made before it (0 the first time). An error it throws ends the
 * wait with that error: the probe decides what is fatal. Sleeps never reach past the deadline: the last probe runs at the deadline itself, so the whole
 * window is watched, and the wait ends within one probe's time after it.
 */
export async function waitFor<T>(probe: (probes: number) => Promise<MaybeAnswer<T>> | MaybeAnswer<T>, options: WaitOptions): Promise<Waited<T>> {
  const { signal, deadline } = options;
  for (let probes = 0; ; ) {
    if (signal?.aborted) return { ready: false, reason: 'aborted' };
    const value = await probe(probes);
    probes += 1;
    if (value !== undefined && value !== null && value !== false) return { ready: true, value };
    const left = deadline - Date.now();
    if (left <= 0) return { ready: false, reason: 'deadline' };
    if (signal?.aborted) return { ready: false, reason: 'aborted' };
    const interval = typeof options.interval === 'function' ? options.interval(probes) : options.interval;
    await sleep(Math.max(0, Math.min(interval, left)), signal);
  }
}

/** Resolves after `ms`, or at once when the signal aborts (never rejects). */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) {
      resolve();
      return;
    }
    const done = () => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    };
    // A referenced timer: while a wait runs, it is what keeps the process alive (see registry.ts).
    const timer = setTimeout(done, ms);
    signal?.addEventListener('abort', done, { once: true });
  });
}
