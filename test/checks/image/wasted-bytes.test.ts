import { describe, expect, it } from 'vitest';
import type { ImageInspector, WastedBytes } from '../../../src/checks/kind.js';
import { wastedBytes } from '../../../src/checks/image/wasted-bytes.js';
import { FakeInspector, facts, imageContext } from './fake.js';

const WASTE: WastedBytes = {
  totalBytes: 2_500_000,
  files: 2,
  top: [
    { path: 'tmp/build.tar', bytes: 2_000_000, how: 'deleted', addedBy: 'RUN curl -o /tmp/build.tar', removedBy: 'RUN rm /tmp/build.tar', addedInLayer: 4, removedInLayer: 5 },
    { path: 'app/config.json', bytes: 500_000, how: 'overwritten', addedBy: 'COPY . .', removedBy: 'COPY config.json', addedInLayer: 6, removedInLayer: 7 },
  ],
  layers: 7,
  sinceLayer: 3,
};

/** The check on an inspector that reads the layers (`waste` given) or one that cannot (no wastedBytes at all). */
async function check(maxMegabytes: number, waste: WastedBytes | null) {
  const asked: Array<{ imageId: string; options?: { sinceLayer?: number } }> = [];
  const inspector: ImageInspector = new FakeInspector();
  if (waste) {
    inspector.wastedBytes = async (imageId, options) => {
      asked.push({ imageId, options });
      return waste;
    };
  }
  // The final stage's base has 3 layers: only the learner's layers above it count.
  const context = { ...imageContext(facts({ id: 'sha256:learner' }), inspector), finalBase: facts({ id: 'sha256:base', layerCount: 3 }) };
  return { verdict: await wastedBytes.run(wastedBytes.params.parse({ maxMegabytes }), context), asked };
}

describe('image.wasted-bytes', () => {
  it('under the budget: passes, naming what is hidden, counted above the base image layers', async () => {
    const { verdict, asked } = await check(3, WASTE);
    expect(asked).toEqual([{ imageId: 'sha256:learner', options: { sinceLayer: 3 } }]);
    expect(verdict.status).toBe('pass');
    expect(verdict.message).toBe(
      '2.5 MB in 2 files added in one layer and deleted or overwritten in a later one; biggest: tmp/build.tar (2.0 MB, added by RUN curl -o /tmp/build.tar, deleted by RUN rm /tmp/build.tar); app/config.json (500.0 kB, added by COPY . ., overwritten by COPY config.json); budget 3.0 MB',
    );
    expect(verdict.evidence).toMatchObject({ wastedBytes: 2_500_000, files: 2, limitBytes: 3_000_000, layers: 7, baseLayers: 3 });
  });

  it('exactly at the budget passes; a byte over fails with the same account', async () => {
    expect((await check(2.5, WASTE)).verdict.status).toBe('pass');
    const over = await check(2.499_999, WASTE);
    expect(over.verdict.status).toBe('fail');
    expect(over.verdict.message).toContain('biggest: tmp/build.tar (2.0 MB');
    expect(over.verdict.evidence).toMatchObject({ wastedBytes: 2_500_000, limitBytes: 2_499_999 });
  });

  it('nothing hidden passes even a zero budget', async () => {
    const { verdict } = await check(0, { totalBytes: 0, files: 0, top: [], layers: 4, sinceLayer: 3 });
    expect(verdict).toMatchObject({ status: 'pass', message: 'no bytes are hidden by later layers; budget 0 B' });
  });

  it('layers unreadable: an engine connection that cannot read them fails, never passes', async () => {
    const { verdict } = await check(1000, null);
    expect(verdict.status).toBe('fail');
    expect(verdict.message).toBe('engine problem: this engine connection cannot read the image layers, so the wasted bytes are unknown');
  });
});
