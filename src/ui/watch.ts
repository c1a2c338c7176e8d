import { errorMessage, isUserError } from '../errors.js';
import type { VerifyEvent } from '../grading/verify.js';
import type { WatchOutcome, WatchRun } from '../grading/watch.js';
import { createPlainRenderer } from './plain.js';
import { type Style, colorWanted, makeStyle } from './style.js';

export interface WatchPresenter {
  /** A run begins; returns where its events go. */
  runStart(run: WatchRun): (event: VerifyEvent) => void;
  cancelling(run: WatchRun, changed: string[]): void;
  runEnd(run: WatchRun, outcome: WatchOutcome): Promise<void>;
  stopped(): void;
}

export interface WatchPresenterOptions {
  interactive: boolean;
  challenge: { id: string; title: string };
  workspace: string;
  verbose?: boolean;
  /** `q` quits (stdin is a terminal); otherwise only Ctrl-C does. */
  quitKey: boolean;
  stdout?: NodeJS.WriteStream;
}

function clock(): string {
  return new Date().toTimeString().slice(0, 8);
}

function changedText(run: WatchRun): string {
  if (run.changed.length === 0) return 'first run';
  const shown = run.changed.slice(0, 3).join(', ');
  return `changed: ${shown}${run.changed.length > 3 ? ` and ${run.changed.length - 3} more` : ''}`;
}

function errorText(error: unknown, style: Style): string {
  // A run that could not grade (no Dockerfile, engine gone) is reported like any command error, without a stack.
  if (isUserError(error)) return `${style.red('✖')} ${error.message}${error.suggestion ? `\n  → ${error.suggestion}` : ''}`;
  return `${style.red('✖')} ${errorMessage(error)}`;
}

/** What watch mode prints around each run: the live view or plain lines, a separator, the outcome, then a wait line. */
export async function createWatchPresenter(options: WatchPresenterOptions): Promise<WatchPresenter> {
  const stdout = options.stdout ?? process.stdout;
  const style = makeStyle(colorWanted(stdout));
  const write = (text: string) => stdout.write(text);
  const quitText = options.quitKey ? 'q or Ctrl-C quits' : 'Ctrl-C quits';
  const waiting = () => write(`\n${style.cyan('◌')} Watching ${options.workspace}: save a file to verify again (${quitText}).\n`);
  const cancelledText = (run: WatchRun) => `${style.yellow('↻')} Run ${run.number} cancelled; everything it created was removed.\n`;

  if (!options.interactive) {
    let renderer: ReturnType<typeof createPlainRenderer> | null = null;
    return {
      runStart(run) {
        write(`\n${style.dim(`──── run ${run.number} · ${clock()} · ${changedText(run)} ────`)}\n`);
        write(`${style.bold(options.challenge.title)} ${style.dim(`(${options.challenge.id})`)}\n`);
        renderer = createPlainRenderer(write, style, { verbose: options.verbose, watching: true });
        return renderer.onEvent;
      },
      cancelling(run, changed) {
        write(`\n${style.yellow('↻')} ${changed.join(', ')} changed: cancelling run ${run.number} to start again...\n`);
      },
      async runEnd(run, outcome) {
        if (outcome.kind === 'cancelled') {
          write(cancelledText(run));
          return;
        }
        if (outcome.kind === 'result') renderer?.finish(outcome.result);
        else write(`\n${errorText(outcome.error, style)}\n`);
        waiting();
      },
      stopped() {
        write('Stopped watching.\n');
      },
    };
  }

  const { renderVerifyInteractive } = await import('./verify-view.js');
  let view: ReturnType<typeof renderVerifyInteractive> | null = null;
  return {
    runStart(run) {
      write('\n');
      view = renderVerifyInteractive({
        challenge: options.challenge,
        verbose: options.verbose,
        stdout,
        subtitle: `run ${run.number} · ${clock()} · ${changedText(run)}`,
        watching: true,
      });
      return view.onEvent;
    },
    cancelling(run, changed) {
      // Through the view: a direct write would tear its live area.
      view?.onEvent({ type: 'note', message: `${changed.join(', ')} changed: cancelling run ${run.number} to start again...` });
    },
    async runEnd(run, outcome) {
      const current = view;
      view = null;
      if (outcome.kind === 'result') {
        await current?.finish(outcome.result);
        waiting();
        return;
      }
      current?.abort();
      if (outcome.kind === 'cancelled') {
        write(cancelledText(run));
        return;
      }
      write(`\n${errorText(outcome.error, style)}\n`);
      waiting();
    },
    stopped() {
      write('Stopped watching.\n');
    },
  };
}
