import { describeUses } from '../../course/images.js';
import { selectImages } from '../../course/selection.js';
import { ShipshapeCommand } from '../../cli/base.js';
import { imageSelectionFlags } from '../../cli/flags.js';

export default class ImagesList extends ShipshapeCommand {
  static override description = 'List the base images the challenges build from (FROM, COPY --from, compose image:), and where.';
  static override enableJsonFlag = true;
  static override examples = ['<%= config.bin %> images:list', '<%= config.bin %> images:list --challenge docker-missing-multistage'];
  static override flags = { ...imageSelectionFlags };

  async run() {
    const { flags } = await this.parse(ImagesList);
    const images = await selectImages(flags);
    if (!this.jsonEnabled()) {
      const width = Math.max(...images.map((image) => image.ref.length));
      for (const image of images) this.log(`${image.ref.padEnd(width)}  ${describeUses(image.uses)}`);
    }
    return { images };
  }
}
