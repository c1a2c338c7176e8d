import { UserError } from '../../errors.js';
import { VERIFY_FORMATS, type VerifyFormat } from './names.js';

/**
 * `--format sarif=out.sarif --format github`: each report with its file; `--output` gives the file of a
 * single report. At most one report may take stdout (github's workflow commands always go there).
 */
export function parseReports(specs: string[], output: string | undefined): Array<{ format: VerifyFormat; output?: string }> {
  const reports = specs.map((spec) => {
    const [name, ...rest] = spec.split('=');
    if (!(VERIFY_FORMATS as readonly string[]).includes(name!)) {
      throw new UserError(`Unknown --format ${name}.`, 2, `Use one of ${VERIFY_FORMATS.join(', ')}, optionally as FORMAT=FILE.`);
    }
    const file = rest.join('=');
    if (rest.length > 0 && file === '') throw new UserError(`--format ${spec} names no file after =.`, 2);
    return { format: name as VerifyFormat, ...(file ? { output: file } : {}) };
  });
  if (specs.length === 0 && output) throw new UserError('--output needs --format (json, junit, sarif, github, gradescope or classroom50).', 2);
  if (output) {
    if (reports.length !== 1 || reports[0]!.output) {
      throw new UserError('--output goes with exactly one --format; with several, write FORMAT=FILE for each.', 2);
    }
    reports[0]!.output = output;
  }
  const onStdout = reports.filter((report) => report.format !== 'github' && !report.output);
  if (onStdout.length > 1) throw new UserError('Only one report can go to stdout; give the others a file (FORMAT=FILE).', 2);
  return reports;
}
