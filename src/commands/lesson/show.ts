import { courseFlags } from '../../cli/flags.js';
import { courseLessonDirs } from '../../course/courses.js';
import * as Args from '@oclif/core/args';
import * as Flags from '@oclif/core/flags';
import { courseOutline, findLesson, listLessons } from '../../course/lessons.js';
import { listPacks, packRoots } from '../../course/packs.js';
import { lessonText } from '../../ui/lesson.js';
import { colorWanted, makeStyle } from '../../ui/style.js';
import { courseRootFromCwd } from '../../workspace/course.js';
import { readProgress } from '../../workspace/progress.js';
import { ShipshapeCommand } from '../../cli/base.js';

export default class LessonShow extends ShipshapeCommand {
  static override description = "Read a lesson in the terminal, followed by its challenges and your status in each.";
  static override enableJsonFlag = true;
  static override examples = ['<%= config.bin %> lesson:show docker-intermediate'];
  static override args = {
    id: Args.string({ description: 'Lesson id (see lesson:list)', required: true }),
  };
  static override flags = {
    ...courseFlags,
    pack: Flags.string({ description: 'Extra directory of challenge packs (repeatable)', multiple: true, multipleNonGreedy: true }),
  };

  async run() {
    const { args, flags } = await this.parse(LessonShow);
    const lesson = await findLesson(args.id, await courseLessonDirs(flags.course));
    const progress = await readProgress(await courseRootFromCwd(process.cwd()), { warn: (message) => process.stderr.write(`⚠ ${message}\n`) });
    const outline = courseOutline(await listLessons(await courseLessonDirs(flags.course)), await listPacks(await packRoots(flags.pack ?? [], flags.course)), progress);
    const challenges = outline.lessons.find((candidate) => candidate.id === lesson.id)?.challenges ?? [];
    if (!this.jsonEnabled()) {
      this.log(lessonText(lesson.body, challenges, makeStyle(colorWanted(process.stdout))));
    }
    return { id: lesson.id, title: lesson.title, order: lesson.order, prerequisites: lesson.prerequisites, markdown: lesson.body, challenges };
  }
}

