import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { BuildEvent } from '../../src/engine/build.js';
import { decodeTrace } from '../../src/engine/buildkit/status.js';
import { TraceProgress } from '../../src/engine/buildkit/trace.js';

const FIXTURES = path.join(import.meta.dirname, '..', 'fixtures', 'buildkit');

/** Feeds a recorded stream in uneven chunks, as the socket delivers it. */
function replay(engine: '20.10' | '28.5', name: string, mask?: (line: string) => string) {
  const raw = readFileSync(path.join(FIXTURES, engine, `${name}.jsonl`), 'utf8');
  const events: BuildEvent[] = [];
  const progress = new TraceProgress(mask, (event) => events.push(event));
  for (let at = 0; at < raw.length; at += 333) progress.feed(raw.slice(at, at + 333));
  progress.end();
  return { progress, events, failure: progress.failure() };
}

describe('decodeTrace', () => {
  it('decodes a recorded moby.buildkit.trace message: vertex names, timestamps, logs with their stream', () => {
    const lines = readFileSync(path.join(FIXTURES, '20.10', 'ok.jsonl'), 'utf8').trim().split('\n').map((line) => JSON.parse(line) as { id?: string; aux?: string });
    const traces = lines.filter((line) => line.id === 'moby.buildkit.trace').map((line) => decodeTrace(line.aux!));
    const vertexes = traces.flatMap((trace) => trace.vertexes);
    expect(vertexes.map((vertex) => vertex.name)).toContain('[2/4] RUN echo one && echo two >&2');
    expect(vertexes.every((vertex) => /^sha256:[0-9a-f]{64}$/.test(vertex.digest))).toBe(true);
    const completed = vertexes.find((vertex) => vertex.completed !== null)!;
    expect(completed.completed!).toBeGreaterThan(Date.parse('2020-01-01'));
    const logs = traces.flatMap((trace) => trace.logs);
    expect(logs.map((log) => [log.stream, log.msg.toString('utf8')])).toEqual(expect.arrayContaining([[1, 'one\n'], [2, 'two\n']]));
  });

  it('rejects bytes that are not a StatusResponse', () => {
    expect(() => decodeTrace(Buffer.from([0x0a, 0xff, 0xff, 0xff]).toString('base64'))).toThrow();
  });
});

describe.each(['20.10', '28.5'] as const)('TraceProgress on Docker %s streams', (engine) => {
  it('a first build: step n/m with the instruction in order, output lines of the steps, the image id, nothing cached', () => {
    const { progress, events, failure } = replay(engine, 'ok');
    expect(failure).toBeNull();
    expect(progress.imageId).toMatch(/^sha256:[0-9a-f]{64}$/);
    const steps = events.filter((event) => event.type === 'step');
    expect(steps.map((event) => [event.index, event.instruction])).toEqual([
      // As written in the Dockerfile: BuildKit's docker.io/library/ prefix and Docker 28's resolved digest dropped.
      [1, 'FROM alpine:3.20'],
      [2, 'RUN echo one && echo two >&2'],
      [3, 'COPY a.txt /a.txt'],
      [4, 'RUN cat /a.txt'],
    ]);
    expect(steps.every((event) => event.type === 'step' && event.total >= event.index)).toBe(true);
    // stdout and stderr of one step arrive in separate log records, not always in the order written.
    expect(events.filter((event) => event.type === 'output').map((event) => event.type === 'output' && event.line).sort()).toEqual(['a', 'one', 'two']);
    expect(progress.stepLog.filter((step) => step.cached).map((step) => step.instruction)).not.toContain('RUN echo one && echo two >&2');
  });

  it('the same build again: every step after FROM is marked CACHED', () => {
    const { progress, failure } = replay(engine, 'ok-cached');
    expect(failure).toBeNull();
    expect(progress.stepLog.map((step) => [step.instruction, step.cached])).toEqual([
      ['FROM alpine:3.20', expect.any(Boolean)],
      ['RUN echo one && echo two >&2', true],
      ['COPY a.txt /a.txt', true],
      ['RUN cat /a.txt', true],
    ]);
  });

  it('a failing step is named, with its own output and the exit code', () => {
    const { failure, progress } = replay(engine, 'fail');
    expect(failure).not.toBeNull();
    expect(failure!.step).toBe("Step 4/4 : RUN sh -c 'echo failing; exit 3'");
    expect(failure!.message).toMatch(/exit code: 3$/);
    expect(failure!.lastLines).toEqual(['failing']);
    expect(progress.missingBase(failure!)).toBeNull();
  });

  it('a `# syntax=` frontend that cannot be fetched offline says so, and is not taken for a missing base image', () => {
    const { failure, progress } = replay(engine, 'syntax');
    expect(failure!.message).toMatch(/^the `# syntax=` line asks BuildKit for the Dockerfile frontend image docker\/dockerfile:1\.7, which is not on the engine and could not be fetched/);
    expect(failure!.message).toContain('remove the `# syntax=` line');
    expect(progress.frontendImage).toBe('docker/dockerfile:1.7');
    expect(progress.missingBase(failure!)).toBeNull();
  });

  it('a base image neither on the engine nor reachable is named', () => {
    const { failure, progress } = replay(engine, 'nobase');
    expect(failure).not.toBeNull();
    expect(progress.missingBase(failure!)).toBe('shipshape-none/nope:1');
  });
});

describe('TraceProgress', () => {
  it('after a source change the dependency step comes from the cache and the COPY of the changed file does not (20.10)', () => {
    const { progress } = replay('20.10', 'ok-changed');
    expect(progress.stepLog.map((step) => [step.instruction, step.cached])).toEqual([
      ['FROM alpine:3.20', expect.any(Boolean)],
      ['RUN echo one && echo two >&2', true],
      ['COPY a.txt /a.txt', false],
      ['RUN cat /a.txt', false],
    ]);
  });

  it('masks secret values in output lines and failures', () => {
    const { events } = replay('20.10', 'ok', (line) => line.split('two').join('***'));
    expect(events.filter((event) => event.type === 'output').map((event) => event.type === 'output' && event.line).sort()).toEqual(['***', 'a', 'one']);
  });

  it('ignores lines that are not JSON and trace payloads that do not decode', () => {
    const progress = new TraceProgress();
    progress.feed('not json\n{"id":"moby.buildkit.trace","aux":"////"}\n{"stream":"x"}\n');
    progress.end();
    expect(progress.failure()).toBeNull();
    expect(progress.stepLog).toEqual([]);
  });

  it('strips escape sequences from learner output and bounds a huge line', () => {
    const events: BuildEvent[] = [];
    const progress = new TraceProgress(undefined, (event) => events.push(event));
    progress.trace({
      vertexes: [{ digest: 'sha256:a', inputs: [], name: '[1/1] RUN printf x', cached: false, started: 1, completed: null, error: '' }],
      logs: [{ vertex: 'sha256:a', stream: 1, msg: Buffer.from(`\u001b]0;pwned\u0007\u001b[2Jhello\u001b[0m\n${'y'.repeat(5000)}\n`) }],
      statuses: [],
      warnings: [],
    });
    const lines = events.flatMap((event) => (event.type === 'output' ? [event.line] : []));
    expect(lines[0]).toBe('hello');
    expect(lines[1]!.length).toBeLessThan(1100);
    expect(lines.join('')).not.toMatch(/\u001b/);
  });
});
