import { defineCheck, fail, pass } from '../kind.js';
import { instructionRef } from './model.js';
import { argumentText, describeBase, describeFinal, effectiveCommand, effectiveInstructions, linesPhrase, parseExecForm } from './operands.js';
import { atLine } from '../location.js';

export const execForm = defineCheck({
  kind: 'dockerfile.exec-form',
  phase: 'static',
  summary: 'The CMD (or ENTRYPOINT) that takes effect in the final stage is written in exec (JSON array) form.',
  params: (z) =>
    z.object({
    instruction: z.enum(['CMD', 'ENTRYPOINT']).default('CMD').describe('Which instruction must use exec form'),
    allowInherited: z
      .boolean()
      .default(false)
      .describe("Pass when the Dockerfile declares none, so the base image's value is used"),
  }),
  example: { instruction: 'CMD', allowInherited: false },
  locate: (_params, { dockerfile }, verdict) => atLine(dockerfile, verdict.evidence?.line),
  run({ instruction: keyword, allowInherited }, { dockerfile }) {
    const final = dockerfile.finalStage;
    if (!final) return fail(`no FROM instruction found; expected ${keyword} in exec form in the final stage`);
    const where = describeFinal(dockerfile, final);
    const { instruction: effective, owner, overridden: earlier, resetBy, root } = effectiveCommand(dockerfile, final, keyword);
    const base = root.image;
    if (!effective || !owner) {
      const through = root === final ? '' : ` through ${dockerfile.describe(final.parent!)}`;
      let what: string;
      if (resetBy) {
        const at = instructionRef(resetBy.instruction).line;
        const inStage = resetBy.stage === final ? '' : ` in ${dockerfile.describe(resetBy.stage)}`;
        what = `the ENTRYPOINT at line ${at}${inStage} resets the CMD inherited from ${describeBase(dockerfile, resetBy.stage)}, so the container runs that ENTRYPOINT with no arguments`;
      } else if (base.toLowerCase() === 'scratch') {
        what = `it starts from scratch${through}, which has no ${keyword}`;
      } else {
        what = `the base image's ${keyword} (${base}${through})`;
      }
      const evidence = { declared: false, base, ...(resetBy ? { resetByLine: instructionRef(resetBy.instruction).line } : {}) };
      const inherited = !resetBy && base.toLowerCase() !== 'scratch';
      if (allowInherited) {
        return pass(`no ${keyword} in the final stage, ${where}; ${inherited ? `${what} is used` : what}`, evidence);
      }
      return fail(
        `no ${keyword} in the final stage, ${where}; ${inherited ? `${what} applies` : what}. ` +
          `Declare it in exec form, e.g. ${keyword} ["executable", "arg"]`,
        evidence,
      );
    }
    const ref = instructionRef(effective);
    const overridden = earlier.map((candidate) => instructionRef(candidate).line);
    const context =
      (owner === final ? ` in ${where}` : ` in ${dockerfile.describe(owner)}, inherited by the final stage`) +
      (overridden.length > 0 ? ` (it overrides the ${keyword} at ${linesPhrase(overridden)})` : '');
    const text = argumentText(effective);
    const argv = parseExecForm(text);
    const evidence = { line: ref.line, text: ref.text, exec: argv, overridden };
    if (argv && argv.length > 0) {
      return pass(`${keyword} at line ${ref.line}${context} uses exec form: ${JSON.stringify(argv)}`, evidence);
    }
    if (argv) return fail(`${keyword} at line ${ref.line}${context} is an empty JSON array; name the executable to run`, evidence);
    const why = text.startsWith('[')
      ? ` It starts with [ but is not a valid JSON array of strings (use double quotes: ["php-fpm"], not ['php-fpm']), so Docker runs it through /bin/sh -c.`
      : ' Shell form runs it as a child of /bin/sh -c, so it is not PID 1 and does not receive SIGTERM on docker stop.';
    return fail(`${keyword} at line ${ref.line}${context} is in shell form: ${ref.text}.${why}`, evidence);
  },
});
