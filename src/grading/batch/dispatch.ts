import type { EnginePool, EngineSlot } from './pool.js';
import type { BatchEvent, BatchJob, GradeAttempt, SubmissionOutcome } from './types.js';

export interface Dispatch {
  pool: EnginePool;
  concurrency: number;
  signal?: AbortSignal;
  emit(event: BatchEvent): void;
  /** One attempt at the job on that engine. */
  grade(job: BatchJob, slot: EngineSlot): Promise<GradeAttempt>;
  /** The verdict of a job no engine is left to grade (status error). */
  ungraded(job: BatchJob, message: string): SubmissionOutcome;
  /** A job's final outcome. */
  finish(job: BatchJob, outcome: SubmissionOutcome): void;
}

interface QueuedJob extends BatchJob {
  /** Engines lost while grading this job: it is graded again on another one. */
  avoid: Set<EngineSlot>;
}

/**
 * Grades the queued jobs at most `concurrency` at a time, each on the engine with the most room. A job
 * whose engine is lost mid-run goes back to the front of the queue for another engine; with none left
 * it is an error. A cancel lets the running gradings end and starts no new one.
 */
export async function dispatch(jobs: BatchJob[], run: Dispatch): Promise<void> {
  const queue: QueuedJob[] = jobs.map((job) => ({ ...job, avoid: new Set() }));
  const workers = Array.from({ length: Math.max(1, Math.min(run.concurrency, queue.length)) }, () => worker(queue, run));
  await Promise.all(workers);
}

async function worker(queue: QueuedJob[], run: Dispatch): Promise<void> {
  for (;;) {
    if (run.signal?.aborted) return;
    const job = queue.shift();
    if (!job) return;
    const slot = run.pool.pick(job.avoid);
    if (!slot) {
      run.finish(job, run.ungraded(job, run.pool.noEngineMessage()));
      continue;
    }
    job.attempts++;
    const result = await run.pool.occupy(slot, () => {
      run.emit({ type: 'start', name: job.name, engine: slot.usage.endpoint, attempt: job.attempts });
      return run.grade(job, slot);
    });
    if (result.kind === 'cancelled') return;
    if (result.kind === 'engine-lost') {
      regradeElsewhere(queue, job, slot, result.reason, run);
      continue;
    }
    slot.usage.graded++;
    run.finish(job, result.outcome);
  }
}

/** The engine is left out; the job goes first in line for another one, or is an error when none is left. */
function regradeElsewhere(queue: QueuedJob[], job: QueuedJob, slot: EngineSlot, reason: string, run: Dispatch): void {
  run.pool.markLost(slot, reason);
  job.avoid.add(slot);
  if (run.pool.pick(job.avoid)) {
    run.emit({ type: 'retry', name: job.name, engine: slot.usage.endpoint, reason });
    queue.unshift(job);
  } else {
    run.finish(job, run.ungraded(job, `${reason}; ${run.pool.noEngineMessage()}`));
  }
}
