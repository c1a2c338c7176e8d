import { randomBytes } from 'node:crypto';
import { errorMessage, isUserError } from '../errors.js';

/** One message of a run's stream, numbered so a reconnecting page can resume after the last it saw. */
export interface RunMessage {
  id: number;
  event: 'progress' | 'result' | 'failure' | 'end';
  data: unknown;
}

export type RunState = 'running' | 'done' | 'failed' | 'cancelled';

/** Output lines kept for a late subscriber; progress past this is dropped from the replay (not from the live stream). */
const REPLAY_LIMIT = 3000;

/**
 * A verify running for the page: the core's events are buffered for replay and pushed to every
 * subscriber (server-sent events); the run itself knows nothing of HTTP.
 */
export class VerifyRun {
  readonly id = randomBytes(8).toString('hex');
  readonly startedAt = Date.now();
  state: RunState = 'running';
  private readonly messages: RunMessage[] = [];
  private dropped = 0;
  private nextId = 1;
  private readonly listeners = new Set<(message: RunMessage) => void>();
  readonly controller = new AbortController();
  finished: Promise<void>;

  constructor(
    readonly challenge: string,
    readonly workspace: string,
    work: (signal: AbortSignal, progress: (data: unknown) => void) => Promise<unknown>,
  ) {
    this.finished = (async () => {
      try {
        const result = await work(this.controller.signal, (data) => this.push('progress', data));
        this.state = 'done';
        this.push('result', result);
      } catch (error) {
        this.state = this.controller.signal.aborted ? 'cancelled' : 'failed';
        this.push('failure', {
          message: errorMessage(error),
          suggestion: isUserError(error) ? (error.suggestion ?? null) : null,
          cancelled: this.controller.signal.aborted,
        });
      } finally {
        this.push('end', { state: this.state });
        this.listeners.clear();
      }
    })();
  }

  get running(): boolean {
    return this.state === 'running';
  }

  cancel(): void {
    this.controller.abort();
  }

  private push(event: RunMessage['event'], data: unknown): void {
    const message = { id: this.nextId++, event, data };
    this.messages.push(message);
    if (this.messages.length > REPLAY_LIMIT) {
      // Keep the first messages (phases, first steps) and the latest; drop from the middle.
      this.messages.splice(200, 1);
      this.dropped++;
    }
    for (const listener of this.listeners) listener(message);
  }

  /** Replays what was sent after `afterId`, then follows live; returns the unsubscribe function. */
  subscribe(afterId: number, listener: (message: RunMessage) => void): () => void {
    for (const message of this.messages) if (message.id > afterId) listener(message);
    if (!this.running) return () => undefined;
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
}

/** The runs of one server: at most one running per workspace (the core's lock guards against the CLI too). */
export class RunRegistry {
  private readonly runs = new Map<string, VerifyRun>();

  get(id: string): VerifyRun | undefined {
    return this.runs.get(id);
  }

  runningFor(workspace: string): VerifyRun | undefined {
    return [...this.runs.values()].find((run) => run.running && run.workspace === workspace);
  }

  add(run: VerifyRun): VerifyRun {
    this.runs.set(run.id, run);
    // Finished runs are kept a while for late subscribers, then forgotten.
    const finishedRuns = [...this.runs.values()].filter((candidate) => !candidate.running);
    for (const old of finishedRuns.slice(0, Math.max(0, finishedRuns.length - 20))) this.runs.delete(old.id);
    return run;
  }

  /** Cancels every run and waits for their cleanup (Docker objects removed). */
  async cancelAll(): Promise<void> {
    const running = [...this.runs.values()].filter((run) => run.running);
    for (const run of running) run.cancel();
    await Promise.all(running.map((run) => run.finished));
  }
}
