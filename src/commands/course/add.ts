import * as Args from '@oclif/core/args';
import { ShipshapeCommand } from '../../cli/base.js';
import { stripControl } from '../../text/safe.js';

export default class CourseAdd extends ShipshapeCommand {
  static override description =
    'Install a course (lessons and challenges with a course.yaml) from a git URL (#ref optional), an npm package (@version optional), an npm pack .tgz or a directory. It is validated first, and nothing from it runs.';
  static override examples = [
    '<%= config.bin %> course:add https://example.org/docker-course.git#v1.2.0',
    '<%= config.bin %> course:add docker-course@1.2.0',
    '<%= config.bin %> course:add ./docker-course-1.2.0.tgz',
    '<%= config.bin %> course:add ../my-course',
  ];
  static override enableJsonFlag = true;
  static override args = {
    source: Args.string({ description: 'git URL[#ref], npm package[@version], .tgz file or directory', required: true }),
  };

  async run() {
    const { args } = await this.parse(CourseAdd);
    const { addCourse } = await import('../../course/install.js');
    const added = await addCourse(args.source);
    const pin = added.entry.commit ? `commit ${added.entry.commit.slice(0, 12)}` : `version ${added.version}`;
    this.log(`Added ${stripControl(added.id)} ${stripControl(added.version)}: ${stripControl(added.title)} (${added.lessons} lessons, ${added.challenges} challenges; ${pin})`);
    this.log('  See its lessons with `shipshape lesson:list`, its challenges with `shipshape challenge:list`.');
    return { course: { id: added.id, title: added.title, version: added.version, dir: added.dir, lessons: added.lessons, challenges: added.challenges, lock: added.entry } };
  }
}
