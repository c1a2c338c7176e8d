import { PassThrough } from 'node:stream';
import type Docker from 'dockerode';
import { describe, expect, it } from 'vitest';
import { execInContainer } from '../../src/engine/exec.js';

function frame(stream: 1 | 2, text: string): Buffer {
  const payload = Buffer.from(text, 'utf8');
  const header = Buffer.alloc(8);
  header[0] = stream;
  header.writeUInt32BE(payload.length, 4);
  return Buffer.concat([header, payload]);
}

/**
 * A container whose exec streams `frames`, then ends (or never does), and whose inspect reports the
 * exit code only after `runningInspects` more looks (the engine records it a moment after the stream closes).
 */
function fakeContainer(options: { frames: Buffer[]; end: boolean; exitCode: number; runningInspects?: number }) {
  const created: unknown[] = [];
  let inspects = 0;
  const container = {
    exec: async (config: unknown) => {
      created.push(config);
      return {
        start: async () => {
          const stream = new PassThrough();
          setImmediate(() => {
            for (const chunk of options.frames) stream.write(chunk);
            if (options.end) stream.end();
          });
          return stream;
        },
        inspect: async () => {
          inspects += 1;
          const running = inspects <= (options.runningInspects ?? 0);
          return { Running: running, ExitCode: running ? null : options.exitCode };
        },
      };
    },
  } as unknown as Docker.Container;
  return { container, created, inspects: () => inspects };
}

describe('execInContainer (the one exec primitive)', () => {
  it('returns both streams and the exit code the engine records a moment after the stream ends', async () => {
    const fake = fakeContainer({ frames: [frame(1, 'uid=1000\n'), frame(2, 'warn\n')], end: true, exitCode: 3, runningInspects: 2 });
    const run = await execInContainer(fake.container, ['id'], { timeoutMs: 5000, user: 'app', env: ['A=1'] });
    expect(run).toMatchObject({ exitCode: 3, stdout: 'uid=1000\n', stderr: 'warn\n', timedOut: false });
    expect(fake.inspects()).toBe(3);
    expect(fake.created[0]).toMatchObject({ Cmd: ['id'], User: 'app', Env: ['A=1'], AttachStdout: true, AttachStderr: true, Tty: false });
  });

  it('stops a command at its time limit: timed out, no exit code, the output so far', async () => {
    const fake = fakeContainer({ frames: [frame(1, 'started\n')], end: false, exitCode: 0 });
    const run = await execInContainer(fake.container, ['sleep', '100'], { timeoutMs: 50 });
    expect(run).toMatchObject({ exitCode: null, stdout: 'started\n', timedOut: true });
  });

  it('keeps at most maxOutputChars of each stream', async () => {
    const fake = fakeContainer({ frames: [frame(1, 'x'.repeat(5000)), frame(2, 'é'.repeat(5000))], end: true, exitCode: 0 });
    const run = await execInContainer(fake.container, ['yes'], { timeoutMs: 5000, maxOutputChars: 100 });
    expect(run.stdout).toBe('x'.repeat(100));
    expect(run.stderr).toBe('é'.repeat(100));
  });

  it('rejects with the reason when the signal aborts, without waiting for the command', async () => {
    const fake = fakeContainer({ frames: [], end: false, exitCode: 0 });
    const controller = new AbortController();
    const running = execInContainer(fake.container, ['sleep', '100'], { timeoutMs: 60_000, signal: controller.signal });
    setTimeout(() => controller.abort(new Error('cancelled')), 20);
    await expect(running).rejects.toThrow('cancelled');
    await expect(execInContainer(fake.container, ['true'], { timeoutMs: 1000, signal: controller.signal })).rejects.toThrow('cancelled');
  });
});
