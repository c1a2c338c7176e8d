import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { confirm } from '../../src/cli/confirm.js';

async function ask(typed: string | null) {
  const input = new PassThrough();
  const output = new PassThrough();
  let shown = '';
  output.on('data', (chunk: Buffer) => (shown += chunk.toString()));
  const answer = confirm('Show it? [y/N] ', { input, output });
  if (typed === null) input.end();
  else input.write(typed);
  return { answer: await answer, shown };
}

describe('confirm', () => {
  it.each([
    ['y\n', true],
    ['YES\n', true],
    ['\n', false],
    ['n\n', false],
    ['maybe\n', false],
  ])('answer %j is %s', async (typed, expected) => {
    const { answer, shown } = await ask(typed);
    expect(answer).toBe(expected);
    expect(shown).toBe('Show it? [y/N] ');
  });

  it('an input that closes without an answer is a no', async () => {
    expect((await ask(null)).answer).toBe(false);
  });
});
