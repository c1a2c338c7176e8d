import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ChallengeProgressSchema, ProgressSchema } from '../../src/workspace/progress-schema.js';
import { emptyChallengeProgress, emptyProgress } from '../../src/workspace/progress.js';
import { markerIfWellFormed, progressIfWellFormed } from '../../src/workspace/state-shapes.js';
import { MarkerSchema } from '../../src/workspace/workspace-schema.js';

/**
 * The marker and the progress are recognised without zod only when the schema would accept them and
 * give the same value back; anything else goes to the schema (and its message).
 */

// Values near the real shapes (each field right, wrong or missing), so both answers get exercised.
const maybe = <T>(right: fc.Arbitrary<T>) => fc.oneof({ weight: 4, arbitrary: right }, { weight: 1, arbitrary: fc.jsonValue() });
const optionalKey = <T>(value: fc.Arbitrary<T>) => fc.option(value, { nil: undefined, freq: 4 });
const text = fc.string({ maxLength: 8 });
const number = fc.oneof(fc.integer({ min: -5, max: 120 }), fc.double({ min: -5, max: 120, noNaN: true }));

const lastVerify = fc.record(
  {
    at: maybe(text),
    passed: maybe(fc.boolean()),
    percent: maybe(number),
    points: maybe(number),
    maxPoints: maybe(number),
    failing: maybe(fc.array(text, { maxLength: 3 })),
    hints: maybe(fc.dictionary(text, text, { maxKeys: 2 })),
  },
  { requiredKeys: [] },
);
const challenge = fc.record(
  {
    startedAt: maybe(fc.option(text, { nil: null })),
    workspace: maybe(fc.option(text, { nil: null })),
    attempts: maybe(number),
    bestPercent: maybe(fc.option(number, { nil: null })),
    passedAt: maybe(fc.option(text, { nil: null })),
    hintsSeen: maybe(fc.array(number, { maxLength: 3 })),
    solutionViewedAt: maybe(fc.option(text, { nil: null })),
    lastVerify: maybe(fc.option(lastVerify, { nil: null })),
    extra: optionalKey(fc.jsonValue()),
  },
  { requiredKeys: [] },
).map((value) => JSON.parse(JSON.stringify(value)) as unknown);
const progress = fc
  .record({ schemaVersion: maybe(fc.constant(1)), challenges: maybe(fc.dictionary(text, challenge, { maxKeys: 3 })), extra: optionalKey(fc.jsonValue()) }, { requiredKeys: [] })
  .map((value) => JSON.parse(JSON.stringify(value)) as unknown);
const marker = fc
  .record(
    {
      schemaVersion: maybe(fc.constant(1)),
      challenge: maybe(text),
      startedAt: maybe(text),
      files: maybe(fc.dictionary(text, text, { maxKeys: 3 })),
      course: maybe(text),
      extra: optionalKey(fc.jsonValue()),
    },
    { requiredKeys: [] },
  )
  .map((value) => JSON.parse(JSON.stringify(value)) as unknown);

describe('state files recognised without zod', () => {
  it('a progress accepted without the schema is one the schema accepts, with the same value', () => {
    let recognised = 0;
    fc.assert(
      fc.property(progress, (data) => {
        const quick = progressIfWellFormed(structuredClone(data));
        if (quick === undefined) return;
        recognised++;
        const parsed = ProgressSchema.safeParse(data);
        expect(parsed.success).toBe(true);
        expect(quick).toStrictEqual(parsed.data);
      }),
      { numRuns: 2000 },
    );
    // Not vacuous: well-formed files were generated and recognised.
    expect(recognised).toBeGreaterThan(20);
  });

  it('a marker accepted without the schema is one the schema accepts, with the same value', () => {
    let recognised = 0;
    fc.assert(
      fc.property(marker, (data) => {
        const quick = markerIfWellFormed(structuredClone(data));
        if (quick === undefined) return;
        recognised++;
        const parsed = MarkerSchema.safeParse(data);
        expect(parsed.success).toBe(true);
        expect(quick).toStrictEqual(parsed.data);
      }),
      { numRuns: 2000 },
    );
    expect(recognised).toBeGreaterThan(20);
  });

  it('what Shipshape writes is recognised; a damaged or older file goes to the schema', () => {
    const written = ProgressSchema.parse({ schemaVersion: 1, challenges: { seed: { attempts: 2, hintsSeen: [1], lastVerify: { at: 'now', passed: false, percent: 40, points: 40, maxPoints: 100, failing: ['a'] } } } });
    expect(progressIfWellFormed(JSON.parse(JSON.stringify(written)))).toStrictEqual(written);
    expect(progressIfWellFormed(emptyProgress())).toStrictEqual(emptyProgress());
    expect(progressIfWellFormed({ schemaVersion: 1, challenges: { seed: emptyChallengeProgress() } })).toBeDefined();
    // A field left to its default, a wrong type, a newer version: not recognised here.
    const { hintsSeen: _dropped, ...withoutHints } = ChallengeProgressSchema.parse({});
    expect(progressIfWellFormed({ schemaVersion: 1, challenges: { seed: withoutHints } })).toBeUndefined();
    expect(progressIfWellFormed({ schemaVersion: 1, challenges: { seed: { ...emptyChallengeProgress(), attempts: -1 } } })).toBeUndefined();
    expect(progressIfWellFormed({ schemaVersion: 2, challenges: {} })).toBeUndefined();
    expect(progressIfWellFormed(JSON.parse('{"schemaVersion":1,"challenges":{"__proto__":{}}}'))).toBeUndefined();

    const markerWritten = { schemaVersion: 1, challenge: 'seed', startedAt: 'now', files: { Dockerfile: 'ab' }, course: '/c' };
    expect(markerIfWellFormed(markerWritten)).toStrictEqual(MarkerSchema.parse(markerWritten));
    expect(markerIfWellFormed({ ...markerWritten, files: { Dockerfile: 1 } })).toBeUndefined();
    expect(markerIfWellFormed({ ...markerWritten, schemaVersion: 2 })).toBeUndefined();
  });
});
