import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { LineCounter, parseDocument } from 'yaml';
import { z } from 'zod';
import { UserError } from '../errors.js';
import { formatPath, locate } from './yaml-position.js';

/** The file at a course's root that makes a directory a course. */
export const COURSE_FILE = 'course.yaml';

const id = z.string().regex(/^[a-z0-9][a-z0-9-]{1,63}$/, 'lower-case letters, digits and dashes, 2 to 64 characters');
/** A directory inside the course: no absolute path, no `..`. */
const courseDir = z
  .string()
  .min(1)
  .max(200)
  .refine((value) => !path.isAbsolute(value) && !value.split(/[\\/]/).includes('..'), 'must stay inside the course (no absolute path, no `..`)');

export const CourseManifestSchema = z
  .object({
    schemaVersion: z.literal(1),
    id: id.describe('Names the course in course:list, course:remove and --course; unique among the installed courses'),
    title: z.string().min(3).max(120),
    version: z
      .string()
      .regex(/^\d+\.\d+\.\d+(?:[-+][0-9A-Za-z.-]+)?$/, 'a semantic version such as 1.0.0')
      .describe("The course's version (an npm package's version should match it)"),
    description: z.string().max(600).optional(),
    lessons: courseDir.default('lessons').describe('Directory of the lesson markdown files, relative to the course'),
    challenges: courseDir.default('challenges').describe('Directory of challenge packs (each a directory with manifest.yaml), relative to the course'),
  })
  .strict();

export type CourseManifest = z.output<typeof CourseManifestSchema>;

/** A course on disk: its manifest and the directories its lessons and packs are read from. */
export interface Course {
  manifest: CourseManifest;
  dir: string;
  lessonsDir: string;
  challengesDir: string;
}

/** Parses and validates a course manifest, naming file, line and column of every problem. */
export function parseCourseManifest(file: string, text: string): CourseManifest {
  const lineCounter = new LineCounter();
  const document = parseDocument(text, { lineCounter, prettyErrors: false });
  const where = (offset: number) => {
    const position = lineCounter.linePos(offset);
    return `${file}:${position.line}:${position.col}`;
  };
  if (document.errors.length > 0) {
    const error = document.errors[0]!;
    throw new UserError(`${where(error.pos[0])}: YAML: ${error.message.split('\n')[0]}`, 2, 'Fix the course manifest.');
  }
  const parsed = CourseManifestSchema.safeParse(document.toJS());
  if (parsed.success) return parsed.data;
  const problems = parsed.error.issues.map((issue) => {
    const issuePath = issue.path as Array<string | number>;
    return `  ${where(locate(document, issuePath))}${issuePath.length > 0 ? ` ${formatPath(issuePath)}` : ''}: ${issue.message}`;
  });
  throw new UserError(`Invalid course manifest:\n${problems.join('\n')}`, 2, 'Fix the course manifest; each line above names the place.');
}

/** The course in `dir`; a directory without a course manifest is a clear error. */
export async function readCourse(dir: string): Promise<Course> {
  const file = path.join(dir, COURSE_FILE);
  const text = await readFile(file, 'utf8').catch(() => null);
  if (text === null) {
    throw new UserError(`${dir} is not a course: it has no ${COURSE_FILE}.`, 2, `A course holds a ${COURSE_FILE} (id, title, version, lessons, challenges) at its root; see docs/authoring.md "Courses".`);
  }
  const manifest = parseCourseManifest(file, text);
  return { manifest, dir, lessonsDir: path.join(dir, manifest.lessons), challengesDir: path.join(dir, manifest.challenges) };
}

/** The course manifest's JSON Schema (schema/course.schema.json). */
export function courseJsonSchemaText(): string {
  const schema = {
    ...z.toJSONSchema(CourseManifestSchema, { io: 'input', unrepresentable: 'any' }),
    $id: 'https://shipshape.dev/schema/course.schema.json',
    title: 'Shipshape course manifest',
  };
  return `${JSON.stringify(schema, null, 2)}\n`;
}
