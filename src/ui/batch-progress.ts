import type { BatchEvent, SubmissionOutcome } from '../grading/batch.js';
import type { Style } from './style.js';

const WIDTH = 24;

/**
 * Batch progress on stderr: one line per finished submission; on a terminal, a bar below them
 * redrawn in place with what is running. Plain mode (pipes, CI, --plain) never redraws.
 */
export function createBatchProgress(stream: { write(text: string): unknown }, style: Style, options: { bar: boolean }) {
  const running = new Map<string, string>();
  let done = 0;
  let total = 0;
  let barShown = false;

  const clearBar = () => {
    if (barShown) stream.write('\r\u001B[2K');
    barShown = false;
  };
  const drawBar = () => {
    if (!options.bar || total === 0) return;
    const filled = Math.round((done / total) * WIDTH);
    const names = [...running.keys()];
    const list = names.length > 3 ? `${names.slice(0, 3).join(', ')} +${names.length - 3}` : names.join(', ');
    stream.write(`\r\u001B[2K[${'#'.repeat(filled)}${'-'.repeat(WIDTH - filled)}] ${done}/${total}${list ? `  grading: ${list}` : ''}`);
    barShown = true;
  };
  const line = (text: string) => {
    clearBar();
    stream.write(`${text}\n`);
    drawBar();
  };

  return {
    setTotal(count: number) {
      total = count;
      drawBar();
    },
    onEvent(event: BatchEvent): void {
      switch (event.type) {
        case 'prepare':
          line(`${style.cyan('ℹ')} ${event.engine}: ${event.message}`);
          break;
        case 'start':
          running.set(event.name, event.engine);
          if (options.bar) drawBar();
          else line(`${style.dim(`… ${event.name}: grading on ${event.engine}${event.attempt > 1 ? ` (attempt ${event.attempt})` : ''}`)}`);
          break;
        case 'engine-lost':
          line(`${style.yellow('⚠')} ${event.engine} is left out of this batch: ${event.reason}`);
          break;
        case 'retry':
          running.delete(event.name);
          line(`${style.yellow('↻')} ${event.name}: ${event.reason}; grading again on another engine`);
          break;
        case 'done':
          running.delete(event.outcome.name);
          done = event.done;
          total = event.total;
          line(`[${event.done}/${event.total}] ${describe(event.outcome, style)}`);
          break;
      }
    },
    finish() {
      clearBar();
    },
  };
}

function describe(outcome: SubmissionOutcome, style: Style): string {
  const mark =
    outcome.status === 'pass'
      ? style.green('PASS')
      : outcome.status === 'fail'
        ? style.red('FAIL')
        : outcome.status === 'timeout'
          ? style.yellow('TIMEOUT')
          : style.red('ERROR');
  const timing = outcome.cached ? 'unchanged, from the cache' : `${(outcome.durationMs / 1000).toFixed(1)}s on ${outcome.engine ?? 'no engine'}`;
  const detail = outcome.message ? ` — ${outcome.message}` : '';
  return `${outcome.name} ${mark} ${outcome.score.points}/${outcome.score.maxPoints} (${timing})${detail}`;
}
