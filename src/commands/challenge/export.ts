import { courseFlags } from '../../cli/flags.js';
import { courseLessonDirs } from '../../course/courses.js';
import * as Args from '@oclif/core/args';
import * as Flags from '@oclif/core/flags';
import { findLesson } from '../../course/lessons.js';
import { findPack, packRoots } from '../../course/packs.js';
import { UserError } from '../../errors.js';
import { ShipshapeCommand } from '../../cli/base.js';

export default class ChallengeExport extends ShipshapeCommand {
  static override description =
    'Write a learner repository that grades itself in CI: the starter, a README from the task, a GitHub Actions workflow (summary, annotations, SARIF), .gitlab-ci.yml (JUnit), and Classroom 50 and Gradescope autograders.';
  static override enableJsonFlag = true;
  static override examples = [
    '<%= config.bin %> challenge:export docker-missing-multistage ./greeter-repo',
    '<%= config.bin %> challenge:export --lesson docker-intermediate ./intermediate-repo',
  ];
  static override args = {
    first: Args.string({ description: 'Challenge id, then the directory (with --lesson: only the directory)', required: true }),
    second: Args.string({ description: 'Directory to write the repository into (new or empty of the files it writes)' }),
  };
  static override flags = {
    lesson: Flags.string({ description: "Export every challenge of this lesson, one folder each" }),
    action: Flags.string({ description: 'The composite action the workflow uses, as owner/repo@ref (default: Shipshape\'s own at this version)' }),
    ...courseFlags,
    pack: Flags.string({ description: 'Extra directory of challenge packs (repeatable)', multiple: true, multipleNonGreedy: true }),
  };

  async run() {
    const { args, flags } = await this.parse(ChallengeExport);
    if (flags.action && !/^[\w.-]+\/[\w.-]+(?:\/[\w./-]+)?@[\w./-]+$/.test(flags.action)) {
      throw new UserError(`--action ${flags.action} is not owner/repo@ref.`, 2, 'For example --action my-org/shipshape@v1.');
    }
    const roots = await packRoots(flags.pack ?? [], flags.course);
    let dir: string;
    let ids: string[];
    let lesson: { id: string; title: string; body: string } | undefined;
    if (flags.lesson) {
      if (args.second) throw new UserError('With --lesson give only the directory: `challenge:export --lesson <id> DIR`.', 2);
      const found = await findLesson(flags.lesson, await courseLessonDirs(flags.course));
      lesson = { id: found.id, title: found.title, body: found.body };
      ids = found.challenges;
      dir = args.first;
    } else {
      if (!args.second) throw new UserError('Give the challenge and the directory: `challenge:export <id> DIR`.', 2, 'Or `--lesson <id> DIR` for every challenge of a lesson.');
      ids = [args.first];
      dir = args.second;
    }
    const packs = await Promise.all(ids.map((id) => findPack(id, roots)));
    const { planExport, writeExport } = await import('../../course/export.js');
    const { courseSourcesFor } = await import('../../course/export-courses.js');
    // A challenge of an installed course: the CI installs that course, pinned, before it verifies.
    const courses = await courseSourcesFor(packs);
    const files = await planExport(packs, { action: flags.action, lesson, courses });
    const result = await writeExport(dir, files);
    if (!this.jsonEnabled()) {
      this.log(`Exported ${ids.join(', ')} to ${result.dir} (${result.written.length} files).`);
      this.log('Next: git init, commit and push it; every push is graded (.github/workflows/shipshape.yml, .gitlab-ci.yml).');
      this.log('Instructors: classroom50/autograder.py and gradescope/ hold the autograders; see the comments at their top.');
    }
    return { challenges: ids, courses, ...result };
  }
}
