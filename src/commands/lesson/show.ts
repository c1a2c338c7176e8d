import { Args, Flags } from '@oclif/core';
import { courseOutline, findLesson, listLessons } from '../../course/lessons.js';
import { listPacks, packRoots } from '../../course/packs.js';
import { renderMarkdown } from '../../ui/markdown.js';
import { statusMark, statusWords } from '../../ui/progress.js';
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
    pack: Flags.string({ description: 'Extra directory of challenge packs (repeatable)', multiple: true, multipleNonGreedy: true }),
  };

  async run() {
    const { args, flags } = await this.parse(LessonShow);
    const lesson = await findLesson(args.id);
    const progress = await readProgress(await courseRootFromCwd(process.cwd()), { warn: (message) => process.stderr.write(`⚠ ${message}\n`) });
    const outline = courseOutline(await listLessons(), await listPacks(packRoots(flags.pack ?? [])), progress);
    const challenges = outline.lessons.find((candidate) => candidate.id === lesson.id)?.challenges ?? [];
    if (!this.jsonEnabled()) {
      const style = makeStyle(colorWanted(process.stdout));
      this.log(renderMarkdown(lesson.body));
      this.log(`\n${style.bold('Challenges in this lesson')}`);
      if (challenges.length === 0) this.log(style.dim('  (none yet)'));
      for (const challenge of challenges) {
        this.log(`  ${statusMark(challenge, style)} ${challenge.id}: ${challenge.title} ${style.dim(`(${statusWords(challenge)})`)}`);
      }
      const open = challenges.find((challenge) => challenge.status !== 'passed');
      if (open) this.log(`\nStart with: shipshape challenge:start ${open.id}`);
    }
    return { id: lesson.id, title: lesson.title, order: lesson.order, prerequisites: lesson.prerequisites, markdown: lesson.body, challenges };
  }
}

