import { ShipshapeCommand } from '../../cli/base.js';
import { readCourse } from '../../course/course-manifest.js';
import { builtinCourse, installedCourses, readCourseLock } from '../../course/courses.js';
import { stripControl } from '../../text/safe.js';

export default class CourseList extends ShipshapeCommand {
  static override description = 'List the courses: the built-in one and those added with course:add, with version and pin.';
  static override enableJsonFlag = true;

  async run() {
    await this.parse(CourseList);
    const lock = await readCourseLock();
    const builtin = await readCourse(builtinCourse().dir);
    const rows = [
      { id: builtin.manifest.id, title: builtin.manifest.title, version: builtin.manifest.version, origin: 'builtin', source: 'built-in', pin: null as string | null },
      ...(await installedCourses(lock)).map((course) => {
        const entry = lock.courses[course.id]!;
        const source = entry.source.kind === 'git' ? `${entry.source.url}${entry.source.ref ? `#${entry.source.ref}` : ''}` : entry.source.kind === 'npm' ? entry.source.spec : entry.source.path;
        return { id: course.id, title: entry.title, version: entry.version, origin: entry.source.kind, source, pin: entry.commit ?? (entry.source.kind === 'npm' ? entry.version : null) };
      }),
    ];
    if (!this.jsonEnabled()) {
      const width = Math.max(...rows.map((row) => row.id.length));
      for (const row of rows) {
        const pin = row.pin ? ` @ ${row.pin.length === 40 ? row.pin.slice(0, 12) : row.pin}` : '';
        this.log(stripControl(`${row.id.padEnd(width)}  ${row.version.padEnd(8)}  ${row.title}  (${row.origin}: ${row.source}${pin})`));
      }
    }
    return { courses: rows };
  }
}
