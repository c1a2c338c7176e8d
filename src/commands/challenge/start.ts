import { courseFlags } from '../../cli/flags.js';
import path from 'node:path';
import * as Args from '@oclif/core/args';
import * as Flags from '@oclif/core/flags';
import { findPack, packRoots } from '../../course/packs.js';
import { startInCourse } from '../../workspace/course.js';
import { ShipshapeCommand } from '../../cli/base.js';
import { nextCommand } from '../../cli/next-steps.js';

export default class ChallengeStart extends ShipshapeCommand {
  static override description = "Put a challenge's broken starter into a workspace (./<id> by default).";
  static override enableJsonFlag = true;
  static override examples = ['<%= config.bin %> challenge:start docker-missing-multistage'];
  static override args = {
    id: Args.string({ description: 'Challenge id (see challenge:list)', required: true }),
  };
  static override flags = {
    dir: Flags.string({ description: 'Workspace directory (default: ./<id>)' }),
    ...courseFlags,
    pack: Flags.string({ description: 'Extra directory of challenge packs (repeatable)', multiple: true, multipleNonGreedy: true }),
    force: Flags.boolean({ description: 'Move files you changed to .shipshape/backups/ instead of refusing' }),
  };

  async run() {
    const { args, flags } = await this.parse(ChallengeStart);
    const pack = await findPack(args.id, await packRoots(flags.pack ?? [], flags.course));
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
      const carried = { dir: result.dir, packs: flags.pack ?? [] };
      this.log(`Then fix ${path.join(result.dir, pack.manifest.dockerfile ?? pack.manifest.compose ?? '')} and run: ${nextCommand('challenge:verify', carried)}`);
      this.log(`Stuck? ${nextCommand('challenge:hint', { args: [pack.manifest.id], ...carried })}`);
    }
    return { challenge: pack.manifest.id, ...result, course };
  }
}
