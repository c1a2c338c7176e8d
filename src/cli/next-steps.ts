import path from 'node:path';

/**
 * A command line to print as a next step, carrying the --dir and --pack the current command was
 * given, so that following it works (a challenge from an extra pack is unknown without --pack).
 */
export function nextCommand(command: string, options: { args?: string[]; dir?: string; packs?: string[]; cwd?: string } = {}): string {
  const parts = ['shipshape', command, ...(options.args ?? [])];
  if (options.dir !== undefined) parts.push('--dir', shownPath(options.dir, options.cwd ?? process.cwd()));
  for (const pack of options.packs ?? []) parts.push('--pack', shownPath(pack, options.cwd ?? process.cwd()));
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
