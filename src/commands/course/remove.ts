import * as Args from '@oclif/core/args';
import { ShipshapeCommand } from '../../cli/base.js';

export default class CourseRemove extends ShipshapeCommand {
  static override description = 'Remove an installed course (its files and its lock entry). Your progress and workspaces stay.';
  static override enableJsonFlag = true;
  static override args = {
    id: Args.string({ description: 'Course id, as `shipshape course:list` shows it', required: true }),
  };

  async run() {
    const { args } = await this.parse(CourseRemove);
    const { removeCourse } = await import('../../course/install.js');
    await removeCourse(args.id);
    this.log(`Removed ${args.id}.`);
    return { removed: args.id };
  }
}
