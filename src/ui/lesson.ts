import type { OutlineChallenge } from '../course/lessons.js';
import { renderMarkdown } from './markdown.js';
import { statusMark, statusWords } from './progress.js';
import type { Style } from './style.js';

/** A lesson as read in the terminal: its markdown, then its challenges with the learner's status. */
export function lessonText(markdown: string, challenges: OutlineChallenge[], style: Style): string {
  const lines = [renderMarkdown(markdown), '', style.bold('Challenges in this lesson')];
  if (challenges.length === 0) lines.push(style.dim('  (none yet)'));
  for (const challenge of challenges) {
    lines.push(`  ${statusMark(challenge, style)} ${challenge.id}: ${challenge.title} ${style.dim(`(${statusWords(challenge)})`)}`);
  }
  const open = challenges.find((challenge) => challenge.status !== 'passed');
  if (open) lines.push('', `Start with: shipshape challenge:start ${open.id}`);
  return lines.join('\n');
}
