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
  // A course is an id or a directory (resolved from the cwd, as selectCourses does): an id is a plain
  // name inside the cwd, which shownPath leaves as it is.
  for (const course of options.courses ?? []) parts.push('--course', shownPath(course, cwd));
  return parts.map(shellWord).join(' ');
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
