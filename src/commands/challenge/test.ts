import * as Args from '@oclif/core/args';
import * as Flags from '@oclif/core/flags';
import { findPack, listPacks, packRoots } from '../../course/packs.js';
import { connectEngine } from '../../engine/connect.js';
import { type ProveResult, proveChallenge, proveTable } from '../../grading/prove.js';
import { UserError } from '../../errors.js';
import { ShipshapeCommand } from '../../cli/base.js';
import { builderFlags, engineFlags, courseFlags } from '../../cli/flags.js';
import { builderPreference } from '../../engine/buildkit/choose.js';
import { onInterrupt } from '../../cli/interrupt.js';

export default class ChallengeTest extends ShipshapeCommand {
  static override description =
    "Prove challenges on the engine: the starter fails exactly its starterFails, and the solution passes every check.";
  static override enableJsonFlag = true;
  static override strict = false;
  static override examples = ['<%= config.bin %> challenge:test docker-missing-multistage', '<%= config.bin %> challenge:test --all'];
  static override args = {
    id: Args.string({ description: 'Challenge ids (repeatable)' }),
  };
  static override flags = {
    ...engineFlags,
    ...builderFlags,
    all: Flags.boolean({ description: 'Prove every challenge' }),
    ...courseFlags,
    pack: Flags.string({ description: 'Extra directory of challenge packs (repeatable)', multiple: true, multipleNonGreedy: true }),
  };

  async run() {
    const { argv, flags } = await this.parse(ChallengeTest);
    const ids = argv as string[];
    const builder = builderPreference(flags.builder);
    const roots = await packRoots(flags.pack ?? [], flags.course);
    if (ids.length === 0 && !flags.all) throw new UserError('Name the challenges to prove, or pass --all.', 2, 'e.g. shipshape challenge:test --all');
    const packs = flags.all ? await listPacks(roots) : await Promise.all(ids.map((id) => findPack(id, roots)));
    const engine = await connectEngine({ dockerHost: flags['docker-host'] });
    const cancel = new AbortController();
    const stopListening = onInterrupt(() => cancel.abort());
    const json = this.jsonEnabled();
    const results: ProveResult[] = [];
    try {
      for (const pack of packs) {
        const result = await proveChallenge(pack, engine, {
          signal: cancel.signal,
          builder,
          onStage: (stage) => {
            if (!json) this.log(`${pack.manifest.id}: verifying the ${stage}...`);
          },
        });
        results.push(result);
        if (!json) {
          for (const line of proveTable(result)) this.log(`  ${line}`);
          for (const mismatch of result.mismatches) this.log(`  ✖ ${mismatch}`);
          this.log(result.passed ? `✔ ${result.challenge} proven\n` : `✖ ${result.challenge}: ${result.mismatches.length} mismatch(es)\n`);
        }
      }
    } finally {
      stopListening();
    }
    const passed = results.every((result) => result.passed);
    process.exitCode = passed ? 0 : 1;
    return { passed, challenges: results };
  }
}
