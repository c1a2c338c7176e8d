import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { cp, lstat, mkdir, mkdtemp, readdir, readFile, rename, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { createGunzip } from 'node:zlib';
import { execa } from 'execa';
import tar from 'tar-fs';
import { UserError, errorMessage } from '../errors.js';
import { type Course, readCourse } from './course-manifest.js';
import {
  BUILTIN_COURSE,
  type CourseLockEntry,
  type CourseSource,
  builtinCourse,
  courseLockFile,
  installedCourses,
  installedCoursesDir,
  readCourseLock,
  writeCourseLock,
} from './courses.js';
import { listLessons } from './lessons.js';
import { listPacks } from './packs.js';
import { acquireFileLock } from '../workspace/lock.js';

/**
 * course:add and course:remove. A course is fetched into a staging directory (git clone with hooks
 * off, or npm pack and a tar extraction: nothing from the course runs), validated whole (course.yaml,
 * every pack's manifest, every lesson, no clash with the courses already there), then moved into the
 * data directory in one rename and recorded in the lock file (written atomically).
 */

export type CourseSpec =
  | { kind: 'dir'; path: string }
  | { kind: 'git'; url: string; ref: string | null }
  | { kind: 'npm'; spec: string }
  | { kind: 'tarball'; file: string };

const NPM_SPEC = /^(?:@[a-z0-9][a-z0-9._~-]*\/)?[a-z0-9][a-z0-9._~-]*(?:@[^\s/]+)?$/;
const GIT_URL = /^(?:git\+|git:\/\/|ssh:\/\/|file:\/\/|https?:\/\/|[\w.-]+@[\w.-]+:)/;

/** What `course:add <source>` names: a directory, a .tgz, a git URL (with #ref) or an npm package (with @version). */
export async function parseCourseSpec(input: string): Promise<CourseSpec> {
  const source = input.trim();
  if (GIT_URL.test(source)) {
    const hash = source.indexOf('#');
    const url = (hash >= 0 ? source.slice(0, hash) : source).replace(/^git\+/, '');
    const ref = hash >= 0 ? source.slice(hash + 1) : null;
    if (ref !== null && !/^[\w./-]{1,200}$/.test(ref)) throw new UserError(`"${ref}" is not a git branch, tag or commit.`, 2, 'Give the ref after # as in https://host/course.git#v1.0.0.');
    return { kind: 'git', url, ref };
  }
  const info = await stat(source).catch(() => null);
  if (info?.isDirectory()) return { kind: 'dir', path: path.resolve(source) };
  if (info?.isFile() && /\.(?:tgz|tar\.gz)$/.test(source)) return { kind: 'tarball', file: path.resolve(source) };
  if (!info && NPM_SPEC.test(source) && !source.startsWith('.')) return { kind: 'npm', spec: source };
  throw new UserError(
    `"${input}" is not a course source: not a directory, a .tgz file, a git URL or an npm package name.`,
    2,
    'Give a directory with a course.yaml, a git URL (https://…, file://…, git@host:…; #ref optional), an npm package (name or name@version), or an npm pack .tgz.',
  );
}

export interface AddedCourse {
  id: string;
  title: string;
  version: string;
  dir: string;
  lessons: number;
  challenges: number;
  entry: CourseLockEntry;
}

/** Fetches, validates and installs a course; nothing is left behind when any step fails. */
export async function addCourse(input: string): Promise<AddedCourse> {
  const spec = await parseCourseSpec(input);
  const root = installedCoursesDir();
  await mkdir(root, { recursive: true });
  const staging = await mkdtemp(path.join(root, '.staging-'));
  try {
    const fetched = await fetchCourse(spec, staging);
    const course = await readCourse(fetched.dir);
    await refuseSymlinks(fetched.dir);
    const validated = await validateCourse(course);
    // Another course:add or course:remove may be writing the lock file: one at a time, or an entry is lost.
    return await withCoursesLocked('course:add', () => installFetched(root, fetched, course, validated));
  } finally {
    await rm(staging, { recursive: true, force: true });
  }
}

/** Moves a validated course into place and records it in the lock file (under the courses lock). */
async function installFetched(root: string, fetched: Fetched, course: Course, { lessons, packs }: Awaited<ReturnType<typeof validateCourse>>): Promise<AddedCourse> {
  const { manifest } = course;
  const lock = await readCourseLock();
  await refuseClashes(course, lock, packs, lessons);
  const target = path.join(root, manifest.id);
  // A directory left without a lock entry (an interrupted remove) is replaced.
  await rm(target, { recursive: true, force: true });
  await rename(fetched.dir, target);
  const entry: CourseLockEntry = {
    title: manifest.title,
    version: fetched.version ?? manifest.version,
    lessons: manifest.lessons,
    challenges: manifest.challenges,
    source: fetched.source,
    ...(fetched.commit ? { commit: fetched.commit } : {}),
    ...(fetched.integrity ? { integrity: fetched.integrity } : {}),
    installedAt: new Date().toISOString(),
  };
  lock.courses[manifest.id] = entry;
  await writeCourseLock(lock);
  return { id: manifest.id, title: manifest.title, version: entry.version, dir: target, lessons: lessons.length, challenges: packs.length, entry };
}

/** Runs `action` holding the lock on the installed courses (their lock file and directories). */
async function withCoursesLocked<T>(command: string, action: () => Promise<T>): Promise<T> {
  const release = await acquireFileLock(`${courseLockFile()}.lock`, command, {
    // Adding or removing holds it for milliseconds: wait a little before saying another one runs.
    waitMs: 10_000,
    busy: (holder) => new UserError(`Another ${holder.command} is changing the installed courses (pid ${holder.pid}, since ${holder.since}).`, 2, 'Wait for it to finish, then try again.'),
  });
  try {
    return await action();
  } finally {
    await release();
  }
}

/** Removes an installed course: its directory and its lock entry. */
export async function removeCourse(id: string): Promise<void> {
  if (id === BUILTIN_COURSE.id || id === 'builtin') throw new UserError('The built-in course cannot be removed.', 2, 'Use --course or SHIPSHAPE_COURSES to choose other courses instead.');
  await withCoursesLocked('course:remove', async () => {
    const lock = await readCourseLock();
    if (!lock.courses[id]) {
      const known = Object.keys(lock.courses);
      throw new UserError(`No installed course "${id}".`, 2, known.length > 0 ? `Installed: ${known.join(', ')}.` : 'No course is installed; see `shipshape course:list`.');
    }
    delete lock.courses[id];
    // The lock first: a course whose directory outlives it is ignored, never half-listed.
    await writeCourseLock(lock);
    await rm(path.join(installedCoursesDir(), id), { recursive: true, force: true });
  });
}

interface Fetched {
  dir: string;
  source: CourseSource;
  commit?: string;
  version?: string;
  integrity?: string;
}

async function fetchCourse(spec: CourseSpec, staging: string): Promise<Fetched> {
  const dir = path.join(staging, 'course');
  switch (spec.kind) {
    case 'dir': {
      await readCourse(spec.path);
      await cp(spec.path, dir, { recursive: true, verbatimSymlinks: true, filter: (source) => !['.git', 'node_modules'].includes(path.basename(source)) });
      return { dir, source: { kind: 'dir', path: spec.path } };
    }
    case 'git':
      return { ...(await cloneCourse(spec.url, spec.ref, dir)), source: { kind: 'git', url: spec.url, ref: spec.ref } };
    case 'tarball': {
      await extractPackage(spec.file, dir);
      return { dir, source: { kind: 'npm', spec: spec.file }, version: await packageVersion(dir), integrity: await fileIntegrity(spec.file) };
    }
    case 'npm': {
      const packed = await npmPack(spec.spec, staging);
      await extractPackage(packed.file, dir);
      return { dir, source: { kind: 'npm', spec: spec.spec }, version: packed.version, integrity: packed.integrity ?? (await fileIntegrity(packed.file)) };
    }
  }
}

/** git with no prompt, no hooks and no templates: a clone runs nothing from the repository. */
const git = (args: string[], cwd?: string) =>
  execa('git', ['-c', 'core.hooksPath=/dev/null', '-c', 'core.fsmonitor=false', '-c', 'protocol.ext.allow=never', ...args], {
    cwd,
    env: { GIT_TERMINAL_PROMPT: '0', GIT_SSH_COMMAND: process.env.GIT_SSH_COMMAND ?? 'ssh -o BatchMode=yes' },
    timeout: 300_000,
    stdin: 'ignore',
  });

async function cloneCourse(url: string, ref: string | null, dir: string): Promise<{ dir: string; commit: string }> {
  try {
    await git(['clone', '--quiet', '--template=', '--no-recurse-submodules', '--', url, dir]);
  } catch (error) {
    throw new UserError(`Could not clone ${url}: ${lastLine(error)}`, 2, 'Check the URL and that the repository is reachable from here.');
  }
  if (ref) {
    const commit = await resolveRef(dir, ref);
    if (!commit) throw new UserError(`${url} has no branch, tag or commit "${ref}".`, 2, 'Check the ref after #.');
    await git(['checkout', '--quiet', '--detach', commit], dir).catch((error: unknown) => {
      throw new UserError(`Could not check out ${ref} of ${url}: ${lastLine(error)}`, 2);
    });
  }
  const commit = (await git(['rev-parse', 'HEAD'], dir)).stdout.trim();
  // The course is pinned by its commit in the lock file; the history is not kept.
  await rm(path.join(dir, '.git'), { recursive: true, force: true });
  return { dir, commit };
}

async function resolveRef(dir: string, ref: string): Promise<string | null> {
  for (const candidate of [`origin/${ref}`, ref]) {
    const found = await git(['rev-parse', '--verify', '--quiet', `${candidate}^{commit}`], dir).then((result) => result.stdout.trim(), () => '');
    if (found) return found;
  }
  return null;
}

/** `npm pack` fetches the package's tarball without installing it; --ignore-scripts keeps its scripts from running. */
async function npmPack(spec: string, into: string): Promise<{ file: string; version?: string; integrity?: string }> {
  try {
    const { stdout } = await execa('npm', ['pack', spec, '--ignore-scripts', '--json', '--pack-destination', into], { cwd: into, timeout: 300_000, stdin: 'ignore' });
    const [packed] = JSON.parse(stdout) as Array<{ filename: string; version?: string; integrity?: string }>;
    if (!packed) throw new Error('npm pack gave no file');
    return { file: path.join(into, packed.filename), version: packed.version, integrity: packed.integrity };
  } catch (error) {
    throw new UserError(`Could not fetch the npm package ${spec}: ${lastLine(error)}`, 2, 'Check the name and version, and that the npm registry is reachable.');
  }
}

/** An npm tarball's files (under package/) into `dir`: regular files and directories only, never links. */
async function extractPackage(file: string, dir: string): Promise<void> {
  await mkdir(dir, { recursive: true });
  try {
    await pipeline(
      createReadStream(file),
      createGunzip(),
      tar.extract(dir, { strip: 1, ignore: (_name, header) => header?.type !== 'file' && header?.type !== 'directory', dmode: 0o755, fmode: 0o644 }),
    );
  } catch (error) {
    throw new UserError(`${file} is not a readable npm package tarball: ${errorMessage(error)}`, 2, 'Make it with `npm pack` in the course directory.');
  }
}

async function packageVersion(dir: string): Promise<string | undefined> {
  const text = await readFile(path.join(dir, 'package.json'), 'utf8').catch(() => null);
  if (!text) return undefined;
  try {
    const version = (JSON.parse(text) as { version?: unknown }).version;
    return typeof version === 'string' ? version : undefined;
  } catch {
    return undefined;
  }
}

async function fileIntegrity(file: string): Promise<string> {
  const hash = createHash('sha512');
  for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer);
  return `sha512-${hash.digest('base64')}`;
}

