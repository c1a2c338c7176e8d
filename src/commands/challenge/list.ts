import { Flags } from '@oclif/core';
import { listPacks, packRoots } from '../../course/packs.js';
import { ShipshapeCommand } from '../../cli/base.js';

export default class ChallengeList extends ShipshapeCommand {
  static override description = 'List the challenges: id, title, difficulty and lesson.';
  static override enableJsonFlag = true;
  static override flags = {
    pack: Flags.string({ description: 'Extra directory of challenge packs (repeatable)', multiple: true, multipleNonGreedy: true }),
  };

  async run() {
    const { flags } = await this.parse(ChallengeList);
    const packs = await listPacks(packRoots(flags.pack ?? []));
    const rows = packs.map(({ manifest }) => ({
      id: manifest.id,
      title: manifest.title,
      difficulty: manifest.difficulty,
      lesson: manifest.lesson,
    }));
    if (!this.jsonEnabled()) {
      const headers = { id: 'ID', title: 'TITLE', difficulty: 'DIFFICULTY', lesson: 'LESSON' };
      const keys = Object.keys(headers) as Array<keyof typeof headers>;
      const widths = keys.map((key) => Math.max(headers[key].length, ...rows.map((row) => row[key].length)));
      for (const row of [headers, ...rows]) {
        this.log(keys.map((key, index) => row[key].padEnd(widths[index]!)).join('  ').trimEnd());
      }
    }
    return { challenges: rows };
  }
}
