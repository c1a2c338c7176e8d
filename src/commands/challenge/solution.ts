import { courseFlags } from '../../cli/flags.js';
import * as Args from '@oclif/core/args';
import * as Flags from '@oclif/core/flags';
import { findPack, packRoots } from '../../course/packs.js';
import { solutionDiff } from '../../course/solution.js';
import { UserError } from '../../errors.js';
import { colorWanted, makeStyle, type Style } from '../../ui/style.js';
import { locateChallenge } from '../../workspace/course.js';
import { updateChallengeProgress } from '../../workspace/progress.js';
import { ShipshapeCommand } from '../../cli/base.js';
import { confirm } from '../../cli/confirm.js';

export default class ChallengeSolution extends ShipshapeCommand {
  static override description =
    'Show how your files differ from the reference solution, as a unified diff, after you confirm. It is noted in your progress.';
  static override enableJsonFlag = true;
  static override args = {
    id: Args.string({ description: "Challenge id (default: the current workspace's challenge)" }),
  };
  static override flags = {
    dir: Flags.string({ description: 'Workspace directory (default: the current directory or a parent)', default: '.' }),
    yes: Flags.boolean({ char: 'y', description: 'Do not ask for confirmation' }),
    ...courseFlags,
    pack: Flags.string({ description: 'Extra directory of challenge packs (repeatable)', multiple: true, multipleNonGreedy: true }),
  };

  async run() {
    const { args, flags } = await this.parse(ChallengeSolution);
    const warn = (message: string) => process.stderr.write(`⚠ ${message}\n`);
    const located = await locateChallenge(args.id, flags.dir, { requireWorkspace: true, warn });
    const pack = await findPack(located.id, await packRoots(flags.pack ?? [], flags.course));
    if (!flags.yes) {
      if (!process.stdin.isTTY || !process.stdout.isTTY || this.jsonEnabled()) {
        throw new UserError(
          'Showing the solution needs a confirmation, and there is no terminal to ask on.',
          2,
          `Pass --yes: shipshape challenge:solution ${located.id} --yes`,
        );
      }
      if (!(await confirm(`Show the reference solution of ${located.id}? It will be noted in your progress. [y/N] `))) {
        this.log('Not shown.');
        return { challenge: located.id, shown: false, files: [] };
      }
    }
    const diffs = await solutionDiff(pack, located.workspace!.root);
    await updateChallengeProgress(
      located.courseRoot,
      located.id,
      (entry) => {
        entry.solutionViewedAt ??= new Date().toISOString();
      },
      { warn },
    );
    if (!this.jsonEnabled()) {
      const style = makeStyle(colorWanted(process.stdout));
      if (diffs.length === 0) this.log(`Your files in ${located.workspace!.root} already match the reference solution.`);
      for (const diff of diffs) process.stdout.write(colorPatch(diff.patch, style));
    }
    return { challenge: located.id, shown: true, workspace: located.workspace!.root, files: diffs };
  }
}

function colorPatch(patch: string, style: Style): string {
  return patch
    .split('\n')
    .map((line) => {
      if (line.startsWith('+++') || line.startsWith('---') || line.startsWith('====')) return style.bold(line);
      if (line.startsWith('+')) return style.green(line);
      if (line.startsWith('-')) return style.red(line);
      if (line.startsWith('@@')) return style.cyan(line);
      return line;
    })
    .join('\n');
}