/** A course's files are copied into learners' workspaces: no links that could point elsewhere. */
async function refuseSymlinks(dir: string): Promise<void> {
  const walk = async (current: string): Promise<void> => {
    for (const entry of await readdir(current)) {
      const full = path.join(current, entry);
      const info = await lstat(full);
      if (info.isSymbolicLink()) throw new UserError(`The course holds a symbolic link: ${path.relative(dir, full)}.`, 2, 'Replace it with the file itself.');
      if (info.isDirectory()) await walk(full);
    }
  };
  await walk(dir);
}

/** Every pack and lesson must load (manifest schema, front matter), before anything is installed. */
async function validateCourse(course: Course) {
  const challengesThere = await stat(course.challengesDir).then((info) => info.isDirectory(), () => false);
  const lessonsThere = await stat(course.lessonsDir).then((info) => info.isDirectory(), () => false);
  if (!challengesThere && !lessonsThere) {
    throw new UserError(
      `The course "${course.manifest.id}" has neither its challenges directory (${course.manifest.challenges}) nor its lessons directory (${course.manifest.lessons}).`,
      2,
      'Point `challenges:` and `lessons:` in course.yaml at the directories that hold them.',
    );
  }
  const packs = await listPacks([course.challengesDir]);
  const lessons = await listLessons([course.lessonsDir]);
  return { packs, lessons };
}

