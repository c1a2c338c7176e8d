import { stripControl } from '../text/safe.js';

const STATUS_WORDS = { passed: 'passed', 'in-progress': 'in progress', 'not-started': '' } as const;

interface Row {
  id: string;
  title: string;
  difficulty: string;
  lesson: string;
  status: keyof typeof STATUS_WORDS;
}

/** `challenge:list` as lines of aligned columns; a course's own texts never bring escape sequences to the terminal. */
export function challengeTable(rows: Row[]): string[] {
  const headers = { id: 'ID', title: 'TITLE', difficulty: 'DIFFICULTY', lesson: 'LESSON', status: 'STATUS' };
  const keys = Object.keys(headers) as Array<keyof typeof headers>;
  const cells = rows.map((row) => ({
    id: stripControl(row.id),
    title: stripControl(row.title),
    difficulty: stripControl(row.difficulty),
    lesson: stripControl(row.lesson),
    status: STATUS_WORDS[row.status],
  }));
  const widths = keys.map((key) => Math.max(headers[key].length, ...cells.map((row) => row[key].length)));
  return [headers, ...cells].map((row) => keys.map((key, index) => row[key].padEnd(widths[index]!)).join('  ').trimEnd());
}
