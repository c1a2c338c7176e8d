import * as Flags from '@oclif/core/flags';
import { selectImages } from '../../course/selection.js';
import { connectEngine } from '../../engine/connect.js';
import { imagePresence, pullImage, type PullOutcome } from '../../engine/images.js';
import { UserError } from '../../errors.js';
import { ShipshapeCommand } from '../../cli/base.js';
import { engineFlags, imageSelectionFlags } from '../../cli/flags.js';

export default class ImagesPull extends ShipshapeCommand {
  static override description = 'Pull the base images the challenges need onto the engine (those already there are skipped unless --force).';
  static override enableJsonFlag = true;
  static override flags = {
    ...engineFlags,
    ...imageSelectionFlags,
    force: Flags.boolean({ description: 'Pull images that are already present too (to update them)' }),
    timeout: Flags.integer({ description: 'Give up on one image after this many seconds', default: 600, min: 1 }),
  };

  async run() {
    const { flags } = await this.parse(ImagesPull);
    const images = await selectImages(flags);
    const engine = await connectEngine({ dockerHost: flags['docker-host'] });
    const refs = images.map((image) => image.ref);
    const { missing } = await imagePresence(engine, refs);
    const wanted = flags.force ? refs : missing;
    const progress = (line: string) => {
      if (!this.jsonEnabled()) process.stderr.write(`${line}\n`);
    };
    const outcomes: PullOutcome[] = [];
    for (const ref of wanted) {
      progress(`pulling ${ref}`);
      outcomes.push(await pullImage(engine, ref, { timeoutMs: flags.timeout * 1000, onProgress: progress }));
    }
    const failed = outcomes.filter((outcome) => !outcome.ok);
    if (failed.length > 0) {
      throw new UserError(
        `The engine at ${engine.info.endpoint} could not pull ${failed.map((outcome) => `${outcome.ref} (${outcome.error})`).join('; ')}.`,
        2,
        'Without a registry, load them from a bundle made where they exist: `shipshape images:save BUNDLE.tar` there, then `shipshape images:load BUNDLE.tar` here.',
      );
    }
    const already = refs.filter((ref) => !wanted.includes(ref));
    if (!this.jsonEnabled()) {
      for (const outcome of outcomes) this.log(`✔ pulled ${outcome.ref}`);
      for (const ref of already) this.log(`✔ ${ref} already present`);
    }
    return { endpoint: engine.info.endpoint, pulled: outcomes, alreadyPresent: already };
  }
}
