/**
 * An error the user can act on: printed as one clear message (no stack trace) with the exit code.
 * Exit 1: the learner's work or input is wrong. Exit 2: usage or environment (engine, files, flags).
 */
export class UserError extends Error {
  constructor(
    message: string,
    readonly exitCode: 1 | 2 | 130 = 2,
    readonly suggestion?: string,
  ) {
    super(message);
    this.name = 'UserError';
  }
}

export class EngineUnavailableError extends UserError {
  constructor(message: string, suggestion: string) {
    super(message, 2, suggestion);
    this.name = 'EngineUnavailableError';
  }
}

/**
 * The engine did not give a check what it needs to decide (layers it would not export, an archive that
 * does not match the image): the check fails and says so; it never passes on what it did not see.
 */
export class EngineProblemError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'EngineProblemError';
  }
}

export function isUserError(error: unknown): error is UserError {
  return error instanceof UserError;
}

export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
