import { courseFlags } from '../../cli/flags.js';
import * as Args from '@oclif/core/args';
import * as Flags from '@oclif/core/flags';
import { packRoots } from '../../course/packs.js';
import { findPackDirs, formatProblem, validatePacks } from '../../course/validate.js';
import { ShipshapeCommand } from '../../cli/base.js';

export default class ChallengeValidate extends ShipshapeCommand {
  static override description =
    'Check challenge packs: the manifest schema, referenced files, paths staying inside the pack, hints and unique ids.';
  static override enableJsonFlag = true;
  static override strict = false;
  static override examples = ['<%= config.bin %> challenge:validate', '<%= config.bin %> challenge:validate challenges/my-challenge'];
  static override args = {
    path: Args.string({ description: 'A pack directory or a directory of packs (default: every pack)' }),
  };
  static override flags = {
    ...courseFlags,
    pack: Flags.string({ description: 'Extra directory of packs (repeatable)', multiple: true, multipleNonGreedy: true }),
  };

  async run() {
    const { argv, flags } = await this.parse(ChallengeValidate);
    const targets = argv as string[];
    const dirs =
      targets.length > 0
        ? await findPackDirs([...targets, ...(flags.pack ?? [])], { requireEach: true })
        : await findPackDirs(await packRoots(flags.pack ?? [], flags.course));
    const report = await validatePacks(dirs);
    const problems = report.packs.flatMap((pack) => pack.problems);
    if (!this.jsonEnabled()) {
      for (const problem of problems) this.log(formatProblem(problem));
      const bad = report.packs.filter((pack) => pack.problems.length > 0).length;
      this.log(
        problems.length === 0
          ? `✔ ${report.packs.length} pack${report.packs.length === 1 ? '' : 's'} valid`
          : `✖ ${problems.length} problem${problems.length === 1 ? '' : 's'} in ${bad} of ${report.packs.length} pack${report.packs.length === 1 ? '' : 's'}`,
      );
    }
    process.exitCode = problems.length > 0 ? 1 : 0;
    return report;
  }
}
