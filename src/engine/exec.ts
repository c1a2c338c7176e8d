import type Docker from 'dockerode';
import type { CommandRun } from '../checks/kind.js';
import { waitFor } from '../wait.js';

/** Characters kept of each stream: a command that floods its output cannot fill the grader's memory. */
export const EXEC_OUTPUT_LIMIT = 1_000_000;

/** The stream can close a moment before the engine records the exit code: this long at most is waited for it. */
const EXIT_CODE_WAIT_MS = 2000;
const EXIT_CODE_POLL_MS = 50;

export interface ExecOptions {
  timeoutMs: number;
  env?: string[];
  user?: string;
  /** Aborting stops the wait for the command (it is left to the container's removal) and rejects with the signal's reason. */
  signal?: AbortSignal;
  /** Characters kept of stdout and of stderr each (default EXEC_OUTPUT_LIMIT). */
  maxOutputChars?: number;
}

/**
 * Runs a command inside a running container with `docker exec` semantics: as the container's own user
 * (or `user`), in its working directory, next to its main process. Bounded in time and in output; a
 * command stopped at its time limit has no exit code.
 */
export async function execInContainer(container: Docker.Container, command: string[], options: ExecOptions): Promise<CommandRun> {
  const started = Date.now();
  const limit = options.maxOutputChars ?? EXEC_OUTPUT_LIMIT;
  options.signal?.throwIfAborted();
  const exec = await container.exec({ Cmd: command, Env: options.env, User: options.user, AttachStdout: true, AttachStderr: true, Tty: false });
  const stream = (await exec.start({ hijack: true, stdin: false })) as NodeJS.ReadableStream & { destroy?: () => void };
  // A UTF-8 character is at most 4 bytes: this many bytes always hold `limit` characters.
  const output = new StreamSplitter(limit * 4);
  stream.on('data', (chunk: Buffer) => output.push(chunk));
  let timer: NodeJS.Timeout | undefined;
  let onAbort: (() => void) | undefined;
  const ending = await Promise.race([
    new Promise<'ended'>((resolve) => {
      stream.on('end', () => resolve('ended'));
      stream.on('close', () => resolve('ended'));
      stream.on('error', () => resolve('ended'));
    }),
    new Promise<'timeout'>((resolve) => {
      timer = setTimeout(() => resolve('timeout'), options.timeoutMs);
      timer.unref();
    }),
    new Promise<'aborted'>((resolve) => {
      onAbort = () => resolve('aborted');
      options.signal?.addEventListener('abort', onAbort, { once: true });
    }),
  ]);
  clearTimeout(timer);
  if (onAbort) options.signal?.removeEventListener('abort', onAbort);
  if (ending !== 'ended') stream.destroy?.();
  if (ending === 'aborted') options.signal!.throwIfAborted();
  let exitCode: number | null = null;
  if (ending === 'ended') {
    const finished = await waitFor(
      async () => {
        const state = await exec.inspect();
        return !state.Running && state.ExitCode !== null ? { code: state.ExitCode } : undefined;
      },
      { interval: EXIT_CODE_POLL_MS, deadline: Date.now() + EXIT_CODE_WAIT_MS, signal: options.signal },
    );
    exitCode = finished.ready ? finished.value.code : null;
  }
  const { stdout, stderr } = output.text();
  return { exitCode, stdout: stdout.slice(0, limit), stderr: stderr.slice(0, limit), timedOut: ending === 'timeout', durationMs: Date.now() - started };
}

/**
 * Splits a multiplexed (non-TTY) attach stream, chunk by chunk, into stdout (stream 1) and stderr
 * (stream 2): frames of an 8-byte header (stream, 0, 0, 0, size) and a payload. Keeps at most
 * `maxBytes` of each stream; a trailing partial header is dropped.
 */
export class StreamSplitter {
  private header = Buffer.alloc(0);
  private stream: 'stdout' | 'stderr' = 'stdout';
  private left = 0;
  private readonly kept = { stdout: [] as Buffer[], stderr: [] as Buffer[] };
  private readonly bytes = { stdout: 0, stderr: 0 };

  constructor(private readonly maxBytes = Infinity) {}

  push(chunk: Buffer): void {
    let offset = 0;
    while (offset < chunk.length) {
      if (this.left === 0) {
        const take = Math.min(8 - this.header.length, chunk.length - offset);
        this.header = Buffer.concat([this.header, chunk.subarray(offset, offset + take)]);
        offset += take;
        if (this.header.length < 8) return;
        this.stream = this.header[0] === 2 ? 'stderr' : 'stdout';
        this.left = this.header.readUInt32BE(4);
        this.header = Buffer.alloc(0);
        continue;
      }
      const take = Math.min(this.left, chunk.length - offset);
      this.keep(chunk.subarray(offset, offset + take));
      offset += take;
      this.left -= take;
    }
  }

  private keep(payload: Buffer): void {
    const room = this.maxBytes - this.bytes[this.stream];
    if (room <= 0) return;
    const part = payload.length > room ? payload.subarray(0, room) : payload;
    this.kept[this.stream].push(Buffer.from(part));
    this.bytes[this.stream] += part.length;
  }

  text(): { stdout: string; stderr: string } {
    return { stdout: Buffer.concat(this.kept.stdout).toString('utf8'), stderr: Buffer.concat(this.kept.stderr).toString('utf8') };
  }
}

/** Splits a whole multiplexed (non-TTY) attach stream into stdout and stderr. */
export function splitStreams(buffer: Buffer): { stdout: string; stderr: string } {
  const splitter = new StreamSplitter();
  splitter.push(buffer);
  return splitter.text();
}
