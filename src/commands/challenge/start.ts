import path from 'node:path';
import * as Args from '@oclif/core/args';
import * as Flags from '@oclif/core/flags';
import { findPack, packRoots } from '../../course/packs.js';
import { startInCourse } from '../../workspace/course.js';
import { ShipshapeCommand } from '../../cli/base.js';

export default class ChallengeStart extends ShipshapeCommand {
  static override description = "Put a challenge's broken starter into a workspace (./<id> by default).";
  static override enableJsonFlag = true;
  static override examples = ['<%= config.bin %> challenge:start docker-missing-multistage'];
  static override args = {
    id: Args.string({ description: 'Challenge id (see challenge:list)', required: true }),
  };
  static override flags = {
    dir: Flags.string({ description: 'Workspace directory (default: ./<id>)' }),
    pack: Flags.string({ description: 'Extra directory of challenge packs (repeatable)', multiple: true, multipleNonGreedy: true }),
    force: Flags.boolean({ description: 'Move files you changed to .shipshape/backups/ instead of refusing' }),
  };

  async run() {
    const { args, flags } = await this.parse(ChallengeStart);
    const pack = await findPack(args.id, packRoots(flags.pack ?? []));
    const dir = path.resolve(flags.dir ?? args.id);
    const { course, ...result } = await startInCourse(pack, dir, {
      force: flags.force,
      cwd: process.cwd(),
      explicitDir: flags.dir !== undefined,
      warn: (message) => process.stderr.write(`⚠ ${message}\n`),
    });
    if (!this.jsonEnabled()) {
      this.log(`Started ${pack.manifest.id}: ${pack.manifest.title}`);
      this.log(`  workspace: ${result.dir} (${result.written.length} files written, ${result.unchanged.length} already up to date)`);
      if (result.backupDir) this.log(`  your changed files were moved to ${result.backupDir}: ${result.backedUp.join(', ')}`);
      this.log(`\n${pack.manifest.summary}\n`);
      this.log(`Read the task: ${path.join(pack.dir, pack.manifest.task)}`);
      const relative = path.relative(process.cwd(), result.dir);
      const shown = relative === '' ? '.' : relative.startsWith('..') ? result.dir : relative;
      this.log(`Then fix ${path.join(result.dir, pack.manifest.dockerfile ?? pack.manifest.compose ?? '')} and run: shipshape challenge:verify --dir ${shown}`);
      this.log(`Stuck? shipshape challenge:hint ${pack.manifest.id}`);
    }
    return { challenge: pack.manifest.id, ...result, course };
  }
}
