import { useRef, useState } from 'react';
import { Box, Text, render, useApp, useInput } from 'ink';
import type { CourseOutline, OutlineChallenge, OutlineLesson } from '../course/lessons.js';
import { progressBar, statusWords } from './progress.js';

export type MenuChoice = { type: 'lesson'; id: string } | { type: 'challenge'; id: string };

type Row = { kind: 'lesson'; lesson: OutlineLesson } | { kind: 'challenge'; challenge: OutlineChallenge; lesson: OutlineLesson };

/** Lessons in course order, each followed by its challenges: the rows the cursor moves over. */
export function menuRows(outline: CourseOutline): Row[] {
  return outline.lessons.flatMap((lesson): Row[] => [
    { kind: 'lesson', lesson },
    ...lesson.challenges.map((challenge): Row => ({ kind: 'challenge', challenge, lesson })),
  ]);
}

const MARKS = { passed: '✔', 'in-progress': '◐', 'not-started': '·' } as const;
const COLORS = { passed: 'green', 'in-progress': 'yellow', 'not-started': undefined } as const;

export interface CourseMenuProps {
  outline: CourseOutline;
  /** Called once, with the chosen row, or null when the learner quits (q or Escape). */
  onChoose: (choice: MenuChoice | null) => void;
}

/** Arrow keys (or j/k) move, Enter chooses, q or Escape quits. The cursor starts on the suggested challenge. */
export function CourseMenu({ outline, onChoose }: CourseMenuProps) {
  const { exit } = useApp();
  const rows = menuRows(outline);
  const suggested = rows.findIndex((row) => row.kind === 'challenge' && row.challenge.id === outline.next?.challenge);
  const [cursor, setCursor] = useState(Math.max(0, suggested));
  // Keys can arrive faster than React re-renders: the handler reads and moves the cursor through a
  // ref, so an Enter right after an arrow acts on the row the arrow moved to.
  const position = useRef(cursor);
  const done = useRef(false);

  const move = (step: number) => {
    position.current = (position.current + step + rows.length) % rows.length;
    setCursor(position.current);
  };
  const finish = (choice: MenuChoice | null) => {
    if (done.current) return;
    done.current = true;
    onChoose(choice);
    exit();
  };

  useInput((input, key) => {
    if (done.current) return;
    if (rows.length === 0) {
      if (input === 'q' || key.escape || key.return) finish(null);
      return;
    }
    if (key.upArrow || input === 'k') move(-1);
    else if (key.downArrow || input === 'j') move(1);
    else if (key.return) {
      const row = rows[position.current]!;
      finish(row.kind === 'lesson' ? { type: 'lesson', id: row.lesson.id } : { type: 'challenge', id: row.challenge.id });
    } else if (input === 'q' || key.escape) finish(null);
  });

  return (
    <Box flexDirection="column">
      <Text bold>
        Shipshape {progressBar(outline.passed, outline.total)} {outline.passed}/{outline.total} challenges passed
      </Text>
      <Text dimColor>↑/↓ move · Enter: read a lesson or start a challenge · q quit</Text>
      <Box flexDirection="column" marginTop={1}>
        {rows.length === 0 && <Text>No lessons or challenges found.</Text>}
        {rows.map((row, index) => {
          const pointer = index === cursor ? '❯ ' : '  ';
          if (row.kind === 'lesson') {
            return (
              <Text key={`lesson:${row.lesson.id}`} bold={index === cursor} color={index === cursor ? 'cyan' : undefined}>
                {pointer}
                {row.lesson.title} {row.lesson.passed}/{row.lesson.total}
                {row.lesson.unlocked ? '' : ` (after ${row.lesson.prerequisites.join(', ')})`}
              </Text>
            );
          }
          const { challenge } = row;
          return (
            <Text key={`challenge:${challenge.id}`}>
              <Text color={index === cursor ? 'cyan' : undefined}>{pointer}  </Text>
              <Text color={COLORS[challenge.status]}>{MARKS[challenge.status]}</Text>
              <Text bold={index === cursor} color={index === cursor ? 'cyan' : undefined}>
                {' '}
                {challenge.title}
              </Text>
              <Text dimColor> {challenge.id} · {statusWords(challenge)}</Text>
            </Text>
          );
        })}
      </Box>
    </Box>
  );
}

/** Shows the menu on the terminal and resolves with the learner's choice. */
export async function chooseFromMenu(outline: CourseOutline): Promise<MenuChoice | null> {
  let chosen: MenuChoice | null = null;
  const instance = render(<CourseMenu outline={outline} onChoose={(choice) => (chosen = choice)} />);
  await instance.waitUntilExit();
  return chosen;
}
