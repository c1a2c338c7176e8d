import path from 'node:path';
import * as Args from '@oclif/core/args';
import * as Flags from '@oclif/core/flags';
import { scaffoldChallenge } from '../../course/scaffold.js';
import { ShipshapeCommand } from '../../cli/base.js';

export default class ChallengeNew extends ShipshapeCommand {
  static override description = 'Scaffold a new challenge pack from a template into <pack>/<id>/ (default pack: ./challenges).';
  static override enableJsonFlag = true;
  static override examples = ['<%= config.bin %> challenge:new my-healthcheck --pack ./my-course'];
  static override args = {
    id: Args.string({ description: 'The new challenge id (lower-case letters, digits and dashes)', required: true }),
  };
  static override flags = {
    template: Flags.string({ description: 'Template to start from', default: 'dockerfile' }),
    pack: Flags.string({ description: 'Directory of packs to create it in', default: 'challenges' }),
  };

  async run() {
    const { args, flags } = await this.parse(ChallengeNew);
    const result = await scaffoldChallenge(args.id, { template: flags.template, packDir: flags.pack });
    if (!this.jsonEnabled()) {
      const pack = path.dirname(result.dir);
      this.log(`Created ${args.id} in ${result.dir} from the ${result.template} template.`);
      this.log(`Edit manifest.yaml, task.md, hints/, starter/ and solution/, then:`);
      this.log(`  shipshape challenge:validate ${result.dir}`);
      this.log(`  shipshape challenge:test --pack ${pack} ${args.id}`);
    }
    return { id: args.id, ...result };
  }
}
