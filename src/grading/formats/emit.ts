import { appendFile } from 'node:fs/promises';
import path from 'node:path';
import { writeFileAtomic } from '../../workspace/atomic.js';
import type { VerifyResult } from '../result.js';
import { type RenderOptions, type VerifyFormat, renderVerify } from './index.js';

export interface EmitOptions {
  /** --output: the document goes there (written atomically) instead of stdout. */
  output?: string;
  env?: NodeJS.ProcessEnv;
  stdout: (text: string) => void;
  now?: Date;
  gradescope?: RenderOptions['gradescope'];
}

/**
 * Puts a report where its platform reads it: the document to --output or stdout; for `github` the
 * workflow commands to stdout and the summary appended to $GITHUB_STEP_SUMMARY as well.
 * Returns what was written where, for the closing note.
 */
export async function emitReport(result: VerifyResult, format: VerifyFormat, options: EmitOptions): Promise<string[]> {
  const env = options.env ?? process.env;
  const { document, commands } = renderVerify(result, format, { env, now: options.now, gradescope: options.gradescope });
  const wrote: string[] = [];
  for (const line of commands ?? []) options.stdout(`${line}\n`);
  if (format === 'github' && env.GITHUB_STEP_SUMMARY) {
    await appendFile(env.GITHUB_STEP_SUMMARY, document, 'utf8');
    wrote.push(`job summary (${env.GITHUB_STEP_SUMMARY})`);
  }
  if (options.output) {
    const file = path.resolve(options.output);
    await writeFileAtomic(file, document);
    wrote.push(file);
  } else if (format !== 'github' || !env.GITHUB_STEP_SUMMARY) {
    options.stdout(document);
  }
  return wrote;
}

/** Whether the document takes stdout, so progress lines must go to stderr. */
export function documentOnStdout(format: VerifyFormat | undefined, output: string | undefined): boolean {
  return format !== undefined && format !== 'github' && !output;
}
