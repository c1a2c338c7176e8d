import { describe, expect, it } from 'vitest';
import { sizeUnder } from '../../../src/checks/image/size-under.js';
import { FakeInspector, facts, imageContext } from './fake.js';

describe('image.size-under', () => {
  const check = (maxMegabytes: number, size: number) =>
    sizeUnder.run(sizeUnder.params.parse({ maxMegabytes }), imageContext(facts({ size }), new FakeInspector()));

  it('passes at or under the budget and fails over it, with both figures', async () => {
    expect(await check(15, 5_100_000)).toMatchObject({ status: 'pass', message: 'the image is 5.1 MB; budget 15.0 MB', evidence: { imageBytes: 5_100_000, limitBytes: 15_000_000 } });
    expect((await check(15, 15_000_000)).status).toBe('pass');
    expect(await check(15, 559_500_000)).toMatchObject({ status: 'fail', message: 'the image is 559.5 MB; budget 15.0 MB' });
  });

  it('refuses a budget that is not positive', () => {
    expect(sizeUnder.params.safeParse({ maxMegabytes: 0 }).success).toBe(false);
  });
});
