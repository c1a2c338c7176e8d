import * as Args from '@oclif/core/args';
import * as Flags from '@oclif/core/flags';
import { findPack, loadPack, packRoots } from '../../course/packs.js';
import { UserError } from '../../errors.js';
import { ShipshapeCommand } from '../../cli/base.js';
import { engineFlags } from '../../cli/flags.js';

/** The background half of `challenge:start` (hidden): measures the starter image while the learner reads. */
export default class ChallengePrefetch extends ShipshapeCommand {
  static override hidden = true;
  static override description = "Measure a challenge's starter image on the engine (run in the background by challenge:start).";
  static override enableJsonFlag = true;
  static override args = {
    id: Args.string({ description: 'Challenge id', required: true }),
  };
  static override flags = {
    ...engineFlags,
    pack: Flags.string({ description: 'Extra directory of challenge packs (repeatable)', multiple: true, multipleNonGreedy: true }),
    // The launcher names the pack's own directory, so a challenge from any course (--course, an installed
    // course, a --pack) is measured from the same files the learner started from.
    'pack-dir': Flags.string({ description: "The challenge pack's own directory (set by challenge:start)" }),
  };

  async run() {
    const { args, flags } = await this.parse(ChallengePrefetch);
    const pack = flags['pack-dir'] ? await loadPack(flags['pack-dir']) : await findPack(args.id, await packRoots(flags.pack ?? []));
    if (pack.manifest.id !== args.id) throw new UserError(`${flags['pack-dir']} holds challenge "${pack.manifest.id}", not "${args.id}".`, 2);
    const cancel = new AbortController();
    // SIGTERM (challenge:stop, a new start) or Ctrl-C: stop the build, remove what it made, end.
    const stop = () => cancel.abort();
    process.on('SIGTERM', stop);
    process.on('SIGINT', stop);
    process.on('SIGHUP', stop);
    const [{ prefetchStarter }, { connectEngine }] = await Promise.all([import('../../grading/prefetch-run.js'), import('../../engine/connect.js')]);
    const outcome = await prefetchStarter(pack, () => connectEngine({ dockerHost: flags['docker-host'] }), cancel.signal);
    if (!this.jsonEnabled()) this.log(`${new Date().toISOString()} ${pack.manifest.id}: ${JSON.stringify(outcome)}`);
    process.exitCode = outcome.status === 'failed' ? 1 : 0;
    return outcome;
  }
}
