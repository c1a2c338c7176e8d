import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { LineBuffer } from '../../src/engine/line-buffer.js';

function linesOf(chunks: Array<Buffer | string>): string[] {
  const lines: string[] = [];
  const buffer = new LineBuffer((line) => lines.push(line));
  for (const chunk of chunks) buffer.feed(chunk);
  buffer.end();
  return lines;
}

describe('LineBuffer', () => {
  it('keeps a character whose bytes are split between chunks whole', () => {
    const bytes = Buffer.from('step → done ✓\nnext\n', 'utf8');
    const arrow = bytes.indexOf(0xe2);
    expect(linesOf([bytes.subarray(0, arrow + 1), bytes.subarray(arrow + 1)])).toEqual(['step → done ✓', 'next']);
  });

  it('gives the last line without a newline at the end, and no empty one after a final newline', () => {
    expect(linesOf(['a\nb'])).toEqual(['a', 'b']);
    expect(linesOf(['a\n'])).toEqual(['a']);
  });

  it('gives the same lines however the bytes are cut into chunks', () => {
    fc.assert(
      fc.property(fc.array(fc.string({ unit: 'grapheme' }), { maxLength: 8 }), fc.array(fc.nat(), { maxLength: 6 }), (words, cuts) => {
        const text = words.join('\n');
        const bytes = Buffer.from(text, 'utf8');
        const points = [...new Set(cuts.map((cut) => cut % (bytes.length + 1)))].sort((a, b) => a - b);
        const chunks = [0, ...points].map((start, index, all) => bytes.subarray(start, all[index + 1] ?? bytes.length));
        expect(linesOf(chunks)).toEqual(linesOf([text]));
      }),
    );
  });
});
