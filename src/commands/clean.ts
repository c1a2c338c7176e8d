import * as Flags from '@oclif/core/flags';
import { connectEngine } from '../engine/connect.js';
import { currentSession } from '../engine/labels.js';
import { findLeftovers, removeLeftovers, shortId } from '../engine/scope.js';
import { findComposeLeftovers, removeComposeLeftovers } from '../engine/compose.js';
import { ShipshapeCommand } from '../cli/base.js';
import { engineFlags } from '../cli/flags.js';

export default class Clean extends ShipshapeCommand {
  static override description =
    'Remove containers and images left by Shipshape runs that could not clean up (crashed, killed). Objects of runs still in progress are left alone unless --all is given.';
  static override enableJsonFlag = true;
  static override flags = {
    ...engineFlags,
    'dry-run': Flags.boolean({ description: 'Only list what would be removed' }),
    all: Flags.boolean({ description: 'Also remove objects of runs that are still in progress' }),
    session: Flags.string({ description: 'Only objects of this session (the SHIPSHAPE_SESSION they were made under)' }),
  };

  async run() {
    const { flags } = await this.parse(Clean);
    const engine = await connectEngine({ dockerHost: flags['docker-host'] });
    const leftovers = await findLeftovers(engine.docker, { session: flags.session ?? currentSession(), includeLive: flags.all });
    // Compose stacks also leave volumes and networks (removed after the containers that use them).
    const composed = await findComposeLeftovers(engine.docker, { session: flags.session ?? currentSession(), includeLive: flags.all });
    const stackObjects = { volumes: composed.volumes, networks: composed.networks };
    const total = leftovers.containers.length + leftovers.images.length + composed.volumes.length + composed.networks.length;
    const liveCount = leftovers.live.containers.length + leftovers.live.images.length + composed.live.volumes.length + composed.live.networks.length;
    const liveNote = liveCount > 0 ? `Left alone: ${liveCount} objects of runs still in progress (use --all to remove them too).` : '';
    if (flags['dry-run'] || total === 0) {
      if (!this.jsonEnabled()) {
        this.log(total === 0 ? 'Nothing left behind.' : `Would remove ${leftovers.containers.length} containers and ${leftovers.images.length} images${composed.volumes.length + composed.networks.length > 0 ? ` (plus ${composed.volumes.length} volumes and ${composed.networks.length} networks)` : ''}:`);
        for (const id of leftovers.containers) this.log(`  container ${shortId(id)}`);
        for (const id of leftovers.images) this.log(`  image ${shortId(id)}`);
        for (const name of composed.volumes) this.log(`  volume ${name}`);
        for (const name of composed.networks) this.log(`  network ${name}`);
        if (liveNote) this.log(liveNote);
      }
      return {
        dryRun: flags['dry-run'],
        ...leftovers,
        ...stackObjects,
        removed: { containers: 0, images: 0 },
        removedStack: { volumes: 0, networks: 0 },
        errors: [] as string[],
      };
    }
    const report = await removeLeftovers(engine.docker, leftovers);
    const stackReport = await removeComposeLeftovers(engine.docker, composed);
    report.errors.push(...stackReport.errors);
    if (!this.jsonEnabled()) {
      this.log(
        `Removed ${report.containers} containers and ${report.images} images${stackReport.volumes + stackReport.networks > 0 ? `, ${stackReport.volumes} volumes and ${stackReport.networks} networks` : ''}.`,
      );
      if (liveNote) this.log(liveNote);
      for (const error of report.errors) this.warn(error);
    }
    return {
      dryRun: false,
      ...leftovers,
      ...stackObjects,
      removed: { containers: report.containers, images: report.images },
      removedStack: { volumes: stackReport.volumes, networks: stackReport.networks },
      errors: report.errors,
    };
  }
}
