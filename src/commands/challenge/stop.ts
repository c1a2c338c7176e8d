import path from 'node:path';
import * as Flags from '@oclif/core/flags';
import { courseRootOfWorkspace } from '../../workspace/course.js';
import { stopChallenge } from '../../workspace/lifecycle.js';
import { updateChallengeProgress } from '../../workspace/progress.js';
import { findWorkspace } from '../../workspace/workspace.js';
import { ShipshapeCommand } from '../../cli/base.js';
import { cancelPrefetch } from '../../grading/prefetch.js';

export default class ChallengeStop extends ShipshapeCommand {
  static override description =
    'End the active challenge of a workspace and put back what the directory held before challenge:start (changed files go to a backup).';
  static override enableJsonFlag = true;
  static override flags = {
    dir: Flags.string({ description: 'Workspace directory (default: the current directory or a parent)', default: '.' }),
  };

  async run() {
    const { flags } = await this.parse(ChallengeStop);
    const workspace = await findWorkspace(flags.dir);
    const courseRoot = await courseRootOfWorkspace(workspace);
    const result = await stopChallenge(workspace.root);
    // A starter measurement still running in the background for this challenge stops too (and cleans up).
    await cancelPrefetch(result.challenge).catch(() => undefined);
    const warn = (message: string) => process.stderr.write(`⚠ ${message}\n`);
    // The progress (attempts, best score) stays; only the pointer to the workspace goes.
    await updateChallengeProgress(
      courseRoot,
      result.challenge,
      (entry) => {
        if (entry.workspace === workspace.root) entry.workspace = null;
      },
      { warn },
    ).catch((error: Error) => warn(`Progress not updated: ${error.message}`));
    if (!this.jsonEnabled()) {
      this.log(`Stopped ${result.challenge} in ${result.dir}.`);
      if (result.removed.length > 0) this.log(`  removed the unchanged starter files: ${result.removed.join(', ')}`);
      if (result.backupDir) this.log(`  moved the files you changed to ${path.relative(result.dir, result.backupDir)}: ${result.backedUp.join(', ')}`);
      if (result.restored.length > 0) this.log(`  put back what was here before: ${result.restored.join(', ')}`);
      if (result.lost.length > 0) this.log(`  could not put back (their backup is gone): ${result.lost.join(', ')}`);
      if (result.leftInPlace.length > 0) this.log(`  left the files you added: ${result.leftInPlace.join(', ')}`);
    }
    return result;
  }
}
