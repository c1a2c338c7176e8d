import type { VerifyEvent } from '../grading/verify.js';
import type { VerifyResult } from '../grading/result.js';
import { type ScorecardOptions, formatCheckLine, formatScorecard, formatShortResult, phaseTitle } from './report.js';
import type { Style } from './style.js';


/** Line-by-line progress for logs, CI and pipes: nothing is redrawn. */
export function createPlainRenderer(write: (text: string) => void, style: Style, options: { verbose?: boolean; watching?: boolean; next?: ScorecardOptions } = {}) {
  let lastStep = 0;
  let outputSinceStep = 0;
  return {
    onEvent(event: VerifyEvent): void {
      switch (event.type) {
        case 'phase':
          if (event.state === 'start') write(`\n${style.bold(`▸ ${phaseTitle(event.phase)}`)}\n`);
          break;
        case 'check':
          write(`${formatCheckLine(event.result, style)}\n`);
          break;
        case 'note':
          write(`  ${style.cyan('ℹ')} ${event.message}\n`);
          break;
        case 'build': {
          const build = event.event;
          if (build.type === 'context') {
            write(style.dim(`  context: ${build.fileCount} files, ${(build.totalBytes / 1000).toFixed(1)} kB (${build.ignoredCount} ignored by .dockerignore)\n`));
          } else if (build.type === 'step') {
            lastStep = build.index;
            outputSinceStep = 0;
            write(`  [${build.index}/${build.total}] ${build.instruction}\n`);
          } else if (options.verbose || (lastStep > 0 && outputSinceStep < 3)) {
            outputSinceStep++;
            write(style.dim(`      ${build.line}\n`));
          }
          break;
        }
      }
    },
    finish(result: VerifyResult): void {
      // Every check was printed as it finished; in watch mode the verdict and the next step are enough.
      write(`\n${options.watching ? formatShortResult(result, style, { ...options.next, watching: true }) : formatScorecard(result, style, 110, options.next)}\n`);
    },
  };
}
