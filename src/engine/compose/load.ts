import path from 'node:path';
import { parse as parseYaml } from 'yaml';
import { ComposeModel, isRecord } from '../../checks/compose/model.js';
import { UserError, errorMessage } from '../../errors.js';
import { safeText } from '../../text/safe.js';
import { loadExeca } from '../execa.js';
import { allProfiles, composeEnv, detectCompose } from './cli.js';
import { modelProblems } from './containment.js';
import { byLine, cleanComposeOutput, keysNamed, structureProblems } from './messages.js';
import { workspaceRoot } from './paths.js';
import { dotEnvProblem, referenceProblems } from './references.js';
import { locate, readComposeSource } from './source.js';

const REFUSED_SUGGESTION = 'Shipshape runs your stack with no access to the host: remove those settings and verify again.';

function refusal(composeFile: string, problems: string[], intro = 'asks for more than a graded stack may have'): UserError {
  return new UserError(`${composeFile} ${intro}:\n${byLine(problems).map((problem) => `  ${problem}`).join('\n')}`, 1, REFUSED_SUGGESTION);
}

/**
 * Reads the learner's compose file in order, each step ending the run with one clear message naming
 * file and line: the file itself (regular, inside the workspace, size, UTF-8), its YAML (syntax, depth,
 * aliases), its structure, the files Compose would read for it, then the model normalised by
 * `compose config` (every profile) and the containment rules on that model. Paths are taken from the
 * workspace, never from the current directory.
 */
export async function loadComposeModel(workspaceDir: string, composeFile: string, overrides: readonly string[] = []): Promise<ComposeModel> {
  try {
    return await readModel(workspaceDir, composeFile, overrides);
  } catch (error) {
    // Service names, keys and paths in these messages are the learner's text: no escapes reach a terminal.
    if (error instanceof UserError) throw new UserError(safeText(error.message, 8000), error.exitCode, error.suggestion && safeText(error.suggestion));
    throw error;
  }
}

async function readModel(workspaceDir: string, composeFile: string, overrides: readonly string[]): Promise<ComposeModel> {
  const workspace = path.resolve(workspaceDir);
  const file = path.join(workspace, composeFile);
  const source = await readComposeSource(workspace, composeFile);
  const structure = structureProblems(source);
  if (structure.length > 0) {
    throw new UserError(
      structure.length === 1 ? structure[0]! : `${composeFile} is not a valid compose file:\n${structure.map((line) => `  ${line}`).join('\n')}`,
      1,
      'Fix the file at that line and verify again.',
    );
  }
  const root = workspaceRoot(workspace);
  // The file as written first (the same rules, so both versions refuse alike and before Compose reads
  // anything), then below the model Compose made of it (interpolated, extended, included).
  const written = modelProblems(source.value as Record<string, unknown>, { root, base: workspace }, (...keys) => locate(source, ...keys));
  if (written.length > 0) throw refusal(composeFile, written);
  const references = await referenceProblems(source, { workspaceDir: workspace, root, seen: new Set() });
  const dotEnv = await dotEnvProblem(workspace);
  if (dotEnv) references.push(dotEnv);
  if (references.length > 0) throw refusal(composeFile, references, 'names files that cannot be read');
  // Override files are partial (a service may have neither image nor build there): the same file,
  // containment and reference checks, without the structure check of a whole file.
  for (const override of overrides) {
    const overrideSource = await readComposeSource(workspace, override);
    const overrideWritten = modelProblems(overrideSource.value as Record<string, unknown>, { root, base: workspace }, (...keys) => locate(overrideSource, ...keys));
    if (overrideWritten.length > 0) throw refusal(override, overrideWritten);
    const overrideReferences = await referenceProblems(overrideSource, { workspaceDir: workspace, root, seen: new Set() });
    if (overrideReferences.length > 0) throw refusal(override, overrideReferences, 'names files that cannot be read');
  }

  const cli = await detectCompose();
  const files = [file, ...overrides.map((override) => path.join(workspace, override))].flatMap((each) => ['-f', each]);
  const args = [...cli.prefix, ...allProfiles(cli), ...files, '--project-directory', workspace, 'config'];
  const result = await (await loadExeca())(cli.file, args, {
    cwd: workspace,
    reject: false,
    timeout: 30_000,
    env: composeEnv(),
    extendEnv: false,
    maxBuffer: 64 * 1024 * 1024,
  });
  if (result.exitCode !== 0 || result.timedOut) {
    const reason = result.timedOut ? `\`${cli.name} config\` did not finish within 30 s` : cleanComposeOutput(String(result.stderr), workspace) || `${cli.name} config exited ${result.exitCode}`;
    const where = locate(source, ...keysNamed(reason));
    throw new UserError(`${where}: ${cli.name} rejects the file: ${reason}`, 1, `Run \`${cli.name} config\` in the workspace to see the problem, fix it and verify again.`);
  }
  let config: unknown;
  try {
    config = parseYaml(String(result.stdout), { maxAliasCount: -1 }) as unknown;
  } catch (error) {
    throw new UserError(`${cli.name} config printed a model Shipshape cannot read: ${errorMessage(error)}`, 2);
  }
  if (!isRecord(config)) throw new UserError(`${cli.name} config printed no model for ${composeFile}.`, 2);
  const model = ComposeModel.fromSource(file, source, config);
  const problems = containmentProblems(model, workspace);
  if (problems.length > 0) throw refusal(composeFile, problems);
  return model;
}

/** Settings that would give learner code the host: rejected with file:line, before anything runs. */
export function containmentProblems(model: ComposeModel, workspaceDir: string): string[] {
  const workspace = path.resolve(workspaceDir);
  return byLine(modelProblems(model.config, { root: workspaceRoot(workspace), base: workspace }, (...keys) => model.where(...keys)));
}
