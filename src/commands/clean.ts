import { Flags } from '@oclif/core';
import { connectEngine } from '../engine/connect.js';
import { findLeftovers, removeLeftovers } from '../engine/scope.js';
import { ShipshapeCommand } from '../cli/base.js';

export default class Clean extends ShipshapeCommand {
  static override description = 'Remove containers and images left by Shipshape runs that could not clean up (crashed, killed).';
  static override enableJsonFlag = true;
  static override flags = {
    'dry-run': Flags.boolean({ description: 'Only list what would be removed' }),
  };

  async run() {
    const { flags } = await this.parse(Clean);
    const engine = await connectEngine();
    const leftovers = await findLeftovers(engine.docker);
    const total = leftovers.containers.length + leftovers.images.length;
    if (flags['dry-run'] || total === 0) {
      if (!this.jsonEnabled()) {
        this.log(total === 0 ? 'Nothing left behind.' : `Would remove ${leftovers.containers.length} containers and ${leftovers.images.length} images:`);
        for (const id of leftovers.containers) this.log(`  container ${id.slice(0, 12)}`);
        for (const id of leftovers.images) this.log(`  image ${id.replace(/^sha256:/, '').slice(0, 12)}`);
      }
      return { dryRun: flags['dry-run'], ...leftovers, removed: { containers: 0, images: 0 }, errors: [] as string[] };
    }
    const report = await removeLeftovers(engine.docker, leftovers);
    if (!this.jsonEnabled()) {
      this.log(`Removed ${report.containers} containers and ${report.images} images.`);
      for (const error of report.errors) this.warn(error);
    }
    return { dryRun: false, ...leftovers, removed: { containers: report.containers, images: report.images }, errors: report.errors };
  }
}
