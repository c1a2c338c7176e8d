import { open, realpath, lstat } from 'node:fs/promises';
import path from 'node:path';
import { UserError } from '../errors.js';
import { stripControl } from '../text/safe.js';

/**
 * A learner's file (Dockerfile, compose file, a file a compose model names) is checked before it is
 * read: it must be a regular file, resolve (through any symlinks) to a place inside the workspace, stay
 * under a size bound and be UTF-8. Each refusal is one clear message naming the file and what to do.
 */
export interface LearnerFileOptions {
  /** What the file is, for messages: "Dockerfile", "compose file". */
  what: string;
  /** Largest size read, in bytes. */
  maxBytes: number;
  /** Exit code of a refusal: 1 when the learner's work is wrong (default), 2 for usage. */
  exitCode?: 1 | 2;
}

export const DEFAULT_LEARNER_FILE_LIMIT = 1024 * 1024 * 4;

export class LearnerFileError extends UserError {
  constructor(
    message: string,
    readonly file: string,
    readonly reason: 'missing' | 'not-a-file' | 'outside-workspace' | 'too-large' | 'encoding',
    exitCode: 1 | 2,
    suggestion: string,
  ) {
    super(message, exitCode, suggestion);
    this.name = 'LearnerFileError';
  }
}

function isInside(root: string, candidate: string): boolean {
  const relative = path.relative(root, candidate);
  return relative === '' || (!relative.startsWith('..') && !path.isAbsolute(relative));
}

/** Describes a BOM or NUL pattern that shows the bytes are not UTF-8, or undefined when they may be. */
export function notUtf8(bytes: Buffer): string | undefined {
  if (bytes.length >= 2 && bytes[0] === 0xff && bytes[1] === 0xfe) return 'UTF-16 (little-endian)';
  if (bytes.length >= 2 && bytes[0] === 0xfe && bytes[1] === 0xff) return 'UTF-16 (big-endian)';
  // UTF-16 without a BOM: every other byte NUL in the first characters.
  const sample = bytes.subarray(0, 64);
  if (sample.length >= 4) {
    let evenNul = 0;
    let oddNul = 0;
    for (let i = 0; i < sample.length; i += 1) if (sample[i] === 0) (i % 2 === 0 ? evenNul++ : oddNul++);
    const half = Math.floor(sample.length / 2);
    if (oddNul >= half * 0.75 && evenNul === 0) return 'UTF-16 (little-endian)';
    if (evenNul >= half * 0.75 && oddNul === 0) return 'UTF-16 (big-endian)';
  }
  try {
    new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    return 'not valid UTF-8';
  }
  return undefined;
}

/**
 * Reads `file` (absolute, or relative to `workspace`) as UTF-8 text after the checks above. A leading
 * UTF-8 BOM is dropped, as Docker does.
 */
export async function readLearnerFile(workspace: string, file: string, options: LearnerFileOptions): Promise<string> {
  const exitCode = options.exitCode ?? 1;
  const absolute = path.resolve(workspace, file);
  const shown = path.relative(workspace, absolute) || path.basename(absolute);
  const refuse = (reason: LearnerFileError['reason'], message: string, suggestion: string): never => {
    // A link target is the learner's text: no escape sequence travels on in the message.
    throw new LearnerFileError(stripControl(message), absolute, reason, exitCode, stripControl(suggestion));
  };

  const link = await lstat(absolute).catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT' || error.code === 'ENOTDIR') {
      return refuse('missing', shown === options.what ? `No ${options.what} in ${workspace}.` : `No ${options.what} at ${shown} in ${workspace}.`, `Create ${shown} in the workspace, or run \`shipshape challenge:reset\` to get the starter back.`);
    }
    throw error;
  });
  let target = absolute;
  if (link.isSymbolicLink()) {
    const [root, resolved] = await Promise.all([
      realpath(workspace),
      realpath(absolute).catch(() =>
        refuse('missing', `The ${options.what} ${shown} is a symbolic link to a file that does not exist.`, `Replace the link with the file itself.`),
      ),
    ]);
    if (!isInside(root, resolved)) {
      refuse(
        'outside-workspace',
        `The ${options.what} ${shown} is a symbolic link to ${resolved}, outside the workspace; it is not read.`,
        `Put the ${options.what} itself in the workspace instead of a link.`,
      );
    }
    target = resolved;
  }
  const stats = link.isSymbolicLink() ? await lstat(target) : link;
  if (!stats.isFile()) {
    const kind = stats.isDirectory() ? 'a directory' : stats.isFIFO() ? 'a named pipe' : stats.isSocket() ? 'a socket' : 'a device or special file';
    refuse('not-a-file', `The ${options.what} ${shown} is ${kind}, not a regular file.`, `Replace ${shown} with a regular file.`);
  }
  if (stats.size > options.maxBytes) {
    refuse(
      'too-large',
      `The ${options.what} ${shown} is ${stats.size} bytes, over the ${options.maxBytes}-byte limit.`,
      `Keep the ${options.what} under ${Math.floor(options.maxBytes / 1024)} KiB.`,
    );
  }
  // Read at most maxBytes + 1 even if the file grew since the stat.
  const handle = await open(target, 'r');
  let bytes: Buffer;
  try {
    const buffer = Buffer.alloc(Math.min(stats.size, options.maxBytes) + 1);
    const { bytesRead } = await handle.read(buffer, 0, buffer.length, 0);
    if (bytesRead > options.maxBytes) {
      refuse('too-large', `The ${options.what} ${shown} is over the ${options.maxBytes}-byte limit.`, `Keep the ${options.what} under ${Math.floor(options.maxBytes / 1024)} KiB.`);
    }
    bytes = buffer.subarray(0, bytesRead);
  } finally {
    await handle.close();
  }
  const encoding = notUtf8(bytes);
  if (encoding) {
    refuse(
      'encoding',
      `The ${options.what} ${shown} is ${encoding}; Docker reads it as UTF-8.`,
      `Save ${shown} as UTF-8 (in most editors: "Save with encoding" → UTF-8).`,
    );
  }
  const text = bytes.toString('utf8');
  return text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
}
