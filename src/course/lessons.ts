import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { LineCounter, parseDocument } from 'yaml';
import { z } from 'zod';
import { UserError } from '../errors.js';
import { formatPath, locate } from './yaml-position.js';
import { PACKAGE_ROOT, type ChallengePack } from './packs.js';
import { courseLessonDirs } from './courses.js';
import { challengeStatus, type ChallengeStatus, type Progress } from '../workspace/progress.js';

export const BUILTIN_LESSONS = path.join(PACKAGE_ROOT, 'lessons');

const id = z.string().regex(/^[a-z0-9][a-z0-9-]{1,63}$/, 'lower-case letters, digits and dashes, 2 to 64 characters');

export const LessonFrontMatterSchema = z
  .object({
    id,
    title: z.string().min(3).max(120),
    order: z.number().int().min(0),
    prerequisites: z.array(id).default([]).describe('Lessons whose challenges should be passed first'),
    challenges: z.array(id).default([]).describe('The lesson\'s challenges, in the order to take them'),
  })
  .strict();

export interface Lesson extends z.output<typeof LessonFrontMatterSchema> {
  /** The markdown after the front matter. */
  body: string;
  file: string;
}

/** Splits `---\nyaml\n---\nmarkdown` and validates the yaml, naming file and line on any problem. */
export function parseLesson(file: string, text: string): Lesson {
  const match = /^---\r?\n([\s\S]*?)\r?\n---\r?\n?([\s\S]*)$/.exec(text);
  if (!match) {
    throw new UserError(`${file}:1: a lesson starts with front matter between two --- lines.`, 2, 'Add id, title, order and challenges in YAML at the top.');
  }
  const lineCounter = new LineCounter();
  const document = parseDocument(match[1]!, { lineCounter, prettyErrors: false });
  // The YAML starts on the file's second line, after the opening ---.
  const where = (offset: number) => {
    const position = lineCounter.linePos(offset);
    return `${file}:${position.line + 1}:${position.col}`;
  };
  if (document.errors.length > 0) {
    const error = document.errors[0]!;
    throw new UserError(`${where(error.pos[0])}: YAML: ${error.message.split('\n')[0]}`, 2, 'Fix the lesson front matter.');
  }
  const parsed = LessonFrontMatterSchema.safeParse(document.toJS());
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => {
      const issuePath = issue.path as Array<string | number>;
      return `  ${where(locate(document, issuePath))}${issuePath.length > 0 ? ` ${formatPath(issuePath)}` : ''}: ${issue.message}`;
    });
    throw new UserError(`Invalid lesson front matter:\n${problems.join('\n')}`, 2, 'Fix the lesson front matter; each line above names the place.');
  }
  return { ...parsed.data, body: match[2]!.trim(), file };
}

/** The lessons in `dirs` (default: the selected courses', see courses.ts), sorted by their order. */
export async function listLessons(dirs?: string[]): Promise<Lesson[]> {
  dirs ??= await courseLessonDirs();
  const lessons: Lesson[] = [];
  const seen = new Map<string, string>();
  for (const dir of dirs) {
    const entries = await readdir(dir).catch(() => [] as string[]);
    // Hidden files (an editor's backup, a section waiting to be spliced into a lesson) are not lessons.
    for (const entry of entries.filter((name) => name.endsWith('.md') && !name.startsWith('.')).sort()) {
      const file = path.join(dir, entry);
      const lesson = parseLesson(file, await readFile(file, 'utf8'));
      const earlier = seen.get(lesson.id);
      if (earlier) throw new UserError(`Lesson id "${lesson.id}" is defined twice: ${earlier} and ${file}.`, 2, 'Rename one of them.');
      seen.set(lesson.id, file);
      lessons.push(lesson);
    }
  }
  return lessons.sort((a, b) => a.order - b.order || a.id.localeCompare(b.id));
}

