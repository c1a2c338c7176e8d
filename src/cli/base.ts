import { Command } from '@oclif/core/command';
import { isUserError } from '../errors.js';
import { stripControl } from '../text/safe.js';

/** Prints user errors as one clear message with their exit code, never a stack trace. */
export abstract class ShipshapeCommand extends Command {
  protected override async catch(error: Error & { exitCode?: number; oclif?: { exit?: number } }): Promise<unknown> {
    if (isUserError(error)) {
      // A message can quote a learner's file: no escape sequence reaches the terminal.
      const message = stripControl(error.message);
      if (this.jsonEnabled()) {
        // A run stopped after its static phases (no engine) still reports the verdicts it gave.
        const partial = (error as { partial?: object }).partial ?? {};
        this.logJson({ ...partial, error: { message, suggestion: error.suggestion ?? null, exitCode: error.exitCode } });
      } else {
        process.stderr.write(`✖ ${message}\n${error.suggestion ? `  → ${stripControl(error.suggestion)}\n` : ''}`);
      }
      process.exitCode = error.exitCode;
      return undefined;
    }
    return super.catch(error);
  }
}
