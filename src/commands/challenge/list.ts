import { courseFlags } from '../../cli/flags.js';
import * as Flags from '@oclif/core/flags';
import { challengeRows } from '../../course/challenge-list.js';
import { challengeTable } from '../../ui/challenge-table.js';
import { ShipshapeCommand } from '../../cli/base.js';

export default class ChallengeList extends ShipshapeCommand {
  static override description = 'List the challenges: id, title, difficulty, lesson and your status.';
  static override enableJsonFlag = true;
  static override flags = {
    ...courseFlags,
    pack: Flags.string({ description: 'Extra directory of challenge packs (repeatable)', multiple: true, multipleNonGreedy: true }),
  };

  async run() {
    const { flags } = await this.parse(ChallengeList);
    const rows = await challengeRows({ packs: flags.pack, courses: flags.course, cwd: process.cwd(), warn: (message) => process.stderr.write(`⚠ ${message}\n`) });
    if (!this.jsonEnabled()) for (const line of challengeTable(rows)) this.log(line);
    return { challenges: rows };
  }
}
