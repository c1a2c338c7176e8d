import { Command } from '@oclif/core/command';
import { isUserError } from '../errors.js';

/** Prints user errors as one clear message with their exit code, never a stack trace. */
export abstract class ShipshapeCommand extends Command {
  protected override async catch(error: Error & { exitCode?: number; oclif?: { exit?: number } }): Promise<unknown> {
    if (isUserError(error)) {
      if (this.jsonEnabled()) {
        this.logJson({ error: { message: error.message, suggestion: error.suggestion ?? null, exitCode: error.exitCode } });
      } else {
        process.stderr.write(`✖ ${error.message}\n${error.suggestion ? `  → ${error.suggestion}\n` : ''}`);
      }
      process.exitCode = error.exitCode;
      return undefined;
    }
    return super.catch(error);
  }
}
