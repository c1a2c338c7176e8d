import path from 'node:path';
import { watch } from 'chokidar';
import { STATE_DIR } from './workspace.js';

// Editors write these beside the file being saved (vim swap files and its 4913 probe, emacs locks
// and autosaves, backup copies); they never change what gets built.
const EDITOR_TEMP = [/^\.#/, /^#.*#$/, /~$/, /\.sw[a-p]$/i, /^4913$/, /\.tmp$/i, /\.kate-swp$/, /^\.DS_Store$/];

/** Paths whose changes do not start a verify: our own state, version control and editor temp files. */
export function ignoredByWatch(relative: string): boolean {
  const parts = relative.split(/[\\/]/).filter(Boolean);
  if (parts.length === 0) return false;
  if (parts[0] === STATE_DIR || parts[0] === '.git') return true;
  const name = parts[parts.length - 1]!;
  return EDITOR_TEMP.some((pattern) => pattern.test(name));
}

/** Watches a workspace; resolves once the initial scan is done, to a function that stops watching. */
export async function watchWorkspaceFiles(root: string, onChange: (file: string) => void): Promise<() => Promise<void>> {
  const watcher = watch(root, {
    ignoreInitial: true,
    ignored: (file) => ignoredByWatch(path.relative(root, file)),
  });
  await new Promise<void>((resolve, reject) => {
    watcher.once('ready', resolve);
    watcher.once('error', reject);
  });
  watcher.on('all', (_event, file) => onChange(path.relative(root, file) || '.'));
  // A folder that vanished or cannot be read is not worth ending the session for: the next save still counts.
  watcher.on('error', () => undefined);
  return () => watcher.close();
}
