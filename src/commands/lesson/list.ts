import { courseFlags } from '../../cli/flags.js';
import { courseLessonDirs } from '../../course/courses.js';
import * as Flags from '@oclif/core/flags';
import { courseOutline, listLessons } from '../../course/lessons.js';
import { listPacks, packRoots } from '../../course/packs.js';
import { progressBar } from '../../ui/progress.js';
import { courseRootFromCwd } from '../../workspace/course.js';
import { readProgress } from '../../workspace/progress.js';
import { ShipshapeCommand } from '../../cli/base.js';

export default class LessonList extends ShipshapeCommand {
  static override description = 'List the lessons in course order, with how many of their challenges you passed.';
  static override enableJsonFlag = true;
  static override flags = {
    ...courseFlags,
    pack: Flags.string({ description: 'Extra directory of challenge packs (repeatable)', multiple: true, multipleNonGreedy: true }),
  };

  async run() {
    const { flags } = await this.parse(LessonList);
    const progress = await readProgress(await courseRootFromCwd(process.cwd()), { warn: (message) => process.stderr.write(`⚠ ${message}\n`) });
    const outline = courseOutline(await listLessons(await courseLessonDirs(flags.course)), await listPacks(await packRoots(flags.pack ?? [], flags.course)), progress);
    const rows = outline.lessons.map((lesson) => ({
      id: lesson.id,
      title: lesson.title,
      order: lesson.order,
      prerequisites: lesson.prerequisites,
      unlocked: lesson.unlocked,
      challenges: lesson.challenges.map((challenge) => challenge.id),
      passed: lesson.passed,
      total: lesson.total,
    }));
    if (!this.jsonEnabled()) {
      const width = Math.max(2, ...rows.map((row) => row.id.length));
      for (const row of rows) {
        this.log(`${row.id.padEnd(width)}  ${progressBar(row.passed, row.total, 10)} ${row.passed}/${row.total}  ${row.title}${row.unlocked ? '' : ` (after ${row.prerequisites.join(', ')})`}`);
      }
      if (rows.length > 0) this.log(`\nRead one with: shipshape lesson:show ${rows[0]!.id}`);
    }
    return { lessons: rows };
  }
}
