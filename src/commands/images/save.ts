import * as Args from '@oclif/core/args';
import { selectImages } from '../../course/selection.js';
import { connectEngine } from '../../engine/connect.js';
import { saveBundle } from '../../engine/images.js';
import { formatBytes } from '../../checks/format.js';
import { ShipshapeCommand } from '../../cli/base.js';
import { onInterrupt } from '../../cli/interrupt.js';
import { engineFlags, imageSelectionFlags } from '../../cli/flags.js';

export default class ImagesSave extends ShipshapeCommand {
  static override description =
    'Save the base images the challenges need into one offline bundle (a tar: shipshape-bundle.json listing tags and ids, then the image export).';
  static override enableJsonFlag = true;
  static override examples = ['<%= config.bin %> images:save course-images.tar', '<%= config.bin %> images:load course-images.tar --docker-host unix:///other.sock'];
  static override args = { bundle: Args.string({ description: 'The bundle file to write', required: true }) };
  static override flags = { ...engineFlags, ...imageSelectionFlags };

  async run() {
    const { args, flags } = await this.parse(ImagesSave);
    const images = await selectImages(flags);
    const engine = await connectEngine({ dockerHost: flags['docker-host'] });
    const progress = (line: string) => {
      if (!this.jsonEnabled()) process.stderr.write(`${line}\n`);
    };
    const cancel = new AbortController();
    const stopListening = onInterrupt(() => cancel.abort());
    const result = await saveBundle(engine, images.map((image) => image.ref), args.bundle, progress, cancel.signal).finally(stopListening);
    if (!this.jsonEnabled()) {
      this.log(`✔ saved ${result.manifest.images.map((image) => image.ref).join(', ')} to ${result.file} (${formatBytes(result.bytes)})`);
      this.log(`  load it elsewhere with: shipshape images:load ${args.bundle}`);
    }
    return { file: result.file, bytes: result.bytes, images: result.manifest.images };
  }
}
