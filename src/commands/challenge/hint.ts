import { courseFlags } from '../../cli/flags.js';
import * as Args from '@oclif/core/args';
import * as Flags from '@oclif/core/flags';
import { chooseHints, readHint } from '../../course/hints.js';
import { findPack, packRoots } from '../../course/packs.js';
import { renderMarkdown } from '../../ui/markdown.js';
import { colorWanted, makeStyle } from '../../ui/style.js';
import { locateChallenge } from '../../workspace/course.js';
import { challengeProgress, updateChallengeProgress } from '../../workspace/progress.js';
import { ShipshapeCommand } from '../../cli/base.js';
import { nextCommand } from '../../cli/next-steps.js';

export default class ChallengeHint extends ShipshapeCommand {
  static override description =
    "Show the next hint for a challenge (gentlest first) and remember it; after a failed verify, the failing check's hint comes first.";
  static override enableJsonFlag = true;
  static override examples = ['<%= config.bin %> challenge:hint', '<%= config.bin %> challenge:hint docker-missing-multistage --level 2'];
  static override args = {
    id: Args.string({ description: "Challenge id (default: the current workspace's challenge)" }),
  };
  static override flags = {
    dir: Flags.string({ description: 'Workspace directory (default: the current directory or a parent)', default: '.' }),
    all: Flags.boolean({ description: 'Show every hint level', exclusive: ['level'] }),
    level: Flags.integer({ description: 'Show this hint level', min: 1, exclusive: ['all'] }),
    ...courseFlags,
    pack: Flags.string({ description: 'Extra directory of challenge packs (repeatable)', multiple: true, multipleNonGreedy: true }),
  };

  async run() {
    const { args, flags } = await this.parse(ChallengeHint);
    const warn = (message: string) => process.stderr.write(`⚠ ${message}\n`);
    const located = await locateChallenge(args.id, flags.dir, { warn });
    const pack = await findPack(located.id, await packRoots(flags.pack ?? [], flags.course));
    const choice = chooseHints(pack, challengeProgress(located.progress, located.id), { all: flags.all, level: flags.level });
    const hints = await Promise.all(choice.levels.map((level) => readHint(pack, level)));
    const entry = await updateChallengeProgress(
      located.courseRoot,
      located.id,
      (current) => {
        current.hintsSeen = [...new Set([...current.hintsSeen, ...choice.levels])].sort((a, b) => a - b);
      },
      { warn },
    );
    const total = pack.manifest.hints.length;
    if (!this.jsonEnabled()) {
      const style = makeStyle(colorWanted(process.stdout));
      if (choice.failingCheck) {
        this.log(`${style.yellow('Your last verify failed')} ${style.bold(choice.failingCheck.title)} ${style.dim(`(${choice.failingCheck.id})`)}:`);
        this.log(`  ${choice.failingCheck.hint}\n`);
      }
      for (const hint of hints) {
        this.log(style.bold(`Hint ${hint.level} of ${total}`));
        this.log(`${renderMarkdown(hint.text)}\n`);
      }
      const next = Math.max(0, ...entry.hintsSeen) + 1;
      // The next steps carry the --dir, --pack and --course given here: without them a challenge from an extra pack or a chosen course is unknown.
      const carried = { dir: flags.dir === '.' ? undefined : flags.dir, packs: flags.pack ?? [], courses: flags.course ?? [] };
      if (choice.exhausted) this.log(style.dim(`That was the last hint; \`${nextCommand('challenge:solution', carried)}\` shows the reference solution.`));
      else if (next <= total && !flags.all) this.log(style.dim(`Run \`${nextCommand('challenge:hint', { args: args.id ? [args.id] : [], ...carried })}\` again for hint ${next} of ${total}.`));
    }
    return {
      challenge: located.id,
      failingCheck: choice.failingCheck,
      hints: hints.map(({ level, text }) => ({ level, text })),
      hintsSeen: entry.hintsSeen,
      total,
      exhausted: choice.exhausted,
    };
  }
}
