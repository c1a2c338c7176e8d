import path from 'node:path';
import { courseOutline, findLesson, listLessons } from '../course/lessons.js';
import { findPack, listPacks, packRoots } from '../course/packs.js';
import { UserError } from '../errors.js';
import { lessonText } from '../ui/lesson.js';
import { colorWanted, makeStyle } from '../ui/style.js';
import { courseRootFromCwd, startInCourse } from '../workspace/course.js';
import { readProgress } from '../workspace/progress.js';
import { ShipshapeCommand } from '../cli/base.js';
import { courseFlags } from '../cli/flags.js';
import { courseLessonDirs } from '../course/courses.js';

export default class Menu extends ShipshapeCommand {
  static override description =
    'Pick a lesson to read or a challenge to start from a menu (what `shipshape` alone opens on a terminal).';

  static override flags = { ...courseFlags };

  async run() {
    const { flags } = await this.parse(Menu);
    if (!process.stdin.isTTY || !process.stdout.isTTY) {
      throw new UserError('The menu needs a terminal.', 2, 'Use `shipshape challenge:status`, `shipshape lesson:list` or `shipshape --help`.');
    }
    const warn = (message: string) => process.stderr.write(`⚠ ${message}\n`);
    const cwd = process.cwd();
    const progress = await readProgress(await courseRootFromCwd(cwd), { warn });
    const packs = await listPacks(await packRoots([], flags.course));
    const outline = courseOutline(await listLessons(await courseLessonDirs(flags.course)), packs, progress);
    const { chooseFromMenu } = await import('../ui/menu.js');
    const choice = await chooseFromMenu(outline);
    if (!choice) return;
    const style = makeStyle(colorWanted(process.stdout));

    if (choice.type === 'lesson') {
      const lesson = outline.lessons.find((candidate) => candidate.id === choice.id)!;
      const text = await findLesson(choice.id, await courseLessonDirs(flags.course)).then((found) => found.body, () => `# ${lesson.title}`);
      this.log(lessonText(text, lesson.challenges, style));
      return;
    }

    const pack = await findPack(choice.id, await packRoots([], flags.course));
    const result = await startInCourse(pack, path.resolve(cwd, choice.id), { cwd, explicitDir: false, warn });
    this.log(`Started ${pack.manifest.id}: ${pack.manifest.title}`);
    this.log(`  workspace: ${result.dir} (${result.written.length} files written, ${result.unchanged.length} already up to date)`);
    this.log(`\n${pack.manifest.summary}\n`);
    this.log(`Read the task: ${path.join(pack.dir, pack.manifest.task)}`);
    const shown = path.relative(cwd, result.dir) || '.';
    this.log(`Next: cd ${shown} && $EDITOR ${pack.manifest.dockerfile}, then run: ${style.cyan('shipshape challenge:verify')}`);
  }
}
