import { courseFlags } from '../../cli/flags.js';
import path from 'node:path';
import * as Args from '@oclif/core/args';
import * as Flags from '@oclif/core/flags';
import { findPack, packRoots } from '../../course/packs.js';
import { startInCourse } from '../../workspace/course.js';
import { ShipshapeCommand } from '../../cli/base.js';
import { nextCommand } from '../../cli/next-steps.js';
import { prefetchWanted, startPrefetch } from '../../grading/prefetch.js';

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
    prefetch: Flags.boolean({
      description: 'Measure the starter image on the engine in the background while you read, so the first verify does not wait for it (--no-prefetch: do not)',
      default: true,
      allowNo: true,
    }),
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
    // Detached and labelled; it ends on its own, quietly when no engine answers (src/grading/prefetch.ts).
    const prefetch = prefetchWanted(flags.prefetch) ? await startPrefetch(pack) : null;
    if (!this.jsonEnabled()) {
      this.log(`Started ${pack.manifest.id}: ${pack.manifest.title}`);
      this.log(`  workspace: ${result.dir} (${result.written.length} files written, ${result.unchanged.length} already up to date)`);
      if (result.backupDir) this.log(`  your changed files were moved to ${result.backupDir}: ${result.backedUp.join(', ')}`);
      this.log(`\n${pack.manifest.summary}\n`);
      this.log(`Read the task: ${path.join(pack.dir, pack.manifest.task)}`);
      const carried = { dir: result.dir, packs: flags.pack ?? [], courses: flags.course ?? [] };
      this.log(`Then fix ${path.join(result.dir, pack.manifest.dockerfile ?? pack.manifest.compose ?? '')} and run: ${nextCommand('challenge:verify', carried)}`);
      this.log(`Stuck? ${nextCommand('challenge:hint', { args: [pack.manifest.id], ...carried })}`);
      if (prefetch) this.log(`(Measuring the starter image on the engine in the background, pid ${prefetch.pid}, for the size budget.)`);
    }
    return { challenge: pack.manifest.id, ...result, course, prefetch };
  }
}
