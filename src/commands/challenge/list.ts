import { courseFlags } from '../../cli/flags.js';
import * as Flags from '@oclif/core/flags';
import { listPacks, packRoots } from '../../course/packs.js';
import { courseRootFromCwd } from '../../workspace/course.js';
import { challengeStatus, readProgress } from '../../workspace/progress.js';
import { ShipshapeCommand } from '../../cli/base.js';

const STATUS_WORDS = { passed: 'passed', 'in-progress': 'in progress', 'not-started': '' } as const;

export default class ChallengeList extends ShipshapeCommand {
  static override description = 'List the challenges: id, title, difficulty, lesson and your status.';
  static override enableJsonFlag = true;
  static override flags = {
    ...courseFlags,
    pack: Flags.string({ description: 'Extra directory of challenge packs (repeatable)', multiple: true, multipleNonGreedy: true }),
  };

  async run() {
    const { flags } = await this.parse(ChallengeList);
    const packs = await listPacks(await packRoots(flags.pack ?? [], flags.course));
    const progress = await readProgress(await courseRootFromCwd(process.cwd()), { warn: (message) => process.stderr.write(`⚠ ${message}\n`) });
    const rows = packs.map(({ manifest }) => ({
      id: manifest.id,
      title: manifest.title,
      difficulty: manifest.difficulty,
      lesson: manifest.lesson,
      status: challengeStatus(progress.challenges[manifest.id]),
    }));
    if (!this.jsonEnabled()) {
      const headers = { id: 'ID', title: 'TITLE', difficulty: 'DIFFICULTY', lesson: 'LESSON', status: 'STATUS' };
      const keys = Object.keys(headers) as Array<keyof typeof headers>;
      const cells = rows.map((row) => ({ ...row, status: STATUS_WORDS[row.status] }));
      const widths = keys.map((key) => Math.max(headers[key].length, ...cells.map((row) => row[key].length)));
      for (const row of [headers, ...cells]) {
        this.log(keys.map((key, index) => row[key].padEnd(widths[index]!)).join('  ').trimEnd());
      }
    }
    return { challenges: rows };
  }
}