export async function findLesson(lessonId: string, dirs?: string[]): Promise<Lesson> {
  const lessons = await listLessons(dirs);
  const lesson = lessons.find((candidate) => candidate.id === lessonId);
  if (lesson) return lesson;
  throw new UserError(`Unknown lesson "${lessonId}".`, 2, `Known lessons: ${lessons.map((known) => known.id).join(', ') || 'none'}. See \`shipshape lesson:list\`.`);
}

export interface OutlineChallenge {
  id: string;
  title: string;
  difficulty: string;
  status: ChallengeStatus;
  attempts: number;
  bestPercent: number | null;
}

export interface OutlineLesson {
  id: string;
  title: string;
  order: number;
  prerequisites: string[];
  /** Every challenge of every prerequisite lesson is passed. */
  unlocked: boolean;
  passed: number;
  total: number;
  challenges: OutlineChallenge[];
}

export interface CourseOutline {
  passed: number;
  total: number;
  lessons: OutlineLesson[];
  /** The first challenge not yet passed, in lesson order, whose lesson is unlocked. */
  next: { challenge: string; title: string; lesson: string } | null;
}

/**
 * Lessons with their challenges and the learner's status. A challenge whose lesson has no lesson
 * file (an extra pack) is listed under a lesson named after its `lesson:` id, after the others.
 */
export function courseOutline(lessons: Lesson[], packs: ChallengePack[], progress: Progress): CourseOutline {
  const byId = new Map(packs.map((pack) => [pack.manifest.id, pack]));
  const placed = new Set<string>();
  const groups: Array<{ lesson: Omit<Lesson, 'body' | 'file'>; packs: ChallengePack[] }> = [];
  for (const lesson of lessons) {
    const listed = lesson.challenges.map((challenge) => byId.get(challenge)).filter((pack): pack is ChallengePack => Boolean(pack));
    const extra = packs.filter((pack) => pack.manifest.lesson === lesson.id && !lesson.challenges.includes(pack.manifest.id));
    const members = [...listed, ...extra].filter((pack) => !placed.has(pack.manifest.id));
    for (const pack of members) placed.add(pack.manifest.id);
    groups.push({ lesson, packs: members });
  }
  const maxOrder = Math.max(0, ...lessons.map((lesson) => lesson.order));
  for (const pack of packs) {
    if (placed.has(pack.manifest.id)) continue;
    let group = groups.find((candidate) => candidate.lesson.id === pack.manifest.lesson);
    if (!group) {
      group = { lesson: { id: pack.manifest.lesson, title: pack.manifest.lesson, order: maxOrder + 1, prerequisites: [], challenges: [] }, packs: [] };
      groups.push(group);
    }
    group.packs.push(pack);
    placed.add(pack.manifest.id);
  }

  const outlined = groups.map(({ lesson, packs: members }) => {
    const challenges: OutlineChallenge[] = members.map(({ manifest }) => {
      const entry = progress.challenges[manifest.id];
      return {
        id: manifest.id,
        title: manifest.title,
        difficulty: manifest.difficulty,
        status: challengeStatus(entry),
        attempts: entry?.attempts ?? 0,
        bestPercent: entry?.bestPercent ?? null,
      };
    });
    return {
      id: lesson.id,
      title: lesson.title,
      order: lesson.order,
      prerequisites: lesson.prerequisites,
      unlocked: true,
      passed: challenges.filter((challenge) => challenge.status === 'passed').length,
      total: challenges.length,
      challenges,
    };
  });
  const complete = new Map(outlined.map((lesson) => [lesson.id, lesson.passed === lesson.total]));
  for (const lesson of outlined) lesson.unlocked = lesson.prerequisites.every((required) => complete.get(required) ?? true);

  let next: CourseOutline['next'] = null;
  for (const lesson of outlined) {
    if (!lesson.unlocked) continue;
    const challenge = lesson.challenges.find((candidate) => candidate.status !== 'passed');
    if (challenge) {
      next = { challenge: challenge.id, title: challenge.title, lesson: lesson.id };
      break;
    }
  }
  return {
    passed: outlined.reduce((sum, lesson) => sum + lesson.passed, 0),
    total: outlined.reduce((sum, lesson) => sum + lesson.total, 0),
    lessons: outlined,
    next,
  };
}
