import { courseFlags } from '../../cli/flags.js';
import { courseLessonDirs } from '../../course/courses.js';
import path from 'node:path';
import * as Flags from '@oclif/core/flags';
import { courseOutline, listLessons } from '../../course/lessons.js';
import { listPacks, packRoots } from '../../course/packs.js';
import { renderStatus } from '../../ui/progress.js';
import { colorWanted, makeStyle } from '../../ui/style.js';
import { courseRootFromCwd } from '../../workspace/course.js';
import { readProgress } from '../../workspace/progress.js';
import { ShipshapeCommand } from '../../cli/base.js';

export default class ChallengeStatus extends ShipshapeCommand {
  static override description = 'Show your progress through the course, lesson by lesson, and the challenge to take next.';
  static override aliases = ['progress'];
  static override enableJsonFlag = true;
  static override flags = {
    ...courseFlags,
    pack: Flags.string({ description: 'Extra directory of challenge packs (repeatable)', multiple: true, multipleNonGreedy: true }),
  };

  async run() {
    const { flags } = await this.parse(ChallengeStatus);
    const courseRoot = await courseRootFromCwd(process.cwd());
    const warn = (message: string) => process.stderr.write(`⚠ ${message}\n`);
    const [progress, lessons, packs] = await Promise.all([readProgress(courseRoot, { warn }), listLessons(await courseLessonDirs(flags.course)), listPacks(await packRoots(flags.pack ?? [], flags.course))]);
    const outline = courseOutline(lessons, packs, progress);
    const nextCommand = outline.next ? nextStep(outline.next.challenge, progress.challenges[outline.next.challenge]?.workspace ?? null) : null;
    if (!this.jsonEnabled()) {
      for (const line of renderStatus(outline, makeStyle(colorWanted(process.stdout)), nextCommand)) this.log(line);
    }
    return { courseRoot, ...outline, nextCommand };
  }
}

/** An open workspace is verified from where it is; otherwise the challenge is started. */
function nextStep(challenge: string, workspace: string | null): string {
  if (!workspace) return `shipshape challenge:start ${challenge}`;
  const relative = path.relative(process.cwd(), workspace);
  // From inside the workspace (or a subdirectory) verify finds it on its own.
  if (relative === '' || relative.split(path.sep).every((part) => part === '..')) return 'shipshape challenge:verify';
  return `shipshape challenge:verify --dir ${relative.startsWith('..') ? workspace : relative}`;
}
