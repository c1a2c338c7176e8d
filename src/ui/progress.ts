import type { CourseOutline, OutlineChallenge, OutlineLesson } from '../course/lessons.js';
import type { Style } from './style.js';

export function progressBar(done: number, total: number, width = 20): string {
  const filled = total === 0 ? width : Math.round((done / total) * width);
  return `[${'█'.repeat(filled)}${'░'.repeat(width - filled)}]`;
}

const percentOf = (done: number, total: number) => (total === 0 ? 100 : Math.round((done / total) * 100));

export function statusMark(challenge: Pick<OutlineChallenge, 'status'>, style: Style): string {
  if (challenge.status === 'passed') return style.green('✔');
  if (challenge.status === 'in-progress') return style.yellow('◐');
  return style.dim('·');
}

export function statusWords(challenge: OutlineChallenge): string {
  if (challenge.status === 'not-started') return 'not started';
  const parts = [challenge.status === 'passed' ? 'passed' : 'in progress'];
  if (challenge.bestPercent !== null) parts.push(`best ${challenge.bestPercent}%`);
  parts.push(`${challenge.attempts} attempt${challenge.attempts === 1 ? '' : 's'}`);
  return parts.join(' · ');
}

export function lessonLine(lesson: OutlineLesson, style: Style): string {
  const locked = lesson.unlocked ? '' : style.dim(`  (locked: finish ${lesson.prerequisites.join(', ')} first)`);
  return `${style.bold(lesson.title)}  ${progressBar(lesson.passed, lesson.total, 12)} ${lesson.passed}/${lesson.total}${locked}`;
}

/** The text of `challenge:status`: the course bar, each lesson with its challenges, and what to do next. */
export function renderStatus(outline: CourseOutline, style: Style, nextCommand: string | null): string[] {
  const lines = [
    `${style.bold('Course progress')}  ${progressBar(outline.passed, outline.total)} ${outline.passed}/${outline.total} challenges passed (${percentOf(outline.passed, outline.total)}%)`,
    '',
  ];
  const width = Math.max(0, ...outline.lessons.flatMap((lesson) => lesson.challenges.map((challenge) => challenge.id.length)));
  for (const lesson of outline.lessons) {
    lines.push(lessonLine(lesson, style));
    if (lesson.challenges.length === 0) lines.push(style.dim('  (no challenges yet)'));
    for (const challenge of lesson.challenges) {
      lines.push(`  ${statusMark(challenge, style)} ${challenge.id.padEnd(width)}  ${statusWords(challenge)}`);
    }
    lines.push('');
  }
  if (outline.next) lines.push(`Next: ${style.bold(outline.next.title)} (${outline.next.challenge})`, `  ${style.cyan(nextCommand ?? '')}`);
  else if (outline.total > 0 && outline.passed === outline.total) lines.push(style.green('Every challenge passed. Well done!'));
  else lines.push('No challenge is open yet: the remaining lessons need their prerequisites first.');
  return lines;
}
