import * as Args from '@oclif/core/args';
import { connectEngine } from '../../engine/connect.js';
import { checkBundle, loadBundle } from '../../engine/images.js';
import { ShipshapeCommand } from '../../cli/base.js';
import { engineFlags } from '../../cli/flags.js';

export default class ImagesLoad extends ShipshapeCommand {
  static override description = 'Load an offline bundle made by images:save, then check every listed image is on the engine with the listed id.';
  static override enableJsonFlag = true;
  static override args = { bundle: Args.string({ description: 'The bundle file made by images:save', required: true }) };
  static override flags = { ...engineFlags };

  async run() {
    const { args, flags } = await this.parse(ImagesLoad);
    // A damaged bundle is reported before the engine is involved.
    const checked = await checkBundle(args.bundle);
    const engine = await connectEngine({ dockerHost: flags['docker-host'] });
    const progress = (line: string) => {
      if (!this.jsonEnabled()) process.stderr.write(`${line}\n`);
    };
    const result = await loadBundle(engine, args.bundle, progress, checked);
    if (!this.jsonEnabled()) {
      for (const image of result.loaded) this.log(`✔ ${image.ref} (${image.id.slice(7, 19)})`);
    }
    return { endpoint: engine.info.endpoint, file: result.file, loaded: result.loaded };
  }
}
