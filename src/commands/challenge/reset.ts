import { courseFlags } from '../../cli/flags.js';
import path from 'node:path';
import * as Args from '@oclif/core/args';
import * as Flags from '@oclif/core/flags';
import { findPack, packRoots } from '../../course/packs.js';
import { locateChallenge } from '../../workspace/course.js';
import { resetChallenge } from '../../workspace/lifecycle.js';
import { ShipshapeCommand } from '../../cli/base.js';

export default class ChallengeReset extends ShipshapeCommand {
  static override description = "Put the challenge's starter back, after moving your current files to .shipshape/backups/<time>/.";
  static override enableJsonFlag = true;
  static override args = {
    id: Args.string({ description: "Challenge id (default: the current workspace's challenge)" }),
  };
  static override flags = {
    dir: Flags.string({ description: 'Workspace directory (default: the current directory or a parent)', default: '.' }),
    ...courseFlags,
    pack: Flags.string({ description: 'Extra directory of challenge packs (repeatable)', multiple: true, multipleNonGreedy: true }),
  };

  async run() {
    const { args, flags } = await this.parse(ChallengeReset);
    const located = await locateChallenge(args.id, flags.dir, { requireWorkspace: true, warn: (message) => process.stderr.write(`⚠ ${message}\n`) });
    const pack = await findPack(located.id, await packRoots(flags.pack ?? [], flags.course));
    const result = await resetChallenge(pack, located.workspace!.root);
    if (!this.jsonEnabled()) {
      if (result.moved.length === 0) this.log(`Nothing to move: ${result.dir} already holds the starter of ${located.id}.`);
      else {
        this.log(`Moved ${result.moved.length} file${result.moved.length === 1 ? '' : 's'} to ${path.relative(result.dir, result.backupDir!)}:`);
        for (const file of result.moved) this.log(`  ${file}`);
      }
      if (result.written.length > 0) this.log(`Restored the starter: ${result.written.join(', ')}`);
    }
    return { challenge: located.id, ...result };
  }
}
