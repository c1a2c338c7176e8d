import path from 'node:path';

/**
 * A command line to print as a next step, carrying the --dir, --pack and --course the current command
 * was given, so that following it works (a challenge from an extra pack or a chosen course is unknown
 * without them).
 */
export function nextCommand(
  command: string,
  options: { args?: string[]; dir?: string; packs?: string[]; courses?: string[]; cwd?: string } = {},
): string {
  const cwd = options.cwd ?? process.cwd();
  const parts = ['shipshape', command, ...(options.args ?? [])];
  if (options.dir !== undefined) parts.push('--dir', shownPath(options.dir, cwd));
  for (const pack of options.packs ?? []) parts.push('--pack', shownPath(pack, cwd));
  // A course is an id (builtin, an installed one) or a directory: only a directory is a path to show.
  for (const course of options.courses ?? []) parts.push('--course', looksLikePath(course) ? shownPath(course, cwd) : course);
  return parts.map(shellWord).join(' ');
}

function looksLikePath(value: string): boolean {
  return value.includes('/') || value.includes(path.sep) || value === '.' || value === '..';
}

/** A path as short as it stays correct from `cwd`: relative inside it, absolute outside. */
export function shownPath(target: string, cwd: string): string {
  const absolute = path.resolve(cwd, target);
  const relative = path.relative(cwd, absolute);
  return relative === '' ? '.' : relative.startsWith('..') || path.isAbsolute(relative) ? absolute : relative;
}

/** Quotes a word for a POSIX shell when it needs it. */
export function shellWord(word: string): string {
  return /^[A-Za-z0-9_./:=@%+,-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}
