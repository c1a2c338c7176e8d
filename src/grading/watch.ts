import type { VerifyResult } from './result.js';

/** One verify of a watch session; `changed` lists the files saved since the previous run started. */
export interface WatchRun {
  number: number;
  changed: string[];
}

export type WatchOutcome =
  | { kind: 'result'; result: VerifyResult }
  /** A save (or quitting) stopped the run; its RunScope removed what it had made. */
  | { kind: 'cancelled' }
  | { kind: 'error'; error: unknown };

export interface WatchLoopOptions {
  /** One grading run; it must stop (rejecting) soon after `signal` aborts, with its objects removed and its lock released. */
  verify(signal: AbortSignal, run: WatchRun): Promise<VerifyResult>;
  /** Starts watching the workspace, calling `onChange` with each changed file; resolves to a function that stops it. */
  watch(onChange: (file: string) => void): Promise<() => Promise<void>>;
  /** Quiet time after the last change before a run starts: an editor's save is often several writes. */
  debounceMs?: number;
  /** Quitting: cancels the running verify, waits for it, stops watching. */
  signal: AbortSignal;
  onRunStart?(run: WatchRun): void;
  /** A save arrived while `run` was still going: it is being cancelled to start again. */
  onCancelling?(run: WatchRun, changed: string[]): void;
  /** Awaited before the next run starts, so a view can finish drawing first. */
  onRunEnd?(run: WatchRun, outcome: WatchOutcome): void | Promise<void>;
}

export const DEFAULT_DEBOUNCE_MS = 300;

/**
 * Verifies once, then again after every (debounced) save until `signal` aborts. A save during a run
 * cancels it and starts over once it has ended, so two verifies never overlap and the next one never
 * meets the previous one's lock or objects. Returns the last run that finished (null if none did).
 */
export async function watchLoop(options: WatchLoopOptions): Promise<{ runs: number; last: WatchOutcome | null }> {
  const debounceMs = options.debounceMs ?? DEFAULT_DEBOUNCE_MS;
  const pending = new Set<string>();
  let dirty = true; // the first run starts at once
  let timer: NodeJS.Timeout | null = null;
  let current: { controller: AbortController; run: WatchRun } | null = null;
  let wake: (() => void) | null = null;
  const poke = () => {
    const resolve = wake;
    wake = null;
    resolve?.();
  };

  const onChange = (file: string) => {
    if (options.signal.aborted) return;
    pending.add(file);
    if (timer) clearTimeout(timer);
    timer = setTimeout(() => {
      timer = null;
      dirty = true;
      if (current && !current.controller.signal.aborted) {
        options.onCancelling?.(current.run, [...pending].sort());
        current.controller.abort();
      }
      poke();
    }, debounceMs);
  };
  const onQuit = () => {
    current?.controller.abort();
    poke();
  };
  options.signal.addEventListener('abort', onQuit, { once: true });

  let runs = 0;
  let last: WatchOutcome | null = null;
  const stopWatching = await options.watch(onChange);
  try {
    while (!options.signal.aborted) {
      if (!dirty) {
        await new Promise<void>((resolve) => {
          wake = resolve;
        });
        continue;
      }
      dirty = false;
      const run: WatchRun = { number: ++runs, changed: [...pending].sort() };
      pending.clear();
      const controller = new AbortController();
      current = { controller, run };
      options.onRunStart?.(run);
      let outcome: WatchOutcome;
      try {
        outcome = { kind: 'result', result: await options.verify(controller.signal, run) };
      } catch (error) {
        outcome = controller.signal.aborted ? { kind: 'cancelled' } : { kind: 'error', error };
      }
      current = null;
      if (outcome.kind !== 'cancelled') last = outcome;
      await options.onRunEnd?.(run, outcome);
    }
  } finally {
    if (timer) clearTimeout(timer);
    options.signal.removeEventListener('abort', onQuit);
    await stopWatching();
  }
  return { runs, last };
}