async function refuseClashes(course: Course, lock: Awaited<ReturnType<typeof readCourseLock>>, packs: Awaited<ReturnType<typeof listPacks>>, lessons: Awaited<ReturnType<typeof listLessons>>) {
  const id = course.manifest.id;
  if (id === BUILTIN_COURSE.id || id === 'builtin') throw new UserError(`The course id "${id}" is the built-in course's.`, 2, 'Give the course another id in its course.yaml.');
  if (lock.courses[id]) {
    throw new UserError(`A course "${id}" is already installed (version ${lock.courses[id].version}).`, 2, `Remove it first with \`shipshape course:remove ${id}\`, then add this one.`);
  }
  const others = [builtinCourse(), ...(await installedCourses(lock))];
  const [theirPacks, theirLessons] = await Promise.all([listPacks(others.map((other) => other.challengesDir)), listLessons(others.map((other) => other.lessonsDir))]);
  const packIds = new Set(theirPacks.map((pack) => pack.manifest.id));
  const lessonIds = new Set(theirLessons.map((lesson) => lesson.id));
  const clashes = [
    ...packs.filter((pack) => packIds.has(pack.manifest.id)).map((pack) => `challenge "${pack.manifest.id}"`),
    ...lessons.filter((lesson) => lessonIds.has(lesson.id)).map((lesson) => `lesson "${lesson.id}"`),
  ];
  if (clashes.length > 0) {
    throw new UserError(`The course "${id}" clashes with a course already there: ${clashes.join(', ')} already exist.`, 2, 'Rename them in the course (ids are unique across courses).');
  }
}

function lastLine(error: unknown): string {
  const stderr = (error as { stderr?: unknown }).stderr;
  const text = typeof stderr === 'string' && stderr.trim() ? stderr : errorMessage(error);
  return text.trim().split('\n').filter(Boolean).pop() ?? 'failed';
}
