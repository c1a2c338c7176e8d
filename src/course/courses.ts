import { readFile, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { UserError } from '../errors.js';
import { writeFileAtomic } from '../workspace/atomic.js';
import type { CourseLock } from './course-lock-schema.js';
import { PACKAGE_ROOT } from '../package-root.js';

/**
 * Courses: a course is a directory with a course.yaml (id, title, version) and its lessons and
 * challenge packs. The built-in course is the package's own challenges/ and lessons/; courses added
 * with `course:add` live in the user's data directory and are listed in its lock file, which pins a
 * git course to a commit and an npm course to a version. Which courses a command sees: --course, else
 * SHIPSHAPE_COURSES, else the built-in one and every installed one.
 *
 * Listing reads only the lock file (JSON), never a course.yaml, so commands start as fast as before;
 * the YAML parser is loaded only for a course given as a directory.
 */

/** The built-in course (course.yaml at the package root says the same; a test keeps them in step). */
export const BUILTIN_COURSE = { id: 'shipshape-docker', lessons: 'lessons', challenges: 'challenges' } as const;

export interface CourseRef {
  id: string;
  /** builtin: the package's own; installed: by course:add; dir: a directory given to --course or SHIPSHAPE_COURSES. */
  origin: 'builtin' | 'installed' | 'dir';
  dir: string;
  lessonsDir: string;
  challengesDir: string;
}

/** Where course:add puts courses and their lock file: SHIPSHAPE_DATA_DIR, else $XDG_DATA_HOME/shipshape, else ~/.local/share/shipshape. */
export function dataDir(): string {
  return path.resolve(process.env.SHIPSHAPE_DATA_DIR || path.join(process.env.XDG_DATA_HOME || path.join(os.homedir(), '.local', 'share'), 'shipshape'));
}

export const installedCoursesDir = () => path.join(dataDir(), 'courses');
export const courseLockFile = () => path.join(dataDir(), 'courses.lock.json');

export type { CourseLock, CourseLockEntry, CourseSource } from './course-lock-schema.js';

export async function readCourseLock(): Promise<CourseLock> {
  const file = courseLockFile();
  const text = await readFile(file, 'utf8').catch(() => null);
  if (text === null) return { schemaVersion: 1, courses: {} };
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch {
    throw new UserError(`${file} is not valid JSON.`, 2, 'Restore it, or remove it and add the courses again with `shipshape course:add`.');
  }
  // zod loads only when there is a lock file to check: listing with no installed course stays lean.
  const { CourseLockSchema } = await import('./course-lock-schema.js');
  const parsed = CourseLockSchema.safeParse(data);
  if (!parsed.success) {
    throw new UserError(`${file} is not a course lock file this version understands: ${parsed.error.issues[0]?.message ?? 'invalid'}.`, 2, 'Restore it, or remove it and add the courses again.');
  }
  return parsed.data;
}

export async function writeCourseLock(lock: CourseLock): Promise<void> {
  await writeFileAtomic(courseLockFile(), `${JSON.stringify(lock, null, 2)}\n`);
}

export function builtinCourse(): CourseRef {
  return {
    id: BUILTIN_COURSE.id,
    origin: 'builtin',
    dir: PACKAGE_ROOT,
    lessonsDir: path.join(PACKAGE_ROOT, BUILTIN_COURSE.lessons),
    challengesDir: path.join(PACKAGE_ROOT, BUILTIN_COURSE.challenges),
  };
}

/** The courses course:add installed, as the lock file lists them (one whose directory is gone is left out). */
export async function installedCourses(lock?: CourseLock): Promise<CourseRef[]> {
  const entries = Object.entries((lock ?? (await readCourseLock())).courses).sort(([a], [b]) => a.localeCompare(b));
  const refs = await Promise.all(
    entries.map(async ([id, entry]): Promise<CourseRef | null> => {
      const dir = path.join(installedCoursesDir(), id);
      const present = await stat(dir).then((info) => info.isDirectory(), () => false);
      return present ? { id, origin: 'installed', dir, lessonsDir: path.join(dir, entry.lessons), challengesDir: path.join(dir, entry.challenges) } : null;
    }),
  );
  return refs.filter((ref): ref is CourseRef => ref !== null);
}

/** The selectors in effect: --course when given, else SHIPSHAPE_COURSES (separated like PATH). */
export function courseSelectors(flag: string[] = []): string[] {
  if (flag.length > 0) return flag;
  return (process.env.SHIPSHAPE_COURSES ?? '').split(path.delimiter).map((entry) => entry.trim()).filter(Boolean);
}

/**
 * The courses a command sees. A selector is a course id (the built-in one, `builtin`, or an installed
 * one) or a directory holding a course.yaml. No selector: the built-in course and every installed one.
 */
export async function selectCourses(flag: string[] = []): Promise<CourseRef[]> {
  const selectors = courseSelectors(flag);
  const builtin = builtinCourse();
  const installed = await installedCourses();
  if (selectors.length === 0) return [builtin, ...installed];
  const chosen: CourseRef[] = [];
  for (const selector of selectors) {
    const ref =
      selector === builtin.id || selector === 'builtin'
        ? builtin
        : (installed.find((course) => course.id === selector) ?? (await courseFromDir(selector)));
    if (!ref) {
      throw new UserError(
        `Unknown course "${selector}".`,
        2,
        `Known courses: ${[builtin, ...installed].map((course) => course.id).join(', ')}; or give a directory holding a course.yaml. See \`shipshape course:list\`.`,
      );
    }
    if (!chosen.some((course) => course.id === ref.id)) chosen.push(ref);
  }
  return chosen;
}

async function courseFromDir(selector: string): Promise<CourseRef | null> {
  const dir = path.resolve(selector);
  if (!(await stat(dir).then((info) => info.isDirectory(), () => false))) return null;
  // Only a course given as a directory needs its course.yaml parsed (and the YAML parser loaded).
  const { readCourse } = await import('./course-manifest.js');
  const course = await readCourse(dir);
  return { id: course.manifest.id, origin: 'dir', dir, lessonsDir: course.lessonsDir, challengesDir: course.challengesDir };
}

/** Directories of challenge packs: the selected courses', then SHIPSHAPE_PACKS entries, then --pack. */
export async function coursePackRoots(extra: string[] = [], courses: string[] = []): Promise<string[]> {
  const fromEnv = (process.env.SHIPSHAPE_PACKS ?? '').split(path.delimiter).filter(Boolean);
  const selected = await selectCourses(courses);
  return [...selected.map((course) => course.challengesDir), ...fromEnv, ...extra].map((root) => path.resolve(root));
}

/** Directories of lessons of the selected courses. */
export async function courseLessonDirs(courses: string[] = []): Promise<string[]> {
  return (await selectCourses(courses)).map((course) => course.lessonsDir);
}
