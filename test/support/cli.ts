import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const BIN = path.join(ROOT, 'bin', 'run.js');

/** Runs the built CLI (dist/, compiled by the pretest) as a user would, never throwing on exit codes. */
export async function shipshape(args: string[], options: { env?: Record<string, string>; cwd?: string; timeoutMs?: number } = {}) {
  const result = await execa(process.execPath, [BIN, ...args], {
    reject: false,
    cwd: options.cwd ?? ROOT,
    env: { NO_COLOR: '1', ...options.env },
    timeout: options.timeoutMs ?? 600_000,
    all: true,
  });
  return { exitCode: result.exitCode ?? -1, stdout: String(result.stdout), stderr: String(result.stderr), all: String(result.all) };
}

/**
 * Starts `challenge:verify --plain` in the background and resolves once its output shows `marker`,
 * for tests that interrupt a run at a chosen moment. The process is returned to be signalled and awaited.
 */
export async function verifyUntil(workspace: string, marker: string) {
  const child = execa(process.execPath, [BIN, 'challenge:verify', '--dir', workspace, '--plain'], {
    reject: false,
    env: { NO_COLOR: '1' },
    all: true,
  });
  let output = '';
  await new Promise<void>((resolve, reject) => {
    child.all!.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      if (output.includes(marker)) resolve();
    });
    child.once('exit', () => reject(new Error(`verify ended before "${marker}" appeared:\n${output}`)));
  });
  // Wrapped: the subprocess is itself a promise, and returning it bare would wait for it to end.
  return { child };
}
