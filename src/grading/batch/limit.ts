/** After a timeout, how long the verify gets to clean up before its slot is given back regardless. */
export const CLEANUP_GRACE_MS = 30_000;

/** One submission's wall-clock limit and the batch's cancel, joined in one signal for its verify. */
export interface SubmissionLimit {
  signal: AbortSignal;
  /** The limit (not a cancel) stopped it. */
  timedOut(): boolean;
  /** Stops the timer and stops following the batch's cancel. */
  dispose(): void;
}

export function startLimit(timeoutSeconds: number, batchSignal?: AbortSignal): SubmissionLimit {
  const abort = new AbortController();
  let timedOut = false;
  const onBatchAbort = () => abort.abort();
  batchSignal?.addEventListener('abort', onBatchAbort, { once: true });
  const timer = setTimeout(() => {
    timedOut = true;
    abort.abort();
  }, timeoutSeconds * 1000);
  return {
    signal: abort.signal,
    timedOut: () => timedOut,
    dispose: () => {
      clearTimeout(timer);
      batchSignal?.removeEventListener('abort', onBatchAbort);
    },
  };
}

/**
 * The work's result, or 'stuck' when it has not settled `ms` after the start: a verify stuck in an engine
 * call that ignores the abort still gives its slot back (its late result or error is dropped).
 */
export async function unlessStuck<T>(work: Promise<T>, ms: number): Promise<T | 'stuck'> {
  const hardLimit = new Promise<'stuck'>((resolve) => {
    const guard = setTimeout(() => resolve('stuck'), ms);
    void work.finally(() => clearTimeout(guard)).catch(() => undefined);
  });
  const result = await Promise.race([work, hardLimit]);
  if (result === 'stuck') work.catch(() => undefined);
  return result;
}
