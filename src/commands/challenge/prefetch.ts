import * as Args from '@oclif/core/args';
import * as Flags from '@oclif/core/flags';
import { findPack, packRoots } from '../../course/packs.js';
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
  };

  async run() {
    const { args, flags } = await this.parse(ChallengePrefetch);
    const pack = await findPack(args.id, packRoots(flags.pack ?? []));
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
