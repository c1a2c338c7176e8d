import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ResultsCache, cacheKey } from '../../src/grading/batch/cache.js';
import type { SubmissionOutcome, SubmissionStatus } from '../../src/grading/batch/types.js';

function outcome(name: string, status: SubmissionStatus): SubmissionOutcome {
  return {
    name,
    contentHash: `hash-of-${name}`,
    attempts: 1,
    engine: 'unix:///fake.sock',
    cached: false,
    status,
    passed: status === 'pass',
    score: { points: status === 'pass' ? 10 : 0, maxPoints: 10, percent: status === 'pass' ? 100 : 0 },
    counts: { pass: status === 'pass' ? 1 : 0, fail: status === 'fail' ? 1 : 0, skip: 0, advice: 0 },
    checks: [],
    provenance: null,
    message: status === 'pass' ? null : `it is ${status}`,
    phase: status === 'timeout' ? 'runtime' : null,
    durationMs: 1234,
    gradedAt: '2026-01-01T00:00:00.000Z',
  };
}

describe('the batch results cache (a real file, no engine)', () => {
  let dir: string;
  let file: string;
  const key = cacheKey('content-1', 'challenge-1');

  beforeEach(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'shipshape-cache-test-'));
    file = path.join(dir, '.subs.demo.shipshape-grade.json');
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('misses when there is no file yet, and hits after a verdict is recorded, saved and read again', async () => {
    const first = await ResultsCache.open(file, 'demo');
    expect(first.lookup('alice', key, 60)).toBeNull();
    const graded = outcome('alice', 'pass');
    first.record('alice', key, 60, graded);
    await first.save();

    const again = await ResultsCache.open(file, 'demo');
    const hit = again.lookup('alice', key, 60);
    // The verdict as it was graded, marked as taken from the cache, with its keys in the same order.
    expect(hit).toEqual({ ...graded, cached: true });
    expect(Object.keys(hit!)).toEqual(Object.keys(graded));
    expect(again.lookup('bob', key, 60)).toBeNull();
  });

  it('writes the documented file: schema 1, the challenge, entries by name with key and limit; no temporary file is left', async () => {
    const cache = await ResultsCache.open(file, 'demo');
    cache.record('alice', key, 60, outcome('alice', 'fail'));
    cache.record('bob', key, 60, outcome('bob', 'pass'));
    await cache.save();
    const text = await readFile(file, 'utf8');
    expect(text.endsWith('}\n')).toBe(true);
    const parsed = JSON.parse(text);
    expect(parsed).toMatchObject({ schemaVersion: 1, challenge: 'demo' });
    expect(Object.keys(parsed.entries)).toEqual(['alice', 'bob']);
    expect(parsed.entries.alice).toMatchObject({ key, timeoutSeconds: 60, outcome: { name: 'alice', status: 'fail' } });
    expect(await readdir(dir)).toEqual([path.basename(file)]);
  });

  it('is invalidated by a changed submission or challenge (another key) and by a file of another challenge', async () => {
    const cache = await ResultsCache.open(file, 'demo');
    cache.record('alice', key, 60, outcome('alice', 'pass'));
    await cache.save();
    const reread = await ResultsCache.open(file, 'demo');
    expect(reread.lookup('alice', cacheKey('content-2', 'challenge-1'), 60)).toBeNull();
    expect(reread.lookup('alice', cacheKey('content-1', 'challenge-2'), 60)).toBeNull();
    expect((await ResultsCache.open(file, 'other-challenge')).lookup('alice', key, 60)).toBeNull();
  });

  it('never keeps an error (the engine may have been down), and an error leaves an earlier verdict in place', async () => {
    const cache = await ResultsCache.open(file, 'demo');
    cache.record('alice', key, 60, outcome('alice', 'error'));
    expect(cache.lookup('alice', key, 60)).toBeNull();
    cache.record('bob', key, 60, outcome('bob', 'fail'));
    cache.record('bob', key, 60, outcome('bob', 'error'));
    await cache.save();
    const reread = await ResultsCache.open(file, 'demo');
    expect(reread.lookup('alice', key, 60)).toBeNull();
    expect(reread.lookup('bob', key, 60)?.status).toBe('fail');
  });

  it('reuses a timeout only while the limit is not longer than the one it ran out under', async () => {
    const cache = await ResultsCache.open(file, 'demo');
    cache.record('dave', key, 40, outcome('dave', 'timeout'));
    expect(cache.lookup('dave', key, 30)?.status).toBe('timeout');
    expect(cache.lookup('dave', key, 40)?.status).toBe('timeout');
    expect(cache.lookup('dave', key, 41)).toBeNull();
  });

  it('reads a file that does not parse, or of another schema, as an empty cache and replaces it on save', async () => {
    for (const text of ['{ not json', JSON.stringify({ schemaVersion: 2, challenge: 'demo', entries: {} }), 'null']) {
      await writeFile(file, text);
      const cache = await ResultsCache.open(file, 'demo');
      expect(cache.lookup('alice', key, 60)).toBeNull();
      cache.record('alice', key, 60, outcome('alice', 'pass'));
      await cache.save();
      expect(JSON.parse(await readFile(file, 'utf8')).entries.alice.key).toBe(key);
    }
  });

  it('keeps every verdict when they are recorded faster than they are written (writes are queued, the last one is whole)', async () => {
    const cache = await ResultsCache.open(file, 'demo');
    const names = Array.from({ length: 20 }, (_, index) => `learner${index}`);
    for (const name of names) cache.record(name, key, 60, outcome(name, 'pass'));
    await cache.save();
    expect(Object.keys(JSON.parse(await readFile(file, 'utf8')).entries)).toEqual(names);
  });

  it('with no file (--fresh) reads and writes nothing, yet answers for what this batch recorded', async () => {
    const cache = await ResultsCache.open(null, 'demo');
    cache.record('alice', key, 60, outcome('alice', 'pass'));
    await cache.save();
    expect(await readdir(dir)).toEqual([]);
    expect(cache.lookup('alice', key, 60)?.cached).toBe(true);
  });

  it('a write that fails does not fail the batch', async () => {
    // Its folder is a file: every write fails (ENOTDIR).
    await writeFile(path.join(dir, 'not-a-dir'), '');
    const cache = await ResultsCache.open(path.join(dir, 'not-a-dir', 'state.json'), 'demo');
    cache.record('alice', key, 60, outcome('alice', 'pass'));
    await expect(cache.save()).resolves.toBeUndefined();
    // Later writes are still attempted (the queue is not stuck on the failure).
    cache.record('bob', key, 60, outcome('bob', 'pass'));
    await expect(cache.save()).resolves.toBeUndefined();
  });
});
